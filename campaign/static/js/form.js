/* The filing form: add/remove rows, autosave to the server, keep a copy in this browser. */
(function () {
  'use strict';
  var form = document.getElementById('submission-form');
  if (!form) { return; }
  var status = form.querySelector('[data-autosave-status]');
  var url = form.getAttribute('data-autosave-url');
  var storageKey = form.getAttribute('data-storage-key');
  var versionInput = form.querySelector('input[name="version"]');
  var timer = null;
  var paused = false;

  function say(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = 'autosave-status' + (kind ? ' ' + kind : '');
  }

  function refreshCounters() {
    form.querySelectorAll('textarea, input[type="text"]').forEach(function (el) {
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }

  // Rows: renumber names and ids so the server reads key-0-col, key-1-col, ...
  function renumber(group) {
    var key = group.getAttribute('data-rows');
    var rows = group.querySelectorAll('[data-rows-body] > [data-row]');
    rows.forEach(function (row, i) {
      var no = row.querySelector('[data-row-no]');
      if (no) { no.textContent = String(i + 1); }
      row.querySelectorAll('[name]').forEach(function (el) {
        var re = new RegExp('^' + key + '-(\\d+|__index__)-');
        var name = el.getAttribute('name').replace(re, key + '-' + i + '-');
        el.setAttribute('name', name);
        el.id = name;
      });
      row.querySelectorAll('label[for]').forEach(function (label) {
        var re = new RegExp('^' + key + '-(\\d+|__index__)-');
        label.setAttribute('for', label.getAttribute('for').replace(re, key + '-' + i + '-'));
      });
      row.querySelectorAll('[data-wordcount-fields]').forEach(function (el) {
        var re = new RegExp('^' + key + '-(\\d+|__index__)-');
        el.setAttribute('data-wordcount-fields', el.getAttribute('data-wordcount-fields').replace(re, key + '-' + i + '-'));
      });
    });
    var max = parseInt(group.getAttribute('data-max-rows') || '0', 10);
    var add = group.querySelector('[data-add-row]');
    if (add) { add.disabled = max > 0 && rows.length >= max; }
  }

  function addRow(group) {
    var tpl = group.querySelector('template[data-row-template]');
    var body = group.querySelector('[data-rows-body]');
    var row = tpl.content.firstElementChild.cloneNode(true);
    body.appendChild(row);
    renumber(group);
    if (window.Wordcount && window.Wordcount.attach) { window.Wordcount.attach(row); }
    var first = row.querySelector('input, textarea');
    if (first) { first.focus(); }
    return row;
  }

  form.addEventListener('click', function (event) {
    var target = event.target;
    var group = target.closest('[data-rows]');
    if (!group) { return; }
    if (target.hasAttribute('data-add-row')) {
      event.preventDefault();
      addRow(group);
      changed();
    } else if (target.hasAttribute('data-remove-row')) {
      event.preventDefault();
      target.closest('[data-row]').remove();
      renumber(group);
      var add = group.querySelector('[data-add-row]');
      if (add) { add.focus(); }
      changed();
    }
  });

  function fields() {
    var data = new FormData(form);
    var pairs = [];
    data.forEach(function (value, name) {
      // Chosen photo files are not text the user typed: they are uploaded, never kept here.
      if (typeof value !== 'string') { return; }
      if (name !== 'csrf_token' && name !== 'version' && name !== 'action') { pairs.push([name, value]); }
    });
    return pairs;
  }

  function backup() {
    if (!storageKey) { return; }
    try {
      localStorage.setItem(storageKey, JSON.stringify({ version: versionInput.value, fields: fields(), at: Date.now() }));
    } catch (e) { /* storage full or disabled: the server copy still exists */ }
  }

  function clearBackup() {
    if (storageKey) { try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ } }
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  // Put back what this browser kept but the server never received (e.g. the session expired).
  function restore() {
    if (!storageKey || !url) { return; }
    var saved;
    try { saved = JSON.parse(localStorage.getItem(storageKey) || 'null'); } catch (e) { saved = null; }
    if (!saved || !saved.fields) { return; }
    if (same(saved.fields, fields())) { clearBackup(); return; }
    var counts = {};
    saved.fields.forEach(function (pair) {
      var m = /^([a-z][a-z0-9_]*)-(\d+)-/.exec(pair[0]);
      if (m) { counts[m[1]] = Math.max(counts[m[1]] || 0, parseInt(m[2], 10) + 1); }
    });
    Object.keys(counts).forEach(function (key) {
      var group = form.querySelector('[data-rows="' + key + '"]');
      if (!group || !group.querySelector('template[data-row-template]')) { return; }
      while (group.querySelectorAll('[data-rows-body] > [data-row]').length < counts[key]) { addRow(group); }
    });
    form.querySelectorAll('input[type="checkbox"]').forEach(function (box) { box.checked = false; });
    saved.fields.forEach(function (pair) {
      var el = form.elements.namedItem(pair[0]);
      if (!el || el.type === 'file') { return; }
      if (el.type === 'checkbox') { el.checked = true; } else { el.value = pair[1]; }
    });
    // Keep the version the text was based on, so a colleague's newer save is detected, not overwritten.
    if (saved.version) { versionInput.value = saved.version; }
    say('已恢复本机浏览器中保存的未提交内容，请检查后保存。', 'warn');
    refreshCounters();
    offerDiscard(saved.at);
  }

  // Say plainly where the text came from, and let the clerk go back to what the system holds.
  function offerDiscard(at) {
    var note = document.createElement('div');
    note.className = 'flash flash-warn restored';
    note.setAttribute('role', 'alert');
    var when = at ? new Date(at) : null;
    var stamp = when ? (when.getMonth() + 1) + '月' + when.getDate() + '日 ' +
      ('0' + when.getHours()).slice(-2) + ':' + ('0' + when.getMinutes()).slice(-2) : '';
    note.appendChild(document.createTextNode('下面的内容来自本机浏览器' + (stamp ? '于 ' + stamp + ' ' : '') +
      '保存的副本，尚未保存到系统（可能是另一个窗口或上次未保存的内容）。请检查后点击“保存草稿”；如果这是旧内容，'));
    var discard = document.createElement('button');
    discard.type = 'button';
    discard.className = 'link';
    discard.textContent = '丢弃本机副本，显示系统中保存的版本';
    discard.addEventListener('click', function () { clearBackup(); window.location.reload(); });
    note.appendChild(discard);
    note.appendChild(document.createTextNode('。'));
    form.parentNode.insertBefore(note, form);
  }

  function csrf() {
    var el = form.querySelector('input[name="csrf_token"]');
    return el ? el.value : '';
  }

  function autosave() {
    if (!url || paused) { return; }
    var body = new FormData(form);
    body.delete('action');
    form.querySelectorAll('input[type="file"]').forEach(function (el) { body.delete(el.name); });
    say('正在自动保存…');
    fetch(url, { method: 'POST', body: body, credentials: 'same-origin', headers: { 'X-CSRFToken': csrf(), 'Accept': 'application/json' } })
      .then(function (response) {
        if (response.status === 401 || response.redirected) {
          say('登录已过期，内容已保存在本机浏览器。请重新登录后打开本页，内容会自动恢复。', 'error');
          return null;
        }
        return response.json().then(function (json) { return { status: response.status, json: json }; });
      })
      .then(function (result) {
        if (!result) { return; }
        if (result.json.ok) {
          versionInput.value = String(result.json.version);
          clearBackup();
          say('已自动保存 ' + result.json.saved_at, 'ok');
        } else if (result.json.conflict) {
          paused = true;
          say(result.json.message + ' 自动保存已暂停，请点击“保存草稿”查看两个版本。', 'error');
        } else {
          say(result.json.message || '自动保存未成功，内容已保存在本机浏览器。', 'error');
        }
      })
      .catch(function () { say('网络中断，自动保存未成功；内容已保存在本机浏览器，恢复网络后会再次保存。', 'error'); });
  }

  function changed() {
    backup();
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(autosave, 2000);
  }

  form.addEventListener('input', function (event) { if (event.isTrusted) { changed(); } });
  form.addEventListener('change', function (event) {
    // Choosing photo files starts an upload (photos.js), which saves the draft itself.
    if (event.isTrusted && event.target.type !== 'file') { changed(); }
  });
  form.addEventListener('submit', function (event) {
    if (timer) { clearTimeout(timer); }
    // Uploading or deleting a photo saves the draft and reloads the page with the new photo list
    // and version; a copy kept here would be restored over it as if it were unsaved work.
    var action = event.submitter ? event.submitter.value || '' : '';
    if (/^(upload|delete_photo):/.test(action)) { clearBackup(); } else { backup(); }
  });
  document.querySelectorAll('[data-rows]').forEach(renumber);
  restore();

  // A refused post: focus the list of problems; each link puts the cursor in its field.
  var summary = document.getElementById('error-summary');
  if (summary) {
    summary.focus();
    summary.addEventListener('click', function (event) {
      var link = event.target.closest('a[data-focus]');
      if (!link) { return; }
      var target = document.getElementById(link.getAttribute('data-focus'));
      if (!target) { return; }
      event.preventDefault();
      var control = target.matches('input, textarea, select') ? target : target.querySelector('input:not([type=hidden]), textarea, select, button');
      target.scrollIntoView({ block: 'center' });
      (control || target).focus({ preventScroll: true });
    });
  }
}());
