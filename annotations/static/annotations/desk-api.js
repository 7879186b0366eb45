/* Calling the JSON API from the reading view's scripts (reader.js, turn-editor.js): the CSRF token
 * sent with every request, and the answer as {ok, status, data} whatever happens. An answer that
 * is not JSON is a failure with empty data; a server out of reach, status 0 with data.error set to
 * the caller's `unreachable` message.
 */
window.deskApi = (function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function request(method, url, body, unreachable) {
    var options = { method: method, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 204) return { ok: true, status: 204, data: null };
      return response.json().then(
        function (data) { return { ok: response.ok, status: response.status, data: data }; },
        function () { return { ok: false, status: response.status, data: {} }; }
      );
    }, function () {
      return { ok: false, status: 0, data: { error: unreachable } };
    });
  }

  return { request: request };
})();
