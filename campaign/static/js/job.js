/* Follow a job's progress without reloading the page (the page reloads itself when scripts are off). */
(function () {
  'use strict';
  var box = document.querySelector('[data-job]');
  if (!box) { return; }
  var meta = document.querySelector('meta[http-equiv="refresh"]');
  if (meta) { meta.remove(); }
  var bar = box.querySelector('progress');
  function poll() {
    fetch(box.getAttribute('data-job'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        bar.max = job.total || 1;
        bar.value = job.done + job.failed;
        bar.textContent = job.percent + '%';
        box.querySelector('[data-job-state]').textContent = job.label;
        box.querySelector('[data-job-done]').textContent = job.done;
        var failed = box.querySelector('[data-job-failed]');
        failed.textContent = job.failed;
        failed.hidden = !job.failed;
        var message = box.querySelector('[data-job-message]');
        if (job.message) { message.textContent = job.message; }
        if (job.finished) {
          message.className = job.state === 'failed' ? 'flash flash-error' : 'flash flash-success';
          // A built file: reload once so its download link shows.
          if (box.hasAttribute('data-job-file') && !box.querySelector('[data-job-download]')) { window.location.reload(); }
        } else {
          setTimeout(poll, 1500);
        }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
}());
