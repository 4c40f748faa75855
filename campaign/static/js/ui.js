/* Controls whose text comes from the browser speak Chinese whatever the browser's language:
   file inputs get a Chinese button and file name line, date-time inputs a Chinese hint;
   one-line text boxes that wrap (textarea.line) do not take a line break from Enter. */
(function () {
  'use strict';

  document.querySelectorAll('input[type=file]').forEach(function (input) {
    if (input.hasAttribute('data-native')) { return; }
    input.classList.add('file-native');
    var button = document.createElement('label');
    button.className = 'file-button';
    button.setAttribute('for', input.id);
    button.setAttribute('aria-hidden', 'true');  // the input keeps its own label and focus
    button.textContent = input.multiple ? '选择文件（可多选）' : '选择文件';
    var chosen = document.createElement('span');
    chosen.className = 'file-chosen';
    chosen.setAttribute('aria-live', 'polite');
    chosen.textContent = '未选择文件';
    input.insertAdjacentElement('afterend', chosen);
    input.insertAdjacentElement('afterend', button);
    input.addEventListener('change', function () {
      var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      chosen.textContent = !names.length ? '未选择文件'
        : names.length === 1 ? '已选择：' + names[0]
        : '已选择 ' + names.length + ' 个文件：' + names.slice(0, 3).join('、') + (names.length > 3 ? ' 等' : '');
    });
  });

  document.querySelectorAll('input[type=datetime-local]').forEach(function (input) {
    if (document.getElementById(input.id + '-format')) { return; }
    var hint = document.createElement('small');
    hint.className = 'format-hint';
    hint.id = input.id + '-format';
    hint.textContent = '请选择或输入日期和时间（年-月-日 时:分，24 小时制），例如 2026-03-31 18:00';
    input.insertAdjacentElement('afterend', hint);
    var described = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    described.push(hint.id);
    input.setAttribute('aria-describedby', described.join(' '));
  });

  document.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && event.target.matches && event.target.matches('textarea.line')) {
      event.preventDefault();
    }
  });
}());
