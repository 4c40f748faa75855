// Choosing recipients: "全部下级" ticks or clears every unit below it; the count follows.
// Without this script the server expands the ticked subtrees itself.
(function () {
  "use strict";
  var form = document.querySelector("[data-recipients]");
  if (!form) { return; }
  var counter = form.querySelector("[data-selected-count]");

  function branch(box) {
    var item = box.closest("li");
    var list = item && item.querySelector(":scope > ul");
    return list ? list.querySelectorAll("input[type=checkbox]:not([disabled])") : [];
  }

  function count() {
    var chosen = form.querySelectorAll("input[name=unit]:checked, input[type=hidden][name=unit]");
    var ids = {};
    chosen.forEach(function (el) { ids[el.value] = true; });
    counter.textContent = "已选 " + Object.keys(ids).length + " 个单位";
  }

  form.addEventListener("change", function (event) {
    var box = event.target;
    if (box.hasAttribute("data-subtree")) {
      branch(box).forEach(function (el) { el.checked = box.checked; });
    } else if (box.name === "unit" && !box.checked) {
      // A unit taken out of a ticked subtree: the subtrees above it are no longer whole.
      var item = box.closest("li").parentElement.closest("li");
      while (item) {
        var above = item.querySelector(":scope > .node input[data-subtree]");
        if (above) { above.checked = false; }
        item = item.parentElement.closest("li");
      }
    }
    count();
  });
  count();
}());
