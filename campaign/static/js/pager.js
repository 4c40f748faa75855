/* Long lists of units stay usable: a table with data-pager gets a name filter and pages of
   data-pager rows; rows on other pages stay in the form, so what is ticked is still sent.
   A form with data-selection-count shows how many units are chosen, in its sticky bar. */
(function () {
  'use strict';

  function setUp(table) {
    var size = parseInt(table.getAttribute('data-pager'), 10) || 50;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    if (rows.length <= size) { return; }
    var label = table.getAttribute('data-pager-label') || '单位';
    var id = table.id || ('pager-' + Math.random().toString(36).slice(2));
    var tools = document.createElement('div');
    tools.className = 'pager-tools';
    tools.innerHTML = '<label class="inline" for="' + id + '-filter">按名称筛选' + label + '</label> ' +
      '<input type="search" id="' + id + '-filter" class="pager-filter" autocomplete="off"> ' +
      '<span class="pager-status" role="status" aria-live="polite"></span>';
    var nav = document.createElement('div');
    nav.className = 'pager-nav';
    nav.innerHTML = '<button type="button" data-page="-1">上一页</button> <button type="button" data-page="1">下一页</button>';
    table.parentNode.insertBefore(tools, table);
    table.parentNode.insertBefore(nav, table.nextSibling);
    var filter = tools.querySelector('input');
    var status = tools.querySelector('.pager-status');
    var page = 0;

    function matching() {
      var q = filter.value.trim();
      return rows.filter(function (row) { return !q || row.textContent.indexOf(q) !== -1; });
    }

    function show() {
      var shown = matching();
      var pages = Math.max(1, Math.ceil(shown.length / size));
      page = Math.min(Math.max(page, 0), pages - 1);
      rows.forEach(function (row) { row.hidden = true; });
      shown.slice(page * size, (page + 1) * size).forEach(function (row) { row.hidden = false; });
      status.textContent = '共 ' + shown.length + ' 个' + label + '，第 ' + (page + 1) + ' / ' + pages + ' 页';
      nav.querySelector('[data-page="-1"]').disabled = page === 0;
      nav.querySelector('[data-page="1"]').disabled = page >= pages - 1;
    }

    filter.addEventListener('input', function () { page = 0; show(); });
    filter.addEventListener('keydown', function (event) { if (event.key === 'Enter') { event.preventDefault(); } });
    nav.addEventListener('click', function (event) {
      var step = event.target.getAttribute('data-page');
      if (step) { page += parseInt(step, 10); show(); }
    });
    show();
  }

  function counter(form) {
    var out = form.querySelector('[data-selection-count]');
    if (!out) { return; }
    function update() {
      var total = 0;
      form.querySelectorAll('[data-section]').forEach(function (section) {
        var all = section.querySelector('input[name="everyone"]');
        if (all && all.checked) {
          total += parseInt(all.getAttribute('data-count'), 10) || 0;
        } else {
          total += section.querySelectorAll('input[name="selected"]:checked').length;
        }
      });
      out.textContent = '已选 ' + total + ' 个单位';
    }
    form.addEventListener('change', update);
    update();
  }

  document.querySelectorAll('table[data-pager]').forEach(setUp);
  document.querySelectorAll('form').forEach(counter);
}());
