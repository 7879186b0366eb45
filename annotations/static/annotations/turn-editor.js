/* Fixing turns where they are read (editors): split at the caret, merge into the previous turn,
 * change the speaker and kind, mark as page noise or restore, and undo the last of these.
 *
 * Each action is one call to the turn API (/api/turns/…, see the README); the page is then
 * reloaded at the turn, since positions, speakers and highlights all follow from the edit. The
 * API answers how to take the change back (`undo`: method, url, body); that request is kept in
 * sessionStorage across the reload and offered as "Undo" (button, or the u key), with the version
 * of the turn read from the reloaded page.
 *
 * Offsets: the caret is measured in UTF-16 code units (the DOM's) and sent with
 * offset_unit "utf-16"; the DOM text of .turn-text equals Turn.text.
 */
(function () {
  "use strict";

  var reader = document.querySelector(".reader");
  var configElement = document.getElementById("turn-editor-config");
  if (!reader || !configElement) return;
  var config = JSON.parse(configElement.textContent);
  var API = config.api; // "/api/turns/"
  var STORE_KEY = "desk-turn-edit:" + location.pathname;

  var $ = function (id) { return document.getElementById(id); };
  var bar = $("turn-editor-bar");
  var statusEl = $("turn-editor-status");
  var undoButton = $("turn-undo");
  var reloadButton = $("turn-reload");
  var dismissButton = $("turn-editor-dismiss");
  var dialog = $("turn-edit-dialog");
  var form = dialog ? dialog.querySelector("form") : null;
  var busy = false;
  var pending = null; // what the last change left: {message, undo?, position?}

  // --- the status bar -----------------------------------------------------------------------

  function show(message, options) {
    options = options || {};
    statusEl.textContent = message || "";
    bar.classList.toggle("has-message", Boolean(message));
    bar.classList.toggle("is-error", Boolean(options.error));
    undoButton.hidden = !options.undo;
    reloadButton.hidden = !options.reload;
    dismissButton.hidden = !message;
  }

  function clear() {
    show("");
  }

  // --- talking to the API -------------------------------------------------------------------

  function call(method, url, body) {
    return window.deskApi.request(method, url, body, "The server could not be reached; nothing was changed.");
  }

  function failed(result) {
    busy = false;
    var data = result.data || {};
    if (result.status === 409) {
      show((data.error || "This turn was changed by someone else.") + " Reload the page to see it as it is now.",
        { error: true, reload: true });
      return;
    }
    var message = data.error || "The server answered " + result.status + "; nothing was changed.";
    show(message, { error: true, undo: Boolean(pending && pending.undo) });
    if (data.annotation) flashAnnotation(data.annotation);
  }

  // The passage that refused a split, shown where it is.
  function flashAnnotation(id) {
    var marks = reader.querySelectorAll("mark[data-annotations]");
    Array.prototype.forEach.call(marks, function (mark) {
      if (mark.getAttribute("data-annotations").split(" ").indexOf(String(id)) < 0) return;
      mark.classList.add("hl-flash");
      setTimeout(function () { mark.classList.remove("hl-flash"); }, 2400);
    });
  }

  // --- which turn, and where in it ------------------------------------------------------------

  function turnOf(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    var section = element ? element.closest("[data-turn]") : null;
    return section && reader.contains(section) ? section : null;
  }

  function turnInfo(section) {
    return {
      id: Number(section.getAttribute("data-turn")),
      version: Number(section.getAttribute("data-version")),
      position: Number(section.getAttribute("data-position")),
      section: section,
      text: section.querySelector(".turn-text"),
    };
  }

  // The turn the keyboard acts on: the one holding the caret, else the one holding the focus.
  function currentTurn() {
    var selection = window.getSelection();
    var section = selection && selection.rangeCount ? turnOf(selection.anchorNode) : null;
    section = section || turnOf(document.activeElement);
    return section ? turnInfo(section) : null;
  }

  // Where the caret (or the start of a selection) is in the turn's text, in UTF-16 code units;
  // null when it is not in this turn's text.
  function caretOffset(turn) {
    var selection = window.getSelection();
    if (!selection || !selection.rangeCount || !turn.text) return null;
    var range = selection.getRangeAt(0);
    if (!turn.text.contains(range.startContainer)) return null;
    var before = document.createRange();
    before.selectNodeContents(turn.text);
    before.setEnd(range.startContainer, range.startOffset);
    return before.toString().length;
  }

  // --- after a change: keep the way back, reload at the turn --------------------------------------

  function remember(record) {
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify(record)); } catch (error) { /* private mode: no undo */ }
  }

  function recalled() {
    try { return JSON.parse(sessionStorage.getItem(STORE_KEY) || "null"); } catch (error) { return null; }
  }

  function reloadAt(turn) {
    var target = new URL(turn ? turn.url : location.href, location.href);
    if (new URLSearchParams(location.search).get("noise") === "1") target.searchParams.set("noise", "1");
    if ("scrollRestoration" in history) history.scrollRestoration = "manual";
    if (target.pathname + target.search === location.pathname + location.search) {
      history.replaceState(null, "", target.href);
      location.reload();
    } else {
      location.assign(target.href);
    }
  }

  function done(result, message) {
    var turn = (result.data.turns || [])[0];
    remember({ message: message, undo: result.data.undo || null, position: turn ? turn.position : null });
    reloadAt(turn);
  }

  // --- the actions ---------------------------------------------------------------------------

  function split(turn) {
    var offset = caretOffset(turn);
    if (offset === null) {
      show("Click in the turn's text where it should be split, then press s (or “Split at caret”).", { error: true });
      return;
    }
    busy = true;
    call("POST", API + turn.id + "/split/", { offset: offset, offset_unit: "utf-16", version: turn.version })
      .then(function (result) {
        if (!result.ok) return failed(result);
        done(result, "Turn split in two.");
      });
  }

  function merge(turn) {
    busy = true;
    call("POST", API + turn.id + "/merge/", { version: turn.version }).then(function (result) {
      if (!result.ok) return failed(result);
      done(result, "Turn merged into the previous one.");
    });
  }

  function setNoise(turn, noise) {
    busy = true;
    call("POST", API + turn.id + "/noise/", { noise: noise, version: turn.version }).then(function (result) {
      if (!result.ok) return failed(result);
      done(result, noise ? "Turn marked as page noise: readers no longer see it." : "Turn restored.");
    });
  }

  // --- speaker and kind ---------------------------------------------------------------------------

  var editing = null;

  function speakerName(section) {
    var link = section.querySelector(".turn-head a.speaker");
    return link ? link.textContent : "";
  }

  function dialogError(message) {
    var error = form.querySelector("[data-error]");
    error.textContent = message || "";
    error.hidden = !message;
  }

  function openEdit(turn) {
    if (!dialog || !form) return;
    editing = turn;
    var label = turn.section.getAttribute("data-label") || "";
    form.elements.speaker.value = speakerName(turn.section);
    form.elements.kind.value = turn.section.getAttribute("data-kind") || "";
    form.elements.always.checked = false;
    form.elements.always.disabled = !label.trim();
    form.querySelector("[data-always-help]").textContent = label.trim()
      ? "“" + label + "” becomes an alias of the speaker: the next import reads it so."
      : "This turn has no label as written to remember.";
    var excerpt = turn.text ? turn.text.textContent.replace(/\s+/g, " ").trim() : "";
    form.querySelector("[data-turn-summary]").textContent =
      "Turn " + turn.position + ": " + (excerpt.length > 80 ? excerpt.slice(0, 79) + "…" : excerpt);
    dialogError("");
    dialog.showModal();
    form.elements.speaker.focus();
    form.elements.speaker.select();
  }

  function speakerChoice(name) {
    if (!name) return null;
    var folded = name.toLocaleLowerCase();
    var match = config.speakers.find(function (speaker) { return speaker.name.toLocaleLowerCase() === folded; });
    return match ? match.id : { name: name };
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!editing || busy) return;
      var turn = editing;
      var name = form.elements.speaker.value.replace(/\s+/g, " ").trim();
      var always = form.elements.always.checked && !form.elements.always.disabled;
      if (always && !name) { dialogError("Choose a speaker for the label to mean."); return; }
      var body = { speaker: speakerChoice(name), kind: form.elements.kind.value, always: always, version: turn.version };
      busy = true;
      call("PATCH", API + turn.id + "/", body).then(function (result) {
        busy = false;
        if (result.status === 409) { dialog.close(); failed(result); return; }
        if (!result.ok) { dialogError((result.data && result.data.error) || "Nothing was changed."); return; }
        if (!result.data.undo) { dialog.close(); show("Nothing to change: the turn already reads so."); return; }
        dialog.close();
        var label = turn.section.getAttribute("data-label");
        done(result, always ? "Speaker and kind saved; “" + label + "” now always means " + name + "." : "Speaker and kind saved.");
      });
    });
    form.querySelector("[data-action=cancel]").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      if (editing && editing.section.isConnected) {
        var button = editing.section.querySelector("[data-turn-action=edit]");
        if (button && document.activeElement === document.body) button.focus();
      }
      editing = null;
    });
  }

  function act(action, turn) {
    if (busy) return;
    if (!turn) { show("Click in a turn's text first: the caret tells which turn.", { error: true }); return; }
    if (turn.section.getAttribute("data-noise") === "true" && action !== "restore") {
      show("This turn is page noise: restore it first.", { error: true });
      return;
    }
    if (action === "split") split(turn);
    else if (action === "merge") merge(turn);
    else if (action === "noise") setNoise(turn, true);
    else if (action === "restore") setNoise(turn, false);
    else if (action === "edit") openEdit(turn);
  }

  reader.addEventListener("click", function (event) {
    var button = event.target.closest("[data-turn-action]");
    if (!button) return;
    var section = turnOf(button);
    if (section) act(button.getAttribute("data-turn-action"), turnInfo(section));
  });
  // Split acts at the caret, which pressing a tool must not move; and a tool pressed while text is
  // selected is not a selection to annotate (reader.js acts on a mouseup in the text).
  reader.addEventListener("mousedown", function (event) {
    if (event.target.closest("[data-turn-action]")) event.preventDefault();
  });
  reader.querySelectorAll(".turn-tools").forEach(function (tools) {
    tools.addEventListener("mouseup", function (event) { event.stopPropagation(); });
  });

  // --- undo ----------------------------------------------------------------------------------

  function undo() {
    if (busy || !pending || !pending.undo) return;
    var request = pending.undo;
    var body = Object.assign({}, request.body);
    // The version the page shows (the API's answer, if the turn is not on the page: hidden as noise).
    var match = /\/turns\/(\d+)\//.exec(request.url);
    var section = match ? reader.querySelector('[data-turn="' + match[1] + '"]') : null;
    if (section) body.version = Number(section.getAttribute("data-version"));
    busy = true;
    call(request.method, request.url, body).then(function (result) {
      if (!result.ok) return failed(result);
      var turn = (result.data.turns || [])[0];
      remember({ message: "Undone: " + pending.message, undo: null, position: turn ? turn.position : null });
      reloadAt(turn);
    });
  }

  undoButton.addEventListener("click", undo);
  reloadButton.addEventListener("click", function () { location.reload(); });
  dismissButton.addEventListener("click", function () {
    try { sessionStorage.removeItem(STORE_KEY); } catch (error) { /* nothing kept */ }
    pending = null;
    clear();
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return; // a dialog handles its own keys
    var target = event.target;
    if (target.isContentEditable || (target.closest && target.closest("input, textarea, select"))) return;
    var action = { s: "split", m: "merge", e: "edit", n: "noise" }[event.key];
    if (action) {
      event.preventDefault();
      var turn = currentTurn();
      act(turn && action === "noise" && turn.section.getAttribute("data-noise") === "true" ? "restore" : action, turn);
    } else if (event.key === "u" && pending && pending.undo) {
      event.preventDefault();
      undo();
    }
  });

  // --- the page as the last change left it -----------------------------------------------------

  pending = recalled();
  if (pending) {
    show(pending.message, { undo: Boolean(pending.undo) });
    if (!pending.undo) {
      try { sessionStorage.removeItem(STORE_KEY); } catch (error) { /* nothing kept */ }
    }
    var landed = pending.position === null ? null : $("turn-" + pending.position);
    if (landed) landed.scrollIntoView({ block: "center" });
  }
  reader.querySelectorAll(".turn-tools").forEach(function (tools) { tools.hidden = false; });
  reader.classList.add("turn-editor-ready");
})();
