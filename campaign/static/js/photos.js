/* Photos: upload as soon as files are chosen, after checking size and count in the browser.
   Without this script the 上传照片 button does the same; the server checks everything again. */
(function () {
  'use strict';
  document.querySelectorAll('[data-photos]').forEach(function (group) {
    var input = group.querySelector('[data-photo-input]');
    var button = group.querySelector('[data-photo-upload]');
    if (!input || !button) { return; }
    var maxBytes = parseInt(group.getAttribute('data-max-bytes') || '0', 10);
    var maxPhotos = parseInt(group.getAttribute('data-max-photos') || '0', 10);
    // One post carries the files and the form; leave room for the text.
    var maxTotal = parseInt(group.getAttribute('data-max-total') || '0', 10) - 2 * 1048576;
    var have = group.querySelectorAll('.photo').length;
    var status = document.createElement('p');
    status.className = 'errors';
    status.setAttribute('role', 'alert');
    input.insertAdjacentElement('afterend', status);

    input.addEventListener('change', function () {
      var problems = [];
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) { return; }
      files.forEach(function (file) {
        if (maxBytes && file.size > maxBytes) {
          problems.push('“' + file.name + '”超过 ' + Math.floor(maxBytes / 1048576) + ' MB，请压缩或缩小后重新选择。');
        }
      });
      var total = files.reduce(function (sum, file) { return sum + file.size; }, 0);
      if (maxTotal > 0 && total > maxTotal && !problems.length) {
        problems.push('一次选择的照片合计超过 ' + Math.floor(maxTotal / 1048576) + ' MB，请分几次上传。');
      }
      if (maxPhotos && have + files.length > maxPhotos) {
        problems.push('最多可上传 ' + maxPhotos + ' 张照片，已上传 ' + have + ' 张，本次最多再选 ' + Math.max(0, maxPhotos - have) + ' 张。');
      }
      if (problems.length) {
        status.textContent = problems.join(' ');
        input.value = '';
        return;
      }
      status.textContent = '正在上传并保存草稿…';
      button.disabled = false;
      if (button.form.requestSubmit) { button.form.requestSubmit(button); } else { button.click(); }
    });
  });

  // Photos a worker is decoding: show each one's thumbnail (or why it failed) when its job says so.
  document.addEventListener('job-update', function (event) {
    (event.detail.photos || []).forEach(function (photo) {
      var item = document.querySelector('[data-photo="' + photo.id + '"]');
      var wait = item && item.querySelector('[data-photo-wait]');
      if (!wait || photo.state === 'pending') { return; }
      item.setAttribute('data-photo-state', photo.state);
      if (photo.state === 'ready') {
        var link = document.createElement('a');
        link.href = wait.getAttribute('data-show');
        link.target = '_blank';
        link.rel = 'noopener';
        var img = document.createElement('img');
        img.src = wait.getAttribute('data-thumbnail');
        img.alt = wait.getAttribute('data-alt');
        img.width = 160;
        link.appendChild(img);
        wait.replaceWith(link);
        var size = item.querySelector('[data-photo-size]');
        if (size) { size.textContent = ' · ' + photo.width + '×' + photo.height; }
      } else {
        var error = document.createElement('p');
        error.className = 'errors photo-failed';
        error.setAttribute('role', 'alert');
        error.textContent = photo.error;
        wait.replaceWith(error);
      }
    });
  });
}());
