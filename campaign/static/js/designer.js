/* 表单设计: edit a form definition by clicking or by keyboard, with undo and a live preview.
   The state is the same definition the YAML holds (title, fields, limits); the server checks it
   again on save and renders the preview with the unit form's own templates. */
(function () {
  'use strict';
  var root = document.querySelector('[data-designer]');
  var form = document.getElementById('design-form');
  if (!root || !form) { return; }
  var state = JSON.parse(document.getElementById('design-data').textContent);
  var history = [];
  var preview = document.querySelector('[data-preview]');
  var status = document.querySelector('[data-design-status]');
  var csrf = form.querySelector('input[name="csrf_token"]').value;
  var TYPES = [['textarea', '多行文字'], ['text', '单行文字'], ['section', '提纲段落'], ['rows', '可增行表格'], ['photos', '照片']];
  var COUNTED = { text: true, textarea: true, section: true };
  // On a published form a new field starts optional: a required one would be refused.
  var published = form.hasAttribute('data-published');
  if (preview) { preview.inert = true; }

  function copy(value) { return JSON.parse(JSON.stringify(value)); }
  function typeName(type) { for (var i = 0; i < TYPES.length; i++) { if (TYPES[i][0] === type) { return TYPES[i][1]; } } return type; }
  function freshKey(prefix, taken) {
    var n = 1;
    while (taken.indexOf(prefix + n) >= 0) { n += 1; }
    return prefix + n;
  }
  function fieldKeys() { return state.fields.map(function (f) { return f.key; }); }

  // --- changes and undo ---------------------------------------------------------------------
  function change(mutate, focus) {
    history.push(copy(state));
    if (history.length > 200) { history.shift(); }
    mutate();
    render(focus);
    schedulePreview();
  }
  var typing = null;
  function typed(mutate) {
    // Typing is one undo step per field and pause, not one per key.
    if (typing === null) { history.push(copy(state)); }
    clearTimeout(typing);
    typing = setTimeout(function () { typing = null; }, 800);
    mutate();
    schedulePreview();
  }
  function undo() {
    if (!history.length) { say('没有可撤销的修改。'); return; }
    state = history.pop();
    render();
    schedulePreview();
    say('已撤销上一步修改。');
  }
  function say(text) { if (status) { status.textContent = text; } }

  // --- building the editor -----------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === 'text') { node.textContent = attrs[name]; } else if (name in node && name !== 'list') { node[name] = attrs[name]; } else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }
  function textInput(id, label, value, onInput, opts) {
    opts = opts || {};
    var input = el(opts.multiline ? 'textarea' : 'input', { id: id, value: value || '' });
    if (opts.multiline) { input.rows = 2; input.className = 'line'; } else { input.type = opts.number ? 'number' : 'text'; }
    if (opts.number) { input.min = opts.min || '1'; input.inputMode = 'numeric'; }
    input.addEventListener('input', function () { typed(function () { onInput(input.value); }); });
    return el('div', {}, [el('label', { htmlFor: id, text: label }), input]);
  }
  function check(id, label, checked, onChange) {
    var box = el('input', { type: 'checkbox', id: id, checked: !!checked });
    box.addEventListener('change', function () { change(function () { onChange(box.checked); }, id); });
    return el('label', { className: 'check', htmlFor: id }, [box, document.createTextNode(label)]);
  }
  function button(id, label, onClick, ariaLabel) {
    var b = el('button', { type: 'button', id: id, text: label });
    if (ariaLabel) {
      b.setAttribute('aria-label', ariaLabel);
      b.setAttribute('data-named', ariaLabel.replace(/“[^”]*”/, '“%s”'));
    }
    b.addEventListener('click', onClick);
    return b;
  }
  // A field's buttons say which field they act on; renaming the field renames them.
  function rename(container, name) {
    container.querySelectorAll('[data-named]').forEach(function (b) {
      if (b.closest('fieldset, li') === container) { b.setAttribute('aria-label', b.getAttribute('data-named').replace('%s', name)); }
    });
  }
  function number(value) { var n = parseInt(value, 10); return isNaN(n) || n < 1 ? null : n; }

  function fieldEditor(field, index) {
    var id = 'dz-' + field.key;
    var name = field.label || ('栏目 ' + (index + 1));
    var parts = [el('legend', { text: '栏目 ' + (index + 1) + '：' + typeName(field.type) })];
    var typeSelect = el('select', { id: id + '-type' });
    TYPES.forEach(function (t) { typeSelect.appendChild(el('option', { value: t[0], text: t[1], selected: t[0] === field.type })); });
    typeSelect.addEventListener('change', function () {
      change(function () { setType(field, typeSelect.value); }, id + '-type');
    });
    parts.push(el('div', { className: 'row' }, [
      textInput(id + '-label', '名称（与通知原文一致）', field.label, function (v) {
        field.label = v;
        rename(document.getElementById(id), v || ('栏目 ' + (index + 1)));
      }),
      el('div', {}, [el('label', { htmlFor: id + '-type', text: '类型' }), typeSelect]),
      check(id + '-required', '必填', field.required, function (v) { field.required = v; })
    ]));
    parts.push(textInput(id + '-guidance', '填写说明（显示在栏目下方，可不填）', field.guidance, function (v) { field.guidance = v; }, { multiline: true }));
    if (COUNTED[field.type]) {
      parts.push(el('div', { className: 'row' }, [
        textInput(id + '-max', '字数上限（不限可不填）', field.max_words || '', function (v) { field.max_words = number(v); }, { number: true }),
        field.type === 'text' ? textInput(id + '-default', '预填内容（{unit} 代表单位名称）', field.default, function (v) { field.default = v; }) : null
      ]));
    }
    if (field.type === 'photos') {
      parts.push(textInput(id + '-photos', '最多张数', field.max_photos || 20, function (v) { field.max_photos = number(v) || 20; }, { number: true }));
    }
    if (field.type === 'rows') { parts.push(rowsEditor(field, id)); }
    parts.push(el('div', { className: 'design-tools' }, [
      button(id + '-up', '上移', function () { move(state.fields, index, -1, id + '-up'); }, '上移“' + name + '”'),
      button(id + '-down', '下移', function () { move(state.fields, index, 1, id + '-down'); }, '下移“' + name + '”'),
      button(id + '-remove', '删除', function () {
        change(function () {
          state.fields.splice(index, 1);
          state.limits.forEach(function (limit) { limit.fields = limit.fields.filter(function (k) { return k !== field.key; }); });
          state.limits = state.limits.filter(function (limit) { return limit.fields.length; });
        }, 'dz-add-type');
        say('已删除“' + name + '”。可按“撤销”恢复。');
      }, '删除“' + name + '”')
    ]));
    return el('fieldset', { className: 'design-field', id: id }, parts);
  }

  function rowsEditor(field, id) {
    var list = el('ol', { className: 'design-columns' });
    field.columns.forEach(function (column, c) {
      var cid = id + '-' + column.key;
      var cname = column.label || ('第 ' + (c + 1) + ' 列');
      list.appendChild(el('li', {}, [
        el('div', { className: 'row' }, [
          textInput(cid + '-label', '第 ' + (c + 1) + ' 列名称', column.label, function (v) {
            column.label = v;
            rename(document.getElementById(cid + '-label').closest('li'), v || ('第 ' + (c + 1) + ' 列'));
          }),
          check(cid + '-long', '多行', column.type === 'textarea', function (v) { column.type = v ? 'textarea' : 'text'; }),
          check(cid + '-required', '必填', column.required, function (v) { column.required = v; })
        ]),
        el('div', { className: 'design-tools' }, [
          button(cid + '-up', '左移', function () { move(field.columns, c, -1, cid + '-up'); }, '左移“' + cname + '”列'),
          button(cid + '-down', '右移', function () { move(field.columns, c, 1, cid + '-down'); }, '右移“' + cname + '”列'),
          field.columns.length > 1 ? button(cid + '-remove', '删除此列', function () {
            change(function () { field.columns.splice(c, 1); }, id + '-add-column');
          }, '删除此列“' + cname + '”') : null
        ])
      ]));
    });
    return el('div', {}, [
      el('p', { className: 'guidance', text: '各列（单位可增加多行，每行填写这些列）：' }), list,
      button(id + '-add-column', '增加一列', function () {
        var key = freshKey('c', field.columns.map(function (c) { return c.key; }));
        change(function () { field.columns.push({ key: key, type: 'text', label: '', required: true }); }, id + '-' + key + '-label');
      }),
      el('div', { className: 'row' }, [
        textInput(id + '-min', '最少行数', field.min_rows || '', function (v) { field.min_rows = number(v) || 0; }, { number: true, min: '0' }),
        textInput(id + '-maxrows', '最多行数（不限可不填）', field.max_rows || '', function (v) { field.max_rows = number(v); }, { number: true }),
        textInput(id + '-none', '“没有”选项（如“暂未出台…文件”，可不填）', field.none_label, function (v) { field.none_label = v; })
      ])
    ]);
  }

  function setType(field, type) {
    field.type = type;
    if (type === 'rows' && !(field.columns && field.columns.length)) {
      field.columns = [{ key: 'c1', type: 'text', label: '名称', required: true }];
      field.add_label = field.add_label || '增加一行';
    }
    if (type === 'photos') { field.max_photos = field.max_photos || 20; }
    if (!COUNTED[type]) {
      state.limits.forEach(function (limit) { limit.fields = limit.fields.filter(function (k) { return k !== field.key; }); });
      state.limits = state.limits.filter(function (limit) { return limit.fields.length; });
    }
  }

  function move(list, index, step, focus) {
    var to = index + step;
    if (to < 0 || to >= list.length) { say(step < 0 ? '已在最前。' : '已在最后。'); return; }
    change(function () { var item = list.splice(index, 1)[0]; list.splice(to, 0, item); }, focus);
  }

  function limitsEditor() {
    var parts = [el('h3', { text: '合计字数限制' }),
      el('p', { className: 'guidance', text: '几个栏目合计的字数上限（如“工作总结字数控制在3000字以内”）。' })];
    state.limits.forEach(function (limit, index) {
      var id = 'dz-limit-' + index;
      var boxes = state.fields.filter(function (f) { return COUNTED[f.type]; }).map(function (f) {
        return check(id + '-' + f.key, f.label || f.key, limit.fields.indexOf(f.key) >= 0, function (on) {
          limit.fields = state.fields.map(function (g) { return g.key; }).filter(function (k) {
            return k === f.key ? on : limit.fields.indexOf(k) >= 0;
          });
        });
      });
      parts.push(el('fieldset', { className: 'design-field' }, [
        el('legend', { text: '字数限制 ' + (index + 1) }),
        el('div', { className: 'row' }, [
          textInput(id + '-label', '名称（如“工作总结”）', limit.label, function (v) { limit.label = v; }),
          textInput(id + '-max', '字数上限', limit.max_words, function (v) { limit.max_words = number(v); }, { number: true })
        ]),
        textInput(id + '-note', '说明（显示在表格下方，可不填）', limit.note, function (v) { limit.note = v; }, { multiline: true }),
        el('div', { className: 'row', role: 'group', 'aria-label': '计入的栏目' }, boxes),
        button(id + '-remove', '删除此字数限制', function () { change(function () { state.limits.splice(index, 1); }, 'dz-add-limit'); })
      ]));
    });
    parts.push(button('dz-add-limit', '增加合计字数限制', function () {
      var counted = state.fields.filter(function (f) { return COUNTED[f.type]; }).map(function (f) { return f.key; });
      if (!counted.length) { say('先添加文字栏目，才能设字数限制。'); return; }
      change(function () { state.limits.push({ fields: counted, max_words: 3000, label: '全文', note: '' }); },
        'dz-limit-' + state.limits.length + '-label');
    }));
    return el('section', { 'aria-label': '合计字数限制' }, parts);
  }

  function render(focus) {
    var active = focus || (document.activeElement && document.activeElement.id);
    root.textContent = '';
    root.appendChild(textInput('dz-title', '表格标题（与通知附件标题一致）', state.title, function (v) { state.title = v; }));
    state.fields.forEach(function (field, index) { root.appendChild(fieldEditor(field, index)); });
    var addType = el('select', { id: 'dz-add-type' });
    TYPES.forEach(function (t) { addType.appendChild(el('option', { value: t[0], text: t[1] })); });
    root.appendChild(el('div', { className: 'design-add' }, [
      el('div', {}, [el('label', { htmlFor: 'dz-add-type', text: '新栏目的类型' }), addType]),
      button('dz-add', '添加栏目', function () {
        var key = freshKey('f', fieldKeys());
        change(function () {
          var field = { key: key, type: 'textarea', label: '', required: !published, guidance: '' };
          setType(field, addType.value);
          state.fields.push(field);
        }, 'dz-' + key + '-label');
      }),
      button('dz-undo', '撤销', undo, '撤销上一步修改（Ctrl+Z）')
    ]));
    root.appendChild(limitsEditor());
    var target = active && document.getElementById(active);
    if (target) { target.focus(); }
  }

  // --- preview and save ------------------------------------------------------------------------
  var previewTimer = null;
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(function () {
      fetch(form.getAttribute('data-preview-url'), {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
        body: JSON.stringify(state)
      }).then(function (r) { return r.text(); }).then(function (html) {
        if (preview) { preview.innerHTML = html; }
      }).catch(function () { say('预览暂时无法更新，保存不受影响。'); });
    }, 350);
  }

  form.addEventListener('submit', function () {
    document.getElementById('definition_json').value = JSON.stringify(state);
  });
  document.addEventListener('keydown', function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && (event.key === 'z' || event.key === 'Z')) {
      var tag = event.target && event.target.tagName;
      // In a text box the browser undoes the typing itself; elsewhere 撤销 undoes the last change.
      if (tag !== 'INPUT' && tag !== 'TEXTAREA') { event.preventDefault(); undo(); }
    }
  });
  state.limits = state.limits || [];
  render();
}());
