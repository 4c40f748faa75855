/* A second look before an irreversible step: a button with data-confirm opens a dialog in the
   page that says what happens next; only its confirm button carries the submission on. */
(function () {
  'use strict';
  var buttons = document.querySelectorAll('button[data-confirm]');
  if (!buttons.length) { return; }

  var dialog = document.createElement('dialog');
  dialog.className = 'confirm';
  dialog.setAttribute('aria-labelledby', 'confirm-title');
  dialog.setAttribute('aria-describedby', 'confirm-text');
  dialog.innerHTML = '<h2 id="confirm-title"></h2><p id="confirm-text"></p>' +
    '<div class="confirm-actions"><button type="button" class="primary" data-confirm-yes></button>' +
    '<button type="button" data-confirm-no>取消</button></div>';
  document.body.appendChild(dialog);
  var yes = dialog.querySelector('[data-confirm-yes]');
  var no = dialog.querySelector('[data-confirm-no]');
  var pending = null;

  buttons.forEach(function (button) {
    button.addEventListener('click', function (event) {
      if (button.hasAttribute('data-confirmed')) { button.removeAttribute('data-confirmed'); return; }
      event.preventDefault();
      pending = button;
      dialog.querySelector('#confirm-title').textContent = button.getAttribute('data-confirm-title') || button.textContent.trim();
      dialog.querySelector('#confirm-text').textContent = button.getAttribute('data-confirm');
      yes.textContent = button.getAttribute('data-confirm-yes') || ('确认' + button.textContent.trim());
      dialog.showModal();
      yes.focus();
    });
  });

  yes.addEventListener('click', function () {
    var button = pending;
    dialog.close();
    if (!button) { return; }
    if (button.form && button.form.requestSubmit) {
      button.form.requestSubmit(button);
    } else {
      button.setAttribute('data-confirmed', '');
      button.click();
    }
  });
  no.addEventListener('click', function () { dialog.close(); });
  dialog.addEventListener('close', function () { if (pending) { pending.focus(); } pending = null; });
}());
