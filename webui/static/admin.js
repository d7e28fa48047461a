/* Kho tin admin: live job progress by polling the admin API with the session cookie.
 * Only GET requests (no CSRF token needed); text is set with textContent, never HTML.
 * The pages work without this file: they show the state at load time. */
(function () {
  "use strict";
  var FAST = 1500, SLOW = 5000;
  var LABELS = { queued: "đang chờ", running: "đang chạy", done: "xong", failed: "thất bại", cancelled: "đã huỷ" };
  var ACTIVE = { queued: true, running: true };

  function when(iso, seconds) {
    if (!iso) { return ""; }
    return iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4) + " " + iso.slice(11, seconds ? 19 : 16);
  }

  function getJSON(url, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      if (xhr.status !== 200) { done(null); return; }
      try { done(JSON.parse(xhr.responseText)); } catch (e) { done(null); }
    };
    xhr.onerror = function () { done(null); };
    xhr.send();
  }

  function setText(root, selector, text) {
    var el = root.querySelector(selector);
    if (el && el.textContent !== String(text)) { el.textContent = text; }
  }

  function updateJob(root, job) {
    ["fetched", "new", "changed", "errors"].forEach(function (name) {
      setText(root, '[data-counter="' + name + '"]', job.counters[name]);
    });
    var badge = root.querySelector('[data-field="state"]');
    if (badge && badge.getAttribute("data-state") !== job.state) {
      badge.setAttribute("data-state", job.state);
      badge.className = "badge state-" + job.state;
      badge.textContent = LABELS[job.state] || job.state;
    }
    setText(root, '[data-field="started"]', when(job.started));
    setText(root, '[data-field="finished"]', when(job.finished));
    if (job.error !== undefined) { setText(root, '[data-field="error"]', job.error || ""); }
    var bar = root.querySelector('progress[data-field="progress"]');
    if (bar && job.progress) {
      bar.max = job.progress.total || 1;
      bar.value = job.progress.done;
    }
  }

  function pollJob(section) {
    var url = section.getAttribute("data-poll-job");
    getJSON(url, function (job) {
      if (!job) { window.setTimeout(function () { pollJob(section); }, SLOW); return; }
      updateJob(section, job);
      var log = section.querySelector('[data-field="log"]');
      if (log && job.log) {
        var text = job.log.map(function (e) { return when(e.at, true) + "  " + e.line + "\n"; }).join("");
        if (log.textContent !== text) { log.textContent = text; }
      }
      Array.prototype.forEach.call(section.querySelectorAll("[data-show-when]"), function (form) {
        form.hidden = form.getAttribute("data-show-when").split(" ").indexOf(job.state) < 0;
      });
      if (ACTIVE[job.state]) { window.setTimeout(function () { pollJob(section); }, FAST); }
    });
  }

  function pollJobs(table) {
    var url = table.getAttribute("data-poll-jobs");
    getJSON(url, function (data) {
      if (!data) { window.setTimeout(function () { pollJobs(table); }, SLOW); return; }
      var shown = 0, anyActive = false, reload = false;
      Array.prototype.forEach.call(table.querySelectorAll("tr[data-job-id]"), function (row) {
        shown = Math.max(shown, parseInt(row.getAttribute("data-job-id"), 10));
      });
      data.jobs.forEach(function (job) {
        if (ACTIVE[job.state]) { anyActive = true; }
        var row = table.querySelector('tr[data-job-id="' + job.id + '"]');
        if (row) { updateJob(row, job); } else if (job.id > shown) { reload = true; }
      });
      var activity = document.querySelector("[data-worker-activity]");
      if (activity && data.worker) { activity.textContent = data.worker.activity; }
      if (reload && !document.querySelector("input:focus, textarea:focus")) { window.location.reload(); return; }
      window.setTimeout(function () { pollJobs(table); }, anyActive ? FAST : SLOW);
    });
  }

  var job = document.querySelector("[data-poll-job]");
  if (job) { window.setTimeout(function () { pollJob(job); }, 300); }
  var jobs = document.querySelector("[data-poll-jobs]");
  if (jobs) { window.setTimeout(function () { pollJobs(jobs); }, FAST); }
})();
