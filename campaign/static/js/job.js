/* Follow a job's progress without reloading the page (the job page reloads itself when scripts are
   off). Every element with data-job is followed; each answer is also sent to the page as a
   "job-update" event on that element, for pages that show more than the bar. */
(function () {
  'use strict';
  var meta = document.querySelector('meta[http-equiv="refresh"]');
  document.querySelectorAll('[data-job]').forEach(function (box) {
    if (meta) { meta.remove(); meta = null; }
    var bar = box.querySelector('progress');
    function show(job) {
      bar.max = job.total || 1;
      bar.value = job.done + job.failed;
      bar.textContent = job.percent + '%';
      box.querySelector('[data-job-state]').textContent = job.label;
      box.querySelector('[data-job-done]').textContent = job.done;
      var failed = box.querySelector('[data-job-failed]');
      if (failed) {
        failed.textContent = job.failed;
        failed.hidden = !job.failed;
      }
      var message = box.querySelector('[data-job-message]');
      if (job.message && message) { message.textContent = job.message; }
      if (job.finished && message) {
        message.className = job.is_failed ? 'flash flash-error' : 'flash flash-success';
      }
      box.dispatchEvent(new CustomEvent('job-update', { detail: job, bubbles: true }));
    }
    function poll() {
      fetch(box.getAttribute('data-job'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          show(job);
          if (job.finished) {
            // A built file: reload once so its download link shows.
            if (box.hasAttribute('data-job-file') && !box.querySelector('[data-job-download]')) { window.location.reload(); }
          } else {
            setTimeout(poll, 1500);
          }
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    poll();
  });
}());
