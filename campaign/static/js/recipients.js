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

  // The tree: branches fold; the user's own part is open, the rest folded, one search away.
  var tree = form.querySelector(".unit-tree");
  var search = form.querySelector("[data-tree-search]");
  var searchStatus = form.querySelector(".tree-search-status");
  var items = tree ? Array.prototype.slice.call(tree.querySelectorAll("li")) : [];

  function twisty(item) { return item.querySelector(":scope > .node > .twisty"); }

  function setOpen(item, open) {
    var button = twisty(item);
    if (!button) { return; }
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = "";
    var sr = document.createElement("span");
    sr.className = "sr-only";
    sr.textContent = (open ? "收起" : "展开") + item.getAttribute("data-name") + "的下级";
    button.appendChild(document.createTextNode(open ? "▾" : "▸"));
    button.appendChild(sr);
    var list = item.querySelector(":scope > ul");
    if (list) { list.hidden = !open; }
  }

  function defaultView() {
    var hasHome = tree && tree.querySelector("li[data-own]");
    items.forEach(function (item) {
      item.hidden = false;
      // With a home: open along it and inside it. Without: the top level open, the rest folded.
      var open = hasHome ? item.hasAttribute("data-own") : item.getAttribute("data-depth") === "1";
      setOpen(item, open);
    });
  }

  function branchCounts() {
    items.forEach(function (item) {
      var out = item.querySelector(":scope > .node [data-branch-count]");
      var list = item.querySelector(":scope > ul");
      if (!out || !list) { return; }
      var boxes = list.querySelectorAll("input[name=unit]");
      var ticked = list.querySelectorAll("input[name=unit]:checked");
      out.textContent = "已选 " + ticked.length + " / " + boxes.length;
    });
  }

  if (tree) {
    items.forEach(function (item) {
      var button = twisty(item);
      if (!button) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        setOpen(item, button.getAttribute("aria-expanded") !== "true");
      });
    });
    defaultView();
  }

  if (search) {
    search.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
    search.addEventListener("input", function () {
      var q = search.value.trim();
      if (!q) { defaultView(); searchStatus.textContent = ""; return; }
      var found = 0;
      items.slice().reverse().forEach(function (item) {
        var self = (item.getAttribute("data-name") || "").indexOf(q) !== -1;
        var below = Array.prototype.some.call(item.querySelectorAll(":scope > ul > li"), function (li) { return !li.hidden; });
        item.hidden = !(self || below);
        if (self) { found += 1; }
        setOpen(item, below);
      });
      searchStatus.textContent = found ? "找到 " + found + " 个单位" : "没有名称含“" + q + "”的单位";
    });
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
    branchCounts();
  });
  count();
  branchCounts();
}());
