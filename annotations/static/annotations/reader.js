/* The annotating reading view: highlights, the tagging panel, keyboard shortcuts.
 *
 * Hand-written, no dependencies. The server renders the highlights (see
 * annotations/highlight.py); this script re-renders a turn with the same segment
 * algorithm after a change, and talks to the JSON API (/api/annotations/).
 *
 * Offsets: the API speaks code points (Python string indexes); the DOM speaks UTF-16
 * code units. Annotations are kept in code points and converted when rendering; a new
 * selection is measured in code units and converted before it is sent.
 */
(function () {
  "use strict";

  var layout = document.querySelector(".reader-layout");
  if (!layout) return;

  function readJSON(id, fallback) {
    var element = document.getElementById(id);
    if (!element) return fallback;
    try { return JSON.parse(element.textContent); } catch (error) { return fallback; }
  }

  var config = readJSON("reader-config", {});
  var canEdit = Boolean(config.canEdit);
  var topics = readJSON("reader-topics", []);
  var targets = readJSON("reader-targets", []);
  var API = layout.getAttribute("data-api") || "/api/annotations/";
  var PENDING = -1; // the id of the passage being annotated, before it is saved
  var MAX_OPTIONS = 12;

  var annotations = new Map();
  readJSON("reader-annotations", []).forEach(function (a) { annotations.set(a.id, a); });
  var topicById = new Map(topics.map(function (t) { return [t.id, t]; }));
  var targetById = new Map(targets.map(function (t) { return [t.id, t]; }));

  // Turns: id -> .turn-text element and its text (the DOM text equals Turn.text).
  var turnEls = new Map();
  var turnTexts = new Map();
  var turnOrder = [];
  document.querySelectorAll(".reader [data-turn]").forEach(function (section) {
    var id = Number(section.getAttribute("data-turn"));
    var element = section.querySelector(".turn-text");
    if (!element) return;
    turnEls.set(id, element);
    turnTexts.set(id, element.textContent);
    turnOrder.push(id);
  });

  var $ = function (id) { return document.getElementById(id); };
  var article = document.querySelector(".reader");
  var side = $("reader-side");
  var statusEl = $("reader-status");
  var intro = $("reader-intro");
  var overlap = $("overlap-chooser");
  var details = $("annotation-details");
  var helpDialog = $("shortcut-help");
  var panelEl = $("annotation-panel");
  var form = $("annotation-form");

  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });

  // --- small helpers ------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "className") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "hidden") node.hidden = Boolean(value);
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  var statusTimer = null;
  function announce(message) {
    if (!statusEl) return;
    statusEl.textContent = message;
    statusEl.classList.toggle("has-message", Boolean(message));
    clearTimeout(statusTimer);
    if (message) statusTimer = setTimeout(function () { announce(""); }, 8000);
  }

  function excerpt(text, length) {
    var flat = String(text || "").replace(/\s+/g, " ").trim();
    return flat.length > length ? flat.slice(0, length - 1).trimEnd() + "…" : flat;
  }

  // An offset in code points (the server's) as UTF-16 code units (the DOM's), or back (inUnits).
  function convertOffset(text, offset, inUnits) {
    var cp = 0, units = 0;
    for (var ch of text) {
      if ((inUnits ? units : cp) >= offset) break;
      units += ch.length;
      cp += 1;
    }
    return inUnits ? cp : units;
  }

  function cpToUnits(text, cp) { return convertOffset(text, cp, false); }
  function unitsToCp(text, units) { return convertOffset(text, units, true); }

  function polarityLabel(value) {
    var input = document.querySelector('.polarity-options input[value="' + value + '"]');
    if (input && input.parentElement) return input.parentElement.textContent.trim();
    return value.charAt(0).toUpperCase() + value.slice(1);
  }

  function formatDate(iso) {
    if (!iso) return "";
    var date = new Date(iso);
    if (isNaN(date.getTime())) return iso;
    return date.toLocaleString(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  // --- the segment algorithm (keep in step with annotations/highlight.py) -------------------

  function kindClasses(a) {
    var classes = [];
    if (a.topics && a.topics.length) classes.push("hl-topic");
    if (a.stance) classes.push("hl-stance-" + a.stance.polarity);
    if (a.claim) classes.push("hl-claim-" + String(a.claim.status).replace(/_/g, "-"));
    return classes;
  }

  function computeSegments(length, spans) {
    var clipped = spans
      .map(function (s) { return { id: s.id, start: Math.max(0, s.start), end: Math.min(length, s.end), classes: s.classes }; })
      .filter(function (s) { return s.start < s.end; })
      .sort(function (a, b) { return a.start - b.start || b.end - a.end || a.id - b.id; });
    var cuts = new Set([0, length]);
    clipped.forEach(function (s) { cuts.add(s.start); cuts.add(s.end); });
    var sorted = Array.from(cuts).sort(function (a, b) { return a - b; });
    var segments = [];
    for (var i = 0; i < sorted.length - 1; i += 1) {
      var start = sorted[i], end = sorted[i + 1];
      segments.push({
        start: start,
        end: end,
        covering: clipped.filter(function (s) { return s.start <= start && s.end >= end; }),
      });
    }
    return segments;
  }

  var pending = null; // {turn, start, end, quote} in code points, shown while the panel is open

  function renderTurn(turnId) {
    var element = turnEls.get(turnId);
    var text = turnTexts.get(turnId);
    if (!element || text === undefined) return;
    var spans = [];
    annotations.forEach(function (a) {
      if (a.turn !== turnId) return;
      spans.push({ id: a.id, start: cpToUnits(text, a.start), end: cpToUnits(text, a.end), classes: kindClasses(a) });
    });
    if (pending && pending.turn === turnId) {
      spans.push({ id: PENDING, start: cpToUnits(text, pending.start), end: cpToUnits(text, pending.end), classes: [] });
    }
    var fragment = document.createDocumentFragment();
    computeSegments(text.length, spans).forEach(function (segment) {
      var piece = text.slice(segment.start, segment.end);
      if (!segment.covering.length) {
        fragment.append(document.createTextNode(piece));
        return;
      }
      var real = segment.covering.filter(function (s) { return s.id !== PENDING; });
      var kinds = [];
      real.forEach(function (s) { s.classes.forEach(function (c) { if (kinds.indexOf(c) < 0) kinds.push(c); }); });
      var classes = ["hl"].concat(kinds);
      if (real.length) classes.push("hl-depth-" + Math.min(real.length, 3));
      if (real.length !== segment.covering.length) classes.push("hl-pending");
      var mark = document.createElement("mark");
      mark.className = classes.join(" ");
      // Same attributes in the same order as the server's markup.
      var anchors = real.filter(function (s) { return s.start === segment.start; });
      if (anchors.length) mark.id = "annotation-" + anchors[0].id;
      if (real.length) mark.setAttribute("data-annotations", real.map(function (s) { return s.id; }).join(" "));
      anchors.slice(1).forEach(function (s) {
        mark.append(el("span", { className: "hl-anchor", id: "annotation-" + s.id }));
      });
      mark.append(document.createTextNode(piece));
      fragment.append(mark);
    });
    element.replaceChildren(fragment);
    if (currentId !== null) markCurrent(currentId);
  }

  function segmentsOf(id) {
    return Array.prototype.filter.call(document.querySelectorAll(".turn-text mark[data-annotations]"), function (mark) {
      return mark.getAttribute("data-annotations").split(" ").indexOf(String(id)) >= 0;
    });
  }

  // --- the current highlight (j / k, links to #annotation-<id>) ----------------------------

  var currentId = null;

  function markCurrent(id) {
    document.querySelectorAll(".turn-text mark.hl-current").forEach(function (m) { m.classList.remove("hl-current"); });
    if (id === null) return;
    segmentsOf(id).forEach(function (m) { m.classList.add("hl-current"); });
  }

  function setCurrent(id, options) {
    currentId = id;
    markCurrent(id);
    if (id !== null && options && options.scroll) {
      var first = segmentsOf(id)[0];
      if (first) {
        var box = first.getBoundingClientRect();
        if (box.top < 60 || box.bottom > window.innerHeight - 40) first.scrollIntoView({ block: "center" });
      }
    }
  }

  function readingOrder() {
    var position = new Map(turnOrder.map(function (id, index) { return [id, index]; }));
    return Array.from(annotations.values()).sort(function (a, b) {
      return (position.get(a.turn) - position.get(b.turn)) || a.start - b.start || b.end - a.end || a.id - b.id;
    });
  }

  function step(direction) {
    var ordered = readingOrder();
    if (!ordered.length) { announce("This document has no highlights yet."); return; }
    var index = ordered.findIndex(function (a) { return a.id === currentId; });
    index = index < 0 ? (direction > 0 ? 0 : ordered.length - 1) : (index + direction + ordered.length) % ordered.length;
    var target = ordered[index];
    if (!openAnnotation(target.id, { focus: false, scroll: true })) return;
    announce("Highlight " + (index + 1) + " of " + ordered.length + ": “" + excerpt(target.quote, 60) + "”");
  }

  function followHash() {
    var match = /^#annotation-(\d+)$/.exec(window.location.hash);
    if (match && annotations.has(Number(match[1]))) setCurrent(Number(match[1]));
    else if (config.paged) openPageOf(window.location.hash);
  }

  // A long document is shown a page of turns at a time: a link to a turn or an annotation of
  // another page (#turn-<position>, #annotation-<id>) opens the page that holds it.
  function openPageOf(hash) {
    var match = /^#(turn|annotation)-(\d+)$/.exec(hash);
    if (!match) return;
    if (match[1] === "turn" ? document.getElementById("turn-" + match[2]) : annotations.has(Number(match[2]))) return;
    var params = new URLSearchParams(window.location.search);
    if (params.get(match[1]) === match[2]) return; // asked already: it is not in this document
    params.delete("page");
    params.delete(match[1] === "turn" ? "annotation" : "turn");
    params.set(match[1], match[2]);
    window.location.replace("?" + params.toString() + hash);
  }

  // --- the side column: list, details, overlap chooser -------------------------------------

  function tagNodes(a, compact) {
    var nodes = [];
    (a.topics || []).forEach(function (t) {
      nodes.push(el("span", { className: "chip", title: t.path, text: compact ? t.name : t.path }));
    });
    if (a.stance) {
      nodes.push(el("span", {
        className: "stance stance-" + a.stance.polarity,
        text: polarityLabel(a.stance.polarity) + " · " + a.stance.target.name,
      }));
    }
    if (a.claim) {
      nodes.push(el("span", { className: "status-badge status-" + a.claim.status, text: "Claim: " + a.claim.status_display }));
    }
    return nodes;
  }

  function renderList() {
    var list = $("annotation-list");
    if (!list) return;
    var ordered = readingOrder();
    list.replaceChildren.apply(list, ordered.map(function (a) {
      return el("li", {}, [
        el("a", { className: "ann-link", href: "#annotation-" + a.id, "data-annotation": a.id }, [
          el("span", { className: "ann-swatch hl " + kindClasses(a).join(" ") + " hl-depth-1", "aria-hidden": "true" }),
          el("span", { className: "ann-quote", text: "“" + excerpt(a.quote, 90) + "”" }),
          el("span", { className: "ann-tags" }, tagNodes(a, true)),
        ]),
      ]);
    }));
    $("annotation-count").textContent = String(ordered.length);
    $("annotation-empty").hidden = ordered.length > 0;
  }

  function hideSideCards() {
    [overlap, details, panelEl, $("claim-similar-card")].forEach(function (card) { if (card) card.hidden = true; });
  }

  function showCard(card) {
    hideSideCards();
    intro.hidden = true;
    card.hidden = false;
    if (side) side.scrollTop = 0;
    keepPassageVisible(card);
  }

  // On a narrow screen the card is a sheet over the bottom of the window: keep the passage above it.
  function keepPassageVisible(card) {
    if (window.getComputedStyle(card).position !== "fixed") return;
    var mark = document.querySelector(".turn-text mark.hl-pending, .turn-text mark.hl-current");
    if (!mark) return;
    var box = mark.getBoundingClientRect();
    var sheetTop = card.getBoundingClientRect().top;
    if (box.bottom > sheetTop - 8 || box.top < 0) window.scrollBy(0, box.top - Math.max(16, sheetTop / 4));
  }

  function closeSideCards() {
    hideSideCards();
    intro.hidden = false;
  }

  function claimDetails(claim) {
    var nodes = [el("p", {}, [el("span", { className: "status-badge status-" + claim.status, text: claim.status_display })])];
    if (claim.reviewer) {
      nodes[0].append(" ", el("span", { className: "muted", text: "by " + claim.reviewer + (claim.reviewed_at ? ", " + formatDate(claim.reviewed_at) : "") }));
    }
    if (claim.rationale) nodes.push(el("p", { className: "claim-rationale", text: claim.rationale }));
    if (claim.evidence && claim.evidence.length) {
      nodes.push(el("ul", { className: "evidence" }, claim.evidence.map(function (link) {
        var safe = /^https?:\/\//i.test(link);
        return el("li", {}, [safe ? el("a", { href: link, rel: "noopener noreferrer", target: "_blank", text: link }) : link]);
      })));
    }
    return nodes;
  }

  // --- the same claim elsewhere: offered on a claim, linked with one click --------------------

  var CLAIMS_API = API.replace(/annotations\/?$/, "claims/");

  function similarBox(a) {
    var box = el("div", { className: "claim-similar", "data-claim": a.claim.id }, [
      el("h3", { text: "Same claim elsewhere" }),
      el("p", { className: "muted small", text: "Looking for the same statement in other documents…" }),
    ]);
    loadSimilar(a, box);
    return box;
  }

  function loadSimilar(a, box) {
    api("GET", CLAIMS_API + a.claim.id + "/similar/").then(function (result) {
      var title = el("h3", { text: "Same claim elsewhere" });
      if (!result.ok) {
        box.replaceChildren(title, el("p", { className: "muted small", text: errorMessage(result) }));
        return;
      }
      var nodes = [title];
      var linked = result.data.linked || [];
      if (linked.length) {
        nodes.push(el("p", { className: "muted small", text: "Linked copies share this claim’s verdict:" }));
        nodes.push(el("ul", { className: "similar-list linked-copies" }, linked.map(function (copy) {
          return el("li", {}, [
            el("a", { href: copy.url, text: copy.document.title }),
            el("span", { className: "similar-quote", text: " “" + excerpt(copy.quote, 140) + "”" }),
          ]);
        })));
      }
      var offers = (result.data.candidates || []).filter(function (c) { return !c.linked; });
      if (!offers.length && !linked.length) {
        nodes.push(el("p", { className: "muted small", text: "Not found elsewhere in the corpus." }));
      }
      if (offers.length) {
        nodes.push(el("ul", { className: "similar-list candidates" }, offers.map(function (c) {
          var item = el("li", { className: "similar-candidate" }, [
            el("div", { className: "similar-where" }, [
              el("a", { href: c.document.url + "#turn-" + c.turn_position, text: c.document.title }),
              c.document.is_current ? null : el("span", { className: "muted", text: " (replaced edition)" }),
              el("span", { className: "muted", text: (c.speaker ? " · " + c.speaker : "") + " · match " + Math.round(c.score) + "%" }),
            ]),
            el("blockquote", { className: "similar-quote", text: c.quote }),
          ]);
          if (canEdit) {
            var button = el("button", { type: "button", className: "link-claim", text: "Link" });
            button.addEventListener("click", function () { linkClaim(a, c, box, button); });
            item.append(button);
          }
          return item;
        })));
      }
      box.replaceChildren.apply(box, nodes);
    });
  }

  function linkClaim(a, candidate, box, button) {
    button.disabled = true;
    button.textContent = "Linking…";
    var body = { turn: candidate.turn, start: candidate.start, end: candidate.end, quote: candidate.quote };
    api("POST", CLAIMS_API + a.claim.id + "/links/", body).then(function (result) {
      if (!result.ok) {
        button.disabled = false;
        button.textContent = "Link";
        announce(errorMessage(result));
        return;
      }
      var added = result.data.annotation;
      if (added && turnEls.has(added.turn)) stored(added);
      var own = annotations.get(a.id);
      if (own && own.claim) own.claim = Object.assign({}, own.claim, result.data.claim);
      announce("Linked: the two passages now share one verdict.");
      loadSimilar(a, box);
    });
  }

  function offerSimilar(a) {
    var card = $("claim-similar-card");
    if (!card || !a.claim) return;
    var body = $("claim-similar-body");
    body.replaceChildren(el("blockquote", { className: "panel-quote", text: a.quote }), similarBox(a));
    showCard(card);
  }

  function detailNodes(a) {
    var rows = [];
    rows.push(el("blockquote", { className: "panel-quote", text: a.quote }));
    var dl = el("dl", { className: "details-list" });
    var add = function (term, nodes) { dl.append(el("dt", { text: term }), el("dd", {}, nodes)); };
    add("Topics", a.topics.length ? a.topics.map(function (t) { return el("span", { className: "chip", text: t.path }); }) : [el("span", { className: "muted", text: "None" })]);
    add("Stance", a.stance ? [el("span", { className: "stance stance-" + a.stance.polarity, text: polarityLabel(a.stance.polarity) }), " toward " + a.stance.target.name] : [el("span", { className: "muted", text: "None" })]);
    add("Claim", a.claim ? claimDetails(a.claim) : [el("span", { className: "muted", text: "Not flagged" })]);
    if (a.note) add("Note", [el("p", { className: "note-text", text: a.note })]);
    rows.push(dl);
    if (a.claim) rows.push(similarBox(a));
    rows.push(el("p", { className: "muted small", text: "By " + a.author + " · updated " + formatDate(a.updated_at) + " · version " + a.version }));
    return rows;
  }

  function showDetails(a, options) {
    $("details-title").textContent = "Annotation";
    $("details-body").replaceChildren.apply($("details-body"), detailNodes(a));
    showCard(details);
    if (options && options.focus) details.focus();
  }

  function showChoices(ids, anchor) {
    var list = $("overlap-list");
    list.replaceChildren.apply(list, ids.map(function (id) {
      var a = annotations.get(id);
      return el("li", {}, [
        el("button", { type: "button", className: "choice", "data-annotation": id }, [
          el("span", { className: "ann-swatch hl " + kindClasses(a).join(" ") + " hl-depth-1", "aria-hidden": "true" }),
          el("span", { className: "ann-quote", text: "“" + excerpt(a.quote, 80) + "”" }),
          el("span", { className: "ann-tags" }, tagNodes(a, true)),
        ]),
      ]);
    }));
    showCard(overlap);
    var first = list.querySelector("button");
    if (first) first.focus();
    void anchor;
  }

  function openAnnotation(id, options) {
    var a = annotations.get(id);
    if (!a) return false;
    options = options || {};
    if (canEdit && panel && !(panel.mode === "edit" && panel.annotation.id === id) && !confirmDiscard()) return false;
    setCurrent(id, { scroll: options.scroll });
    if (canEdit) openEdit(a, options, true);
    else showDetails(a, options);
    return true;
  }

  function openAt(mark) {
    var ids = mark.getAttribute("data-annotations").split(" ").map(Number).filter(function (id) { return annotations.has(id); });
    if (!ids.length) return;
    if (ids.length === 1) openAnnotation(ids[0], { focus: false });
    else showChoices(ids, mark);
  }

  // --- the tagging panel (editors) ---------------------------------------------------------

  var panel = null; // {mode: "new"|"edit", passage, annotation, version, busy, conflict}
  var chosen = []; // topic ids shown as chips

  function formValues() {
    var polarityInput = form.querySelector('input[name="polarity"]:checked');
    var target = $("target-select").value;
    return {
      topics: chosen.slice(),
      polarity: polarityInput ? polarityInput.value : "",
      target: target ? Number(target) : null,
      claim: $("claim-input").checked,
      note: $("note-input").value,
    };
  }

  function valuesOf(a) {
    if (!a) return { topics: [], polarity: "", target: null, claim: false, note: "" };
    return {
      topics: a.topics.map(function (t) { return t.id; }),
      polarity: a.stance ? a.stance.polarity : "",
      target: a.stance ? a.stance.target.id : null,
      claim: Boolean(a.claim),
      note: a.note || "",
    };
  }

  function fillForm(values) {
    chosen = values.topics.filter(function (id) { return topicById.has(id); });
    renderChips();
    $("topic-input").value = "";
    closeOptions();
    form.querySelectorAll('input[name="polarity"]').forEach(function (input) { input.checked = input.value === values.polarity; });
    $("target-select").value = values.target ? String(values.target) : "";
    $("claim-input").checked = values.claim;
    $("note-input").value = values.note;
    syncTargetState();
  }

  function sameTopics(a, b) {
    if (a.length !== b.length) return false;
    var set = new Set(a);
    return b.every(function (id) { return set.has(id); });
  }

  function changes(base, values) {
    var diff = {};
    if (!sameTopics(base.topics, values.topics)) diff.topics = values.topics;
    if (base.polarity !== values.polarity || base.target !== values.target) {
      diff.stance = values.polarity ? { polarity: values.polarity, target: values.target } : null;
    }
    if (base.claim !== values.claim) diff.claim = values.claim;
    if (base.note !== values.note) diff.note = values.note;
    return diff;
  }

  function isDirty() {
    if (!panel) return false;
    var base = valuesOf(panel.mode === "edit" ? panel.annotation : null);
    return Object.keys(changes(base, formValues())).length > 0 || $("topic-input").value.trim() !== "";
  }

  function confirmDiscard() {
    return !isDirty() || window.confirm("Discard your unsaved changes to this annotation?");
  }

  function clearErrors() {
    var box = $("panel-error");
    box.hidden = true;
    box.textContent = "";
    form.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
  }

  var FIELD_INPUTS = { topics: "topic-input", stance: "target-select", target: "target-select", polarity: "target-select", claim: "claim-input", note: "note-input" };

  function showError(message, field) {
    var box = $("panel-error");
    box.textContent = message;
    box.hidden = false;
    var input = field && $(FIELD_INPUTS[field]);
    if (input) input.setAttribute("aria-invalid", "true");
  }

  function hideConflict() {
    var box = $("panel-conflict");
    box.hidden = true;
    box.replaceChildren();
    if (panel) panel.conflict = undefined;
  }

  function setPending(passage) {
    var before = pending ? pending.turn : null;
    pending = passage;
    if (before !== null) renderTurn(before);
    if (passage && passage.turn !== before) renderTurn(passage.turn);
  }

  function showPanel(title) {
    $("panel-title").textContent = title;
    showCard(panelEl);
  }

  function setMeta(nodes) {
    $("panel-meta").replaceChildren.apply($("panel-meta"), nodes);
  }

  function openNew(passage) {
    if (panel && panel.mode === "edit" && !confirmDiscard()) return false;
    var keepInput = panel && panel.mode === "new";
    panel = { mode: "new", passage: passage, annotation: null, version: null, busy: false };
    setCurrent(null);
    setPending(passage);
    clearErrors();
    hideConflict();
    $("panel-quote").textContent = passage.quote;
    setMeta([]);
    $("delete-button").hidden = true;
    setClaimLock(null);
    if (!keepInput) fillForm(valuesOf(null));
    showPanel("New annotation");
    $("topic-input").focus({ preventScroll: true });
    return true;
  }

  function setClaimLock(claim) {
    var input = $("claim-input");
    var help = $("claim-help");
    var locked = Boolean(claim) && ["unverified", "in_review"].indexOf(claim.status) < 0;
    input.disabled = locked;
    help.hidden = !claim;
    help.textContent = !claim ? "" : locked
      ? "Reviewed: " + claim.status_display + ". A claim with a verdict cannot be unflagged."
      : "Claim status: " + claim.status_display + ".";
  }

  function editMeta(a) {
    var nodes = [el("p", { className: "muted small", text: "By " + a.author + " · updated " + formatDate(a.updated_at) + " · version " + a.version })];
    if (a.claim && (a.claim.reviewer || a.claim.rationale)) {
      nodes.push(el("div", { className: "claim-box" }, claimDetails(a.claim)));
    }
    if (a.claim) nodes.push(similarBox(a));
    return nodes;
  }

  function openEdit(a, options, confirmed) {
    var alreadyOpen = panel && panel.mode === "edit" && panel.annotation.id === a.id;
    if (panel && !alreadyOpen && !confirmed && !confirmDiscard()) return false;
    if (!alreadyOpen) {
      panel = { mode: "edit", passage: null, annotation: a, version: a.version, busy: false };
      setPending(null);
      clearErrors();
      hideConflict();
      $("panel-quote").textContent = a.quote;
      setMeta(editMeta(a));
      $("delete-button").hidden = !a.can_delete;
      setClaimLock(a.claim);
      fillForm(valuesOf(a));
    }
    showPanel("Annotation");
    if (options && options.focus) $("topic-input").focus();
    return true;
  }

  function closePanel(options) {
    if (!panel) return true;
    if (!(options && options.force) && !confirmDiscard()) return false;
    var wasEdit = panel.mode === "edit" ? panel.annotation.id : null;
    panel = null;
    setPending(null);
    closeOptions();
    closeSideCards();
    if (!(options && options.keepFocus)) {
      var first = wasEdit !== null ? segmentsOf(wasEdit)[0] : null;
      focusQuietly(first || article);
    }
    return true;
  }

  function focusQuietly(node) {
    if (!node) return;
    if (!node.hasAttribute("tabindex")) node.setAttribute("tabindex", "-1");
    node.focus({ preventScroll: true });
  }

  // Stance: the target only matters with a polarity.
  function syncTargetState() {
    var values = formValues();
    $("stance-field").classList.toggle("has-polarity", Boolean(values.polarity));
  }

  function validate(values) {
    if (values.polarity && !values.target) return { message: "Choose what the stance is toward (a target), or set the stance to None.", field: "target" };
    if (!values.polarity && values.target) return { message: "Choose a polarity for the stance (supports, opposes…), or clear the target.", field: "target" };
    if (!values.topics.length && !values.polarity && !values.claim) {
      return { message: "Nothing is tagged yet: choose a topic, a stance or flag the passage as a claim.", field: "topics" };
    }
    return null;
  }

  // --- talking to the API ---------------------------------------------------------------

  function api(method, url, body) {
    return window.deskApi.request(method, url, body, "The server could not be reached. Check your connection and save again; your input is kept.");
  }

  function errorMessage(result) {
    if (result.status === 401) return "Your session has ended. Log in again in another tab, then save here: your input is kept.";
    if (result.status === 403) return (result.data && result.data.error) || "Your role does not allow this.";
    return (result.data && result.data.error) || "The server answered " + result.status + " without an explanation.";
  }

  function setBusy(busy, label) {
    if (!panel) return;
    panel.busy = busy;
    var button = $("save-button");
    button.disabled = busy;
    button.textContent = busy ? (label || "Saving…") : "Save";
    $("delete-button").disabled = busy;
    panelEl.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function stored(a) {
    annotations.set(a.id, a);
    renderTurn(a.turn);
    renderList();
  }

  function forget(id) {
    var a = annotations.get(id);
    annotations.delete(id);
    if (a) renderTurn(a.turn);
    renderList();
    if (currentId === id) currentId = null;
  }

  function flash(id) {
    var marks = segmentsOf(id);
    marks.forEach(function (m) { m.classList.add("hl-flash"); });
    setTimeout(function () { marks.forEach(function (m) { m.classList.remove("hl-flash"); }); }, 1600);
  }

  function saved(a, message) {
    stored(a);
    closePanel({ force: true, keepFocus: true });
    setCurrent(a.id);
    flash(a.id);
    focusQuietly(segmentsOf(a.id)[0] || article);
    announce(message);
  }

  function save() {
    if (!panel || panel.busy) return;
    clearErrors();
    var values = formValues();
    var typed = $("topic-input").value.trim();
    if (typed && !values.topics.length) {
      showError("“" + typed + "” is not a chosen topic yet: pick it from the list (Enter) or clear the field.", "topics");
      return;
    }
    var problem = validate(values);
    if (problem) { showError(problem.message, problem.field); return; }
    if (panel.mode === "new") return create(values);
    return update(values);
  }

  function create(values) {
    var passage = panel.passage;
    var body = {
      turn: passage.turn,
      start: passage.start,
      end: passage.end,
      quote: passage.quote,
      topics: values.topics,
      stance: values.polarity ? { polarity: values.polarity, target: values.target } : null,
      claim: values.claim,
      note: values.note,
    };
    setBusy(true);
    return api("POST", API, body).then(function (result) {
      setBusy(false);
      if (result.ok) {
        saved(result.data, "Annotation saved.");
        if (result.data.claim) offerSimilar(result.data);
        return;
      }
      showError(errorMessage(result), result.data && result.data.field);
    });
  }

  function update(values) {
    var diff = changes(valuesOf(panel.annotation), values);
    if (!Object.keys(diff).length) {
      closePanel({ force: true });
      announce("No changes to save.");
      return;
    }
    var id = panel.annotation.id;
    var body = Object.assign({ version: panel.version }, diff);
    setBusy(true);
    var flagging = diff.claim === true;
    return api("PATCH", API + id + "/", body).then(function (result) {
      setBusy(false);
      if (result.ok) {
        saved(result.data, "Annotation updated.");
        if (flagging && result.data.claim) offerSimilar(result.data);
        return;
      }
      if (result.status === 409) return conflict(result.data && result.data.current, "save");
      if (result.status === 404) return conflict(null, "save");
      showError(errorMessage(result), result.data && result.data.field);
    });
  }

  function remove() {
    if (!panel || panel.mode !== "edit" || panel.busy) return;
    var a = panel.annotation;
    if (!window.confirm("Delete this annotation?\n\n“" + excerpt(a.quote, 120) + "”\n\nThis cannot be undone.")) return;
    clearErrors();
    setBusy(true, "Deleting…");
    return api("DELETE", API + a.id + "/?version=" + encodeURIComponent(panel.version)).then(function (result) {
      setBusy(false);
      if (result.ok || result.status === 404) {
        forget(a.id);
        closePanel({ force: true });
        announce(result.ok ? "Annotation deleted." : "This annotation had already been deleted.");
        return;
      }
      if (result.status === 409) return conflict(result.data && result.data.current, "delete");
      showError(errorMessage(result), result.data && result.data.field);
    });
  }

  function currentSummary(current) {
    var dl = el("dl", { className: "details-list conflict-current" });
    var add = function (term, nodes) { dl.append(el("dt", { text: term }), el("dd", {}, nodes)); };
    add("Topics", current.topics.length ? current.topics.map(function (t) { return el("span", { className: "chip", text: t.path }); }) : ["none"]);
    add("Stance", [current.stance ? polarityLabel(current.stance.polarity) + " toward " + current.stance.target.name : "none"]);
    add("Claim", [current.claim ? current.claim.status_display : "not flagged"]);
    add("Note", [current.note ? el("span", { className: "note-text", text: current.note }) : "empty"]);
    return dl;
  }

  // 409: someone saved in between. Show what is stored now, keep the person's input, offer to re-apply.
  function conflict(current, action) {
    if (!panel) return;
    var box = $("panel-conflict");
    var nodes;
    var own = panel.annotation;
    if (current) {
      stored(current);
      panel.conflict = current;
      nodes = [
        el("h3", { text: "Someone else changed this annotation" }),
        el("p", { text: "Someone else changed this annotation while you were working on it. It is now version " + current.version + " (saved " + formatDate(current.updated_at) + "). " + (action === "delete" ? "It was not deleted." : "Your changes were not saved, and they are still in the form below: nothing is lost.") }),
        el("p", { className: "small", text: "What is stored now:" }),
        currentSummary(current),
        el("div", { className: "conflict-actions" }, [
          el("button", { type: "button", className: "primary", "data-action": action === "delete" ? "delete-anyway" : "reapply", text: action === "delete" ? "Delete version " + current.version + " anyway" : "Apply my changes to version " + current.version }),
          el("button", { type: "button", "data-action": "take-theirs", text: action === "delete" ? "Keep it" : "Discard mine, show theirs" }),
        ]),
      ];
    } else {
      forget(own.id);
      panel.conflict = null;
      nodes = [
        el("h3", { text: "Someone else deleted this annotation" }),
        el("p", { text: "This annotation was deleted while you were working on it. Your input is still in the form; you can save it as a new annotation on the same passage." }),
        el("div", { className: "conflict-actions" }, [
          el("button", { type: "button", className: "primary", "data-action": "save-as-new", text: "Save as a new annotation" }),
          el("button", { type: "button", "data-action": "cancel", text: "Close" }),
        ]),
      ];
    }
    box.replaceChildren.apply(box, nodes);
    box.hidden = false;
    box.focus({ preventScroll: false });
    announce(current ? "Conflict: someone else changed this annotation. Your input is kept." : "Conflict: someone else deleted this annotation.");
  }

  function onConflictAction(action) {
    if (!panel) return;
    var current = panel.conflict;
    if (action === "reapply" && current) {
      panel.version = current.version; // the base for the diff stays what this person started from
      hideConflict();
      save();
    } else if (action === "delete-anyway" && current) {
      panel.version = current.version;
      panel.annotation = current;
      hideConflict();
      remove();
    } else if (action === "take-theirs" && current) {
      panel.annotation = current;
      panel.version = current.version;
      hideConflict();
      setMeta(editMeta(current));
      setClaimLock(current.claim);
      $("delete-button").hidden = !current.can_delete;
      fillForm(valuesOf(current));
      announce("The form now shows the stored version " + current.version + ".");
    } else if (action === "save-as-new" && panel.annotation) {
      var a = panel.annotation;
      var values = formValues();
      panel = { mode: "new", passage: { turn: a.turn, start: a.start, end: a.end, quote: a.quote }, annotation: null, version: null, busy: false };
      hideConflict();
      $("delete-button").hidden = true;
      setClaimLock(null);
      $("panel-title").textContent = "New annotation";
      setPending(panel.passage);
      var problem = validate(values);
      if (problem) { showError(problem.message, problem.field); return; }
      create(values);
    }
  }

  // --- topics: typeahead and chips ---------------------------------------------------------

  var topicInput = $("topic-input");
  var optionsEl = $("topic-options");
  var activeOption = -1;
  var shownOptions = [];

  function renderChips() {
    var list = $("topic-chips");
    if (!list) return;
    list.replaceChildren.apply(list, chosen.map(function (id) {
      var t = topicById.get(id);
      return el("li", { className: "chip chip-removable", title: t.path }, [
        el("span", { text: t.path }),
        el("button", { type: "button", className: "chip-remove", "data-topic": id, "aria-label": "Remove topic " + t.path, text: "×" }),
      ]);
    }));
    list.hidden = chosen.length === 0;
  }

  function matchTopics(query) {
    var tokens = query.toLowerCase().split(/[\s›>\/]+/).filter(Boolean);
    return topics.filter(function (t) {
      if (chosen.indexOf(t.id) >= 0) return false;
      var path = t.path.toLowerCase();
      return tokens.every(function (token) { return path.indexOf(token) >= 0; });
    });
  }

  function optionLabel(t) {
    var parts = t.path.split(" › ");
    var name = parts.pop();
    var nodes = [];
    if (parts.length) nodes.push(el("span", { className: "option-parents", text: parts.join(" › ") + " › " }));
    nodes.push(el("span", { className: "option-name", text: name }));
    return nodes;
  }

  function openOptions() {
    var matches = matchTopics(topicInput.value);
    shownOptions = matches.slice(0, MAX_OPTIONS);
    activeOption = shownOptions.length ? 0 : -1;
    var items = shownOptions.map(function (t, index) {
      return el("li", { id: "topic-option-" + t.id, role: "option", className: "combo-option", "data-topic": t.id, "aria-selected": index === activeOption ? "true" : "false" }, optionLabel(t));
    });
    if (!items.length) items.push(el("li", { className: "combo-empty", role: "presentation", text: topicInput.value.trim() ? "No topic matches “" + topicInput.value.trim() + "”." : "Every topic is chosen." }));
    else if (matches.length > shownOptions.length) items.push(el("li", { className: "combo-empty", role: "presentation", text: (matches.length - shownOptions.length) + " more: keep typing to narrow." }));
    optionsEl.replaceChildren.apply(optionsEl, items);
    optionsEl.hidden = false;
    topicInput.setAttribute("aria-expanded", "true");
    updateActive();
  }

  function closeOptions() {
    if (!optionsEl) return;
    optionsEl.hidden = true;
    topicInput.setAttribute("aria-expanded", "false");
    topicInput.removeAttribute("aria-activedescendant");
    activeOption = -1;
    shownOptions = [];
  }

  function updateActive() {
    optionsEl.querySelectorAll('[role="option"]').forEach(function (node, index) {
      var active = index === activeOption;
      node.setAttribute("aria-selected", active ? "true" : "false");
      node.classList.toggle("active", active);
      if (active) {
        topicInput.setAttribute("aria-activedescendant", node.id);
        node.scrollIntoView({ block: "nearest" });
      }
    });
    if (activeOption < 0) topicInput.removeAttribute("aria-activedescendant");
  }

  function chooseTopic(id) {
    if (chosen.indexOf(id) < 0) chosen.push(id);
    renderChips();
    topicInput.value = "";
    topicInput.removeAttribute("aria-invalid");
    closeOptions();
    topicInput.focus();
    announce("Topic added: " + topicById.get(id).path + ".");
  }

  function removeTopic(id) {
    chosen = chosen.filter(function (other) { return other !== id; });
    renderChips();
    announce("Topic removed: " + topicById.get(id).path + ".");
  }

  if (canEdit && form) {
    topicInput.addEventListener("input", openOptions);
    topicInput.addEventListener("click", function () { if (optionsEl.hidden) openOptions(); });
    topicInput.addEventListener("blur", function () { setTimeout(closeOptions, 120); });
    topicInput.addEventListener("keydown", function (event) {
      var open = !optionsEl.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!open) { openOptions(); return; }
        if (!shownOptions.length) return;
        var delta = event.key === "ArrowDown" ? 1 : -1;
        activeOption = (activeOption + delta + shownOptions.length) % shownOptions.length;
        updateActive();
      } else if (event.key === "Enter" && !(event.ctrlKey || event.metaKey)) {
        event.preventDefault(); // never submits the form: Ctrl+Enter saves
        if (open && activeOption >= 0) chooseTopic(shownOptions[activeOption].id);
        else if (topicInput.value.trim()) openOptions();
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        event.stopPropagation();
        closeOptions();
      } else if (event.key === "Backspace" && !topicInput.value && chosen.length) {
        removeTopic(chosen[chosen.length - 1]);
      } else if (event.key === "Tab") {
        closeOptions();
      }
    });
    optionsEl.addEventListener("mousedown", function (event) { event.preventDefault(); });
    optionsEl.addEventListener("click", function (event) {
      var option = event.target.closest("[data-topic]");
      if (option) chooseTopic(Number(option.getAttribute("data-topic")));
    });
    $("topic-chips").addEventListener("click", function (event) {
      var button = event.target.closest(".chip-remove");
      if (!button) return;
      removeTopic(Number(button.getAttribute("data-topic")));
      topicInput.focus();
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "polarity") {
        syncTargetState();
        if (event.target.value && !$("target-select").value) $("target-select").focus();
      }
      if (event.target.getAttribute("aria-invalid")) event.target.removeAttribute("aria-invalid");
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); save(); });
    $("delete-button").addEventListener("click", remove);
    panelEl.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (!button) return;
      var action = button.getAttribute("data-action");
      if (action === "cancel") closePanel();
      else onConflictAction(action);
    });
  }

  // --- pointer: selecting text, clicking highlights -------------------------------------------

  // The selection inside one .turn-text, as code-point offsets; {error} when it spans turns.
  function selectedPassage() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    var hits = [];
    turnEls.forEach(function (element, turnId) {
      if (!range.intersectsNode(element)) return;
      var inside = document.createRange();
      inside.selectNodeContents(element);
      if (range.compareBoundaryPoints(Range.START_TO_START, inside) > 0) inside.setStart(range.startContainer, range.startOffset);
      if (range.compareBoundaryPoints(Range.END_TO_END, inside) < 0) inside.setEnd(range.endContainer, range.endOffset);
      if (inside.toString().trim()) hits.push({ turn: turnId, element: element, range: inside });
    });
    if (!hits.length) return null;
    if (hits.length > 1) return { error: "Select text within one turn: a passage cannot run across two turns." };
    var hit = hits[0];
    var before = document.createRange();
    before.selectNodeContents(hit.element);
    before.setEnd(hit.range.startContainer, hit.range.startOffset);
    var text = turnTexts.get(hit.turn);
    var start = before.toString().length;
    var end = start + hit.range.toString().length;
    while (start < end && /\s/.test(text.charAt(start))) start += 1;
    while (end > start && /\s/.test(text.charAt(end - 1))) end -= 1;
    // Never cut a character written with two code units (emoji, rare scripts) in half.
    if (/[\uDC00-\uDFFF]/.test(text.charAt(start))) start -= 1;
    if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end += 1;
    if (start >= end) return null;
    return { turn: hit.turn, start: unitsToCp(text, start), end: unitsToCp(text, end), quote: text.slice(start, end) };
  }

  function annotateSelection(fromKeyboard) {
    var passage = selectedPassage();
    if (passage && passage.error) { announce(passage.error); return true; }
    if (!passage) {
      if (fromKeyboard) announce("Select a passage in the text first (within one turn), then press a.");
      return false;
    }
    openNew(passage);
    return true;
  }

  if (article) {
    article.addEventListener("mouseup", function (event) {
      var target = event.target;
      setTimeout(function () {
        var selection = window.getSelection();
        if (selection && !selection.isCollapsed) {
          // A selection: editors annotate it; for a viewer it is just reading (or copying).
          if (canEdit && (!panel || !panel.busy) && !(target.closest && target.closest(".nojs-annotate"))) {
            annotateSelection(false);
          }
          return;
        }
        var mark = target.closest ? target.closest("mark[data-annotations]") : null;
        if (mark && article.contains(mark)) openAt(mark);
      }, 0);
    });
  }

  if (side) {
    side.addEventListener("click", function (event) {
      var link = event.target.closest("[data-annotation]");
      if (link && !event.target.closest(".chip-remove")) {
        event.preventDefault();
        var id = Number(link.getAttribute("data-annotation"));
        if (openAnnotation(id, { focus: false, scroll: true }) && history.replaceState) {
          history.replaceState(null, "", "#annotation-" + id);
        }
        return;
      }
      var button = event.target.closest("[data-action]");
      if (!button) return;
      var action = button.getAttribute("data-action");
      if (action === "close-side") { closeSideCards(); setCurrent(null); }
      if (action === "help") openHelp();
    });
  }

  // --- keyboard shortcuts ------------------------------------------------------------------

  function openHelp() {
    if (!helpDialog || helpDialog.open) return;
    if (typeof helpDialog.showModal === "function") helpDialog.showModal();
    else helpDialog.setAttribute("open", "");
  }

  function isTyping(node) {
    if (!node || !node.tagName) return false;
    if (node.isContentEditable) return true;
    var tag = node.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf((node.type || "").toLowerCase()) < 0;
  }

  function isControl(node) {
    return Boolean(node && node.closest && node.closest("a, button, summary, input, select, textarea, [role=button], dialog"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) return;
    if (helpDialog && helpDialog.open) return; // the dialog handles its own keys (Esc closes it)
    var typing = isTyping(event.target);

    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      if (panel) { event.preventDefault(); save(); }
      return;
    }
    if (event.key === "Escape") {
      if (panel) { event.preventDefault(); closePanel(); }
      else if (!overlap.hidden || !details.hidden) { event.preventDefault(); closeSideCards(); setCurrent(null); }
      else if (currentId !== null) { setCurrent(null); }
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;

    switch (event.key) {
      case "a":
        if (canEdit) { event.preventDefault(); annotateSelection(true); }
        break;
      case "Enter":
        if (isControl(event.target)) return;
        if (canEdit && annotateSelection(false)) { event.preventDefault(); return; }
        if (currentId !== null) {
          event.preventDefault();
          openAnnotation(currentId, { focus: true });
        }
        break;
      case "t":
        if (!canEdit) return;
        event.preventDefault();
        if (!panel) annotateSelection(true);
        if (panel) topicInput.focus();
        break;
      case "c":
        if (!canEdit || !panel) return;
        event.preventDefault();
        var claim = $("claim-input");
        if (claim.disabled) { announce($("claim-help").textContent); return; }
        claim.checked = !claim.checked;
        announce(claim.checked ? "Flagged as a claim." : "Claim flag removed.");
        break;
      case "j":
        event.preventDefault();
        step(1);
        break;
      case "k":
        event.preventDefault();
        step(-1);
        break;
      case "?":
        event.preventDefault();
        openHelp();
        break;
      default:
        break;
    }
  });

  window.addEventListener("hashchange", followHash);
  followHash();
  layout.classList.add("js-ready");
})();
