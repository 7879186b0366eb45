// The import batch page: follows a background import by polling its progress (JSON), and shows
// the outcome of every file once it is done. Without JavaScript the page refreshes itself instead.
(function () {
  "use strict";
  var section = document.getElementById("import-progress");
  if (!section || section.dataset.finished === "true") return;
  var bar = document.getElementById("import-progress-bar");
  var text = document.getElementById("import-progress-text");
  var status = document.getElementById("import-progress-status");
  var url = section.dataset.progressUrl;
  var delay = 1000;

  function show(progress) {
    bar.max = progress.total;
    bar.value = progress.done;
    bar.textContent = progress.percent + "%";
    text.textContent = progress.done + " of " + progress.total + " files (" + progress.percent + "%)";
    status.textContent = progress.status_display;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.finished) {
          window.location.reload(); // every file's outcome, from the server
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000); // the server is busy or away: try again, less often
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
