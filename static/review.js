// The alignment editor: renders the pairs, sends each edit to the JSON API and patches
// the rows it changed. Plain browser JavaScript, no library.
(function () {
  "use strict";

  var LOW = 0.5, HIGH = 0.8, FIRST_SCREEN = 40;
  var POLL_MS = window.workbenchPollMs || 15000;  // tests make it shorter
  var SIDES = ["source", "target"];
  var SIDE_NAMES = { source: "French", target: "English" };
  var FILTERS = ["all", "unconfirmed", "non11", "low"];

  var state = JSON.parse(document.getElementById("editor-state").textContent);
  var pairs = state.pairs;
  var api = state.api;
  var version = state.document.version;
  var counts = undoCounts(state);
  var index = new Map();
  var cur = 0, side = "source", busy = false, editing = null, filter = "all";
  var askedForName = false, pendingKeys = [];
  var mapGrid = null;

  var rowsEl = document.getElementById("rows");
  var messageEl = document.getElementById("message");
  var helpEl = document.getElementById("help");
  var historyEl = document.getElementById("history");
  var searchEl = document.getElementById("search");
  var gotoEl = document.getElementById("goto");
  var filterEl = document.getElementById("filter");
  var canvas = document.getElementById("map");
  var thresholdEl = document.getElementById("confirm-threshold");
  var realignToggle = document.getElementById("realign-toggle");

  // Re-align around each correction: on unless the translator turned it off (remembered).
  var REALIGN_KEY = "workbench.realignAfterCorrections", THRESHOLD_KEY = "workbench.confirmThreshold";
  var realignOn = readSetting(REALIGN_KEY) !== "off";
  // The server's order of the unconfirmed rows to look at (least confident first today).
  var reviewOrder = state.review.review_order;

  function readSetting(key) {
    try { return localStorage.getItem(key); } catch (error) { return null; }
  }

  function writeSetting(key, value) {
    try { localStorage.setItem(key, value); } catch (error) { /* private mode: not kept */ }
  }

  // Undo is per translator: what this page's user can undo and redo (their own changes).
  function undoCounts(st) {
    if (!st.undo_by_user) return { undo: st.undo.undo, redo: st.undo.redo };
    var mine = st.undo_by_user[window.workbenchUser() || "anonymous"];
    return mine ? { undo: mine.undo, redo: mine.redo } : { undo: 0, redo: 0 };
  }

  // --- rendering -------------------------------------------------------------------

  function esc(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  function level(pair) {
    if (pair.score === null || pair.score === undefined) return "none";
    return pair.score >= HIGH ? "high" : pair.score >= LOW ? "mid" : "low";
  }

  function scoreColour(score) {
    if (score === null || score === undefined) return "#9aa5b1";
    var hue = Math.round(Math.max(0, Math.min(1, (score - 0.2) / 0.7)) * 120);
    return "hsl(" + hue + ", 65%, 40%)";
  }

  var STATUS_LABEL = { auto: "auto", confirmed: "✓ confirmed", edited: "✎ edited",
                       excluded: "⊘ not for translation" };
  var STATUS_CLASSES = ["auto", "confirmed", "edited", "excluded"];
  var EXCLUDED_COLOUR = "#c3cad3";  // calm grey: nothing to do here

  // The row's colour by its score; grey for a row that is not for translation.
  function rowColour(pair) {
    return pair.status === "excluded" ? EXCLUDED_COLOUR : scoreColour(pair.score);
  }

  // The paragraph of the sentence just before row i on each side, to mark breaks.
  function previousParagraph(i, s) {
    for (var k = i - 1; k >= 0; k--) {
      var list = pairs[k][s];
      if (list.length) return list[list.length - 1].paragraph;
    }
    return null;
  }

  function cellHtml(pair, s, prevPara) {
    var out = "";
    var para = prevPara;
    var startsPara = false;
    pair[s].forEach(function (sentence, k) {
      var brk = para !== null && sentence.paragraph !== para;
      if (brk && k === 0) startsPara = true;
      if (brk && k > 0) out += '<span class="pbreak" title="New paragraph"></span>';
      var kind = sentence.kind && sentence.kind !== "text" ? sentence.kind : "";
      out += '<span class="s' + (kind ? " kind-" + kind : "") + '" data-sentence="' + sentence.id +
        '"' + (kind ? ' title="' + kind + '"' : "") + ">" +
        '<span class="ref" title="Paragraph ' + (sentence.paragraph + 1) + ", sentence " +
        (sentence.position + 1) + '">' + (brk || para === null ? "¶" : "") +
        (sentence.paragraph + 1) + "·" + (sentence.position + 1) + "</span>" +
        esc(sentence.text) + "</span> ";
      para = sentence.paragraph;
    });
    if (!pair[s].length) out = '<span class="empty-side">∅ no counterpart</span>';
    return { html: out, para: para, startsPara: startsPara };
  }

  function rowHtml(pair, i, paras) {
    var src = cellHtml(pair, "source", paras.source);
    var tgt = cellHtml(pair, "target", paras.target);
    paras.source = src.para;
    paras.target = tgt.para;
    var shape = pair.source.length + "-" + pair.target.length;
    var score = pair.score === null || pair.score === undefined || pair.status === "excluded"
      ? "–" : pair.score.toFixed(2);
    var who = pair.updated_by ? " by " + pair.updated_by : "";
    return '<div class="row ' + pair.status + " " + level(pair) + (shape !== "1-1" ? " odd" : "") +
      '" id="link-' + pair.id + '" data-link="' + pair.id + '" style="--conf:' +
      rowColour(pair) + '">' +
      '<div class="n">' + (i + 1) + "</div>" +
      '<div class="cell source' + (src.startsPara ? " para" : "") + '" data-side="source" lang="' +
      state.document.source_lang + '">' + src.html + "</div>" +
      '<div class="cell target' + (tgt.startsPara ? " para" : "") + '" data-side="target" lang="' +
      state.document.target_lang + '">' + tgt.html + "</div>" +
      '<div class="meta"><span class="score">' + score + "</span>" +
      '<span class="status" title="' + esc(pair.status + who) + '">' + STATUS_LABEL[pair.status] +
      "</span>" + (shape !== "1-1" ? '<span class="shape">' + shape + "</span>" : "") +
      "</div></div>";
  }

  function renderRange(start, stop) {
    var paras = { source: previousParagraph(start, "source"),
                  target: previousParagraph(start, "target") };
    var html = [];
    for (var i = start; i < stop; i++) html.push(rowHtml(pairs[i], i, paras));
    return html.join("");
  }

  function renderAll() {
    rowsEl.innerHTML = pairs.length ? renderRange(0, pairs.length) : NO_ROWS;
    finishRender();
  }

  var NO_ROWS = '<p class="no-rows">This document has no pairs yet: press ' +
    "<kbd>Shift</kbd>+<kbd>R</kbd> (Re-align) to align it.</p>";
  var NEEDS_NO_ROW = ["undo", "redo", "realign", "history", "history-close", "help", "help-close",
                      "finish", "reopen", "toggle-realign"];
  var LOCKED_WHEN_FINISHED = ["confirm", "confirm-through", "merge-up", "merge-down", "split",
    "shift-up", "shift-down", "insert-empty", "edit", "exclude", "undo", "redo", "realign",
    "confirm-above"];

  function runAction(name) {
    if (state.document.finished && LOCKED_WHEN_FINISHED.indexOf(name) >= 0) {
      say(finishedText() + ": reopen it to edit.", true);
      return;
    }
    if (!pairs.length && NEEDS_NO_ROW.indexOf(name) < 0) {
      say("There are no rows yet: re-align the document first.", true);
      return;
    }
    actions[name]();
  }

  function finishRender() {
    reindex();
    applyFilter();
    select(Math.min(cur, pairs.length - 1), { scroll: false });
    updateProgress();
  }

  // First paint: the rows of the first screen now, the rest right after the browser has
  // shown them (a long document takes a few hundred milliseconds to build).
  function renderInTwoSteps(done) {
    if (!pairs.length) {
      renderAll();
      done();
      return;
    }
    var first = Math.min(FIRST_SCREEN, pairs.length);
    rowsEl.innerHTML = renderRange(0, first);
    reindex();
    select(0, { scroll: false });
    updateProgress();
    if (first === pairs.length) { finishRender(); done(); return; }
    requestAnimationFrame(function () {
      setTimeout(function () {
        rowsEl.insertAdjacentHTML("beforeend", renderRange(first, pairs.length));
        finishRender();
        done();
      }, 0);
    });
  }

  function reindex() {
    index = new Map();
    pairs.forEach(function (pair, i) { index.set(pair.id, i); });
  }

  function rowEl(i) { return rowsEl.children[i]; }

  // Replace rows start..stopBefore of the DOM by the new pairs start..stopAfter.
  function patchRows(start, stopBefore, stopAfter, shifts) {
    var placeholder = rowsEl.querySelector(".no-rows");
    if (placeholder) placeholder.remove();
    if (!pairs.length) { rowsEl.innerHTML = NO_ROWS; reindex(); return; }
    for (var k = stopBefore - 1; k >= start; k--) rowsEl.removeChild(rowsEl.children[k]);
    var stop = Math.min(stopAfter + 1, pairs.length);
    if (stopAfter < pairs.length) rowsEl.removeChild(rowsEl.children[start]);
    var holder = document.createElement("div");
    holder.innerHTML = renderRange(start, stop);
    var before = rowsEl.children[start] || null;
    while (holder.firstChild) rowsEl.insertBefore(holder.firstChild, before);
    if (stopAfter !== stopBefore || shifts.length) {
      for (var i = stop; i < pairs.length; i++) {
        var el = rowsEl.children[i];
        el.firstChild.textContent = i + 1;
        shifts.forEach(function (shift) {
          var list = pairs[i][shift.side];
          el.querySelectorAll(".cell." + shift.side + " .ref").forEach(function (ref, k) {
            ref.textContent = ref.textContent.replace(/\d+$/, String(list[k].position + 1));
          });
        });
      }
    }
    reindex();
    applyFilter();
  }

  // Rows not for translation count neither as done nor as to do.
  function updateProgress() {
    var reviewed = 0, excluded = 0;
    for (var i = 0; i < pairs.length; i++) {
      if (pairs[i].status === "confirmed" || pairs[i].status === "edited") reviewed++;
      else if (pairs[i].status === "excluded") excluded++;
    }
    var toReview = pairs.length - excluded;
    var share = toReview ? reviewed / toReview : pairs.length ? 1 : 0;
    var bar = document.getElementById("progress-bar");
    bar.max = toReview || 1;
    bar.value = toReview ? reviewed : pairs.length ? 1 : 0;
    document.getElementById("progress-text").textContent =
      "Reviewed " + reviewed + " / " + toReview + " (" + Math.floor(share * 100) + "%)" +
      (excluded ? " · " + excluded + " not for translation" : "");
    showConfidence();
    document.getElementById("undo-button").disabled = !counts.undo;
    document.getElementById("redo-button").disabled = !counts.redo;
    drawMap();
  }

  // --- confidence: the errors to expect among the unconfirmed rows -----------------------

  // How likely a row is wrong: 1 − confidence (a row without a score counts as wrong),
  // as the server's `expected_errors` counts it.
  function doubt(p) {
    return p.score === null || p.score === undefined ? 1 : 1 - p.score;
  }

  function threshold() {
    var x = Number(String(thresholdEl.value).replace(",", "."));
    return thresholdEl.value !== "" && x >= 0 && x <= 1 ? x : null;
  }

  // What "confirm everything above X" would do: the rows it confirms, the errors among them.
  function aboveThreshold(x) {
    var rows = 0, errors = 0;
    pairs.forEach(function (p) {
      if (p.status === "auto" && p.score !== null && p.score !== undefined && p.score >= x) {
        rows++;
        errors += doubt(p);
      }
    });
    return { rows: rows, errors: errors };
  }

  function showConfidence() {
    var left = 0, errors = 0;
    pairs.forEach(function (p) { if (p.status === "auto") { left++; errors += doubt(p); } });
    document.getElementById("expected-errors").textContent = left
      ? "≈ " + errors.toFixed(1) + " wrong among " + left + " unconfirmed" : "Nothing left to confirm";
    var x = threshold(), button = document.getElementById("confirm-above-button");
    if (x === null) {
      button.textContent = "✓";
      button.title = "Type a threshold between 0 and 1 first";
      return;
    }
    var above = aboveThreshold(x);
    button.textContent = "✓ " + above.rows + " rows, expecting about " + above.errors.toFixed(1) +
      " errors";
    button.title = "Confirm everything above " + x.toFixed(2) + ": " + above.rows +
      " unconfirmed rows, expecting about " + above.errors.toFixed(1) + " errors among them " +
      "(Shift+A; one Ctrl+Z undoes it)";
  }

  function confirmAbove() {
    var x = threshold();
    if (x === null) { say("Type a threshold between 0 and 1 first (for example 0.9).", true); return; }
    if (!aboveThreshold(x).rows) {
      say("No unconfirmed row scores " + x.toFixed(2) + " or more.", true);
      return;
    }
    return send("/confirm-above", { threshold: x }).then(function (done) {
      if (done) say(done.summary + ". Ctrl+Z undoes it.");
    });
  }

  function showRealignToggle() {
    realignToggle.setAttribute("aria-pressed", realignOn ? "true" : "false");
    realignToggle.textContent = "⟳ After corrections: " + (realignOn ? "on" : "off");
  }

  function toggleRealign() {
    realignOn = !realignOn;
    writeSetting(REALIGN_KEY, realignOn ? "on" : "off");
    showRealignToggle();
    say(realignOn ? "Each correction now re-aligns the unconfirmed rows around it (r turns it off)."
      : "Corrections no longer re-align the rows around them (r turns it on again).");
  }

  // Send a correction; with re-alignment on, the server then re-aligns its neighbours, in
  // the same undo step, and names the rows that changed so that the page can flag them.
  function correct(path, body) {
    return send(path, Object.assign({}, body || {}, realignOn ? { realign: true } : {}));
  }

  function flagRealigned(ids) {
    ids.forEach(function (id) {
      var i = index.get(id);
      if (i === undefined) return;
      var el = rowEl(i);
      el.classList.remove("realigned");
      void el.offsetWidth;
      el.classList.add("realigned");
      setTimeout(function () { el.classList.remove("realigned"); }, 2600);
    });
  }

  // --- selection and navigation ---------------------------------------------------

  function visible(i) {
    var el = rowEl(i);
    return el && !el.classList.contains("hidden");
  }

  function select(i, options) {
    options = options || {};
    if (!pairs.length) return;
    i = Math.max(0, Math.min(pairs.length - 1, i));
    var old = rowsEl.querySelector(".row.current");
    if (old) old.classList.remove("current", "side-source", "side-target");
    cur = i;
    var el = rowEl(i);
    el.classList.add("current", "side-" + side);
    if (options.scroll !== false) scrollToRow(i, options.top);
    drawMap();
  }

  function scrollToRow(i, top) {
    var el = rowEl(i);
    var box = rowsEl.getBoundingClientRect();
    var r = el.getBoundingClientRect();
    if (top) {
      rowsEl.scrollTop += r.top - box.top - box.height * 0.25;
    } else if (r.top < box.top + 4 || r.bottom > box.bottom - 4) {
      el.scrollIntoView({ block: r.top < box.top ? "start" : "end" });
      if (r.top >= box.top) rowsEl.scrollTop += 0;
    }
  }

  function setSide(s) {
    side = s;
    select(cur, { scroll: false });
  }

  function move(step) {
    for (var i = cur + step; i >= 0 && i < pairs.length; i += step) {
      if (visible(i)) { select(i); return; }
    }
  }

  function findFrom(step, test, wrapMessage) {
    var n = pairs.length;
    for (var k = 1; k <= n; k++) {
      var i = ((cur + step * k) % n + n) % n;
      if (test(pairs[i], i)) {
        if ((step > 0 && i <= cur) || (step < 0 && i >= cur)) say(wrapMessage || "Wrapped around.");
        reveal(i);
        select(i, { top: true });
        flash(i);
        return true;
      }
    }
    return false;
  }

  function nextUnconfirmed(step) {
    if (!findFrom(step, function (p) { return p.status === "auto"; })) {
      say("Every row is reviewed.");
    }
  }

  // The unconfirmed row to look at first, in the server's order (least confident first;
  // every change's answer brings it up to date); pressed again there, the next one.
  var lastLeastId = null;
  function leastConfident() {
    var order = [];
    reviewOrder.forEach(function (id) {
      var i = index.get(id);
      if (i !== undefined && pairs[i].status === "auto") order.push(i);
    });
    if (!order.length) { say("Every row is reviewed."); return; }
    // pressed again on the row it chose: the translator skips it, so go one further
    var at = pairs[cur].id === lastLeastId ? order.indexOf(cur) : -1;
    var next = order[(at + 1) % order.length];
    lastLeastId = pairs[next].id;
    reveal(next);
    select(next, { top: true });
    flash(next);
    var s = pairs[next].score;
    say("Least confident unconfirmed: row " + (next + 1) + " (score " +
        (s === null || s === undefined ? "none" : s.toFixed(2)) + ")");
  }

  function flash(i) {
    var el = rowEl(i);
    el.classList.remove("flash");
    void el.offsetWidth;
    el.classList.add("flash");
  }

  function normalise(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function search(step) {
    var query = normalise(searchEl.value.trim());
    if (!query) return;
    var found = findFrom(step, function (p) {
      return p.source.concat(p.target).some(function (s) {
        return normalise(s.text).indexOf(query) >= 0;
      });
    }, "Search wrapped around.");
    if (!found) say("No row contains “" + searchEl.value.trim() + "”.", true);
    else say("Row " + (cur + 1) + " matches “" + searchEl.value.trim() + "”.");
  }

  function matchesFilter(p) {
    if (filter === "unconfirmed") return p.status === "auto";
    if (filter === "non11") return p.source.length !== 1 || p.target.length !== 1;
    if (filter === "low") {
      return p.status !== "excluded" && (p.score === null || p.score === undefined || p.score < LOW);
    }
    return true;
  }

  function applyFilter() {
    rowsEl.classList.toggle("filtered", filter !== "all");
    if (filter === "all") {
      rowsEl.querySelectorAll(".row.hidden").forEach(function (el) { el.classList.remove("hidden"); });
      return;
    }
    for (var i = 0; i < pairs.length; i++) {
      rowEl(i).classList.toggle("hidden", !matchesFilter(pairs[i]));
    }
  }

  function setFilter(value) {
    filter = value;
    filterEl.value = value;
    applyFilter();
    if (!visible(cur)) move(1);
    var shown = rowsEl.querySelectorAll(".row:not(.hidden)").length;
    say(value === "all" ? "Showing every row." : "Showing " + shown + " of " + pairs.length + " rows.");
  }

  // A row the filter hides is about to be selected: show every row again.
  function reveal(i) {
    if (!visible(i)) setFilter("all");
  }

  function gotoRow(n) {
    if (!(n >= 1 && n <= pairs.length)) { say("There is no row " + n + ".", true); return; }
    reveal(n - 1);
    select(n - 1, { top: true });
    flash(n - 1);
  }

  // --- talking to the server -------------------------------------------------------

  var messageTimer = null;
  function say(text, isError) {
    messageEl.textContent = text;
    messageEl.classList.toggle("error", !!isError);
    clearTimeout(messageTimer);
    if (!isError) messageTimer = setTimeout(function () { messageEl.textContent = ""; }, 6000);
  }

  // The translator's name goes in a write's JSON body (`user`), which takes any letter; an
  // X-Workbench-User header would make fetch throw on a name outside Latin-1. With an
  // account signed in, nothing is sent: the server records the account.
  function request(method, path, body) {
    var name = window.workbenchSignedIn() ? "" : window.workbenchUser().slice(0, 200);
    if (method !== "GET" && name) body = Object.assign({ user: name }, body || {});
    return fetch(path, {
      method: method,
      headers: { "Content-Type": "application/json",
                 "X-CSRF-Token": window.workbenchCsrfToken() },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  // Keys (and clicks) arriving while an edit is on its way wait for it, then run in order.
  function queueOrRun(run) {
    if (!busy && !pendingKeys.length) { run(); return; }
    if (pendingKeys.length < 50) pendingKeys.push(run);
    if (!busy) drainKeys();
  }

  function drainKeys() {
    while (!busy && pendingKeys.length) {
      if (editing) { pendingKeys = []; return; }  // typed before the editor opened: dropped
      pendingKeys.shift()();
    }
  }

  // Send one edit; on success patch the rows it changed, on a conflict reload.
  function send(path, body) {
    if (busy) return Promise.resolve(null);
    busy = true;
    document.body.classList.add("busy");
    body = Object.assign({ version: version }, body || {});
    return request("POST", api + path, body).then(function (answer) {
      if (answer.status === 409) {
        var typed = body.text !== undefined ? { path: path, text: body.text } : null;
        return reload().then(function () {
          if (typed) { textConflict(typed, answer.data); return null; }
          say(answer.data.message + " Reloaded.", true);
          return null;
        });
      }
      if (answer.status !== 200) {
        say(answer.data.message || "The server refused the edit (" + answer.status + ").", true);
        return null;
      }
      applyChange(answer.data);
      if (answer.data.realigned) flagRealigned(answer.data.realigned);
      refreshMapAfter(answer.data.op);
      var nag = !window.workbenchUser() && !askedForName;
      askedForName = askedForName || nag;
      say(answer.data.summary + (nag ? " (put your name at the top right: it goes with each change)" : ""));
      return answer.data;
    }).catch(function (error) {
      say("Could not reach the server: " + error.message, true);
      return null;
    }).finally(function () {
      busy = false;
      document.body.classList.remove("busy");
      setTimeout(drainKeys, 0);  // after the caller's own follow-up (e.g. moving on)
    });
  }

  function applyChange(change) {
    if (change.links) clearRange();  // rows moved: the range no longer means the same rows
    version = change.version;
    if (change.review_order) reviewOrder = change.review_order;
    counts.undo = change.undo;
    counts.redo = change.redo;
    var span = change.links;
    if (span) {
      var keepId = pairs[cur] && pairs[cur].id;
      change.shifts.forEach(function (shift) {
        pairs.forEach(function (p, i) {
          if (i >= span.start && i < span.stop_before) return;
          p[shift.side].forEach(function (s) {
            if (s.position >= shift.from) s.position += shift.delta;
          });
        });
      });
      Array.prototype.splice.apply(pairs, [span.start, span.stop_before - span.start].concat(change.pairs));
      patchRows(span.start, span.stop_before, span.stop_after, change.shifts);
      var target = change.focus_link !== null && index.has(change.focus_link)
        ? index.get(change.focus_link)
        : (index.has(keepId) ? index.get(keepId) : span.start);
      select(target);
    }
    if (change.scores && change.scores.length) applyScores(change.scores);
    if (change.statuses.length) applyStatuses(change);
    updateProgress();
  }

  // Rows a re-alignment only re-scored (outside the rows it reshaped): new score, same row.
  function applyScores(rows) {
    rows.forEach(function (row) {
      var i = index.get(row.id);
      if (i === undefined) return;
      var pair = pairs[i];
      pair.score = row.score;
      var el = rowEl(i);
      el.classList.remove("high", "mid", "low", "none");
      el.classList.add(level(pair));
      el.style.setProperty("--conf", rowColour(pair));
      el.querySelector(".score").textContent = pair.score === null || pair.score === undefined ||
        pair.status === "excluded" ? "–" : pair.score.toFixed(2);
    });
    applyFilter();
  }

  // Only the review status of some rows changed: update them where they stand.
  function applyStatuses(change) {
    change.statuses.forEach(function (row) {
      var i = index.get(row.id);
      if (i === undefined) return;
      var pair = pairs[i];
      pair.status = row.status;
      pair.updated = row.updated;
      pair.updated_by = row.updated_by;
      var el = rowEl(i);
      el.classList.remove.apply(el.classList, STATUS_CLASSES);
      el.classList.add(row.status);
      el.style.setProperty("--conf", rowColour(pair));
      var label = el.querySelector(".status");
      label.textContent = STATUS_LABEL[row.status];
      label.title = row.status + (row.updated_by ? " by " + row.updated_by : "");
    });
    applyFilter();
    var focus = change.focus_link !== null && index.has(change.focus_link)
      ? index.get(change.focus_link) : cur;
    select(focus);
  }

  function reload() {
    return request("GET", api + "/state.json").then(function (answer) {
      if (answer.status !== 200) { say("Could not reload the document.", true); return; }
      // an answer overtaken by an edit of this page's own: what the page shows is newer
      if (answer.data.document.version < version) return;
      var keepId = pairs[cur] && pairs[cur].id;
      state = answer.data;
      showFinished();
      pairs = state.pairs;
      version = state.document.version;
      counts = undoCounts(state);
      reviewOrder = state.review.review_order;
      reindex();
      if (index.has(keepId)) cur = index.get(keepId);
      clearRange();
      renderAll();
      select(cur, { top: true });
      refreshMapAfter("reload");
    });
  }

  // Someone else's edit: reload quietly when idle, so the page never shows stale rows for long.
  function poll() {
    if (busy || editing || document.hidden) return;
    request("GET", api + "/version.json").then(function (answer) {
      if (answer.status !== 200 || answer.data.version <= version || busy || editing) return;
      var last = answer.data.last_change;
      reload().then(function () {
        if (last) say(changeNews(last));
      });
    }).catch(function () { /* offline for a moment: try again later */ });
  }

  // What a colleague's latest change was, an undo included (never a silent one).
  function changeNews(last) {
    if (last.state === "undone" && last.undone_by) {
      return "Updated: " + last.undone_by + " undid " +
        (last.undone_by === last.user ? "their" : last.user + "’s") + " change: " + last.summary;
    }
    return "Updated with " + last.user + "’s change: " + last.summary;
  }

  // Undo one change of the history, whoever made it (the history's Undo buttons).
  function undoChange(seq) {
    if (state.document.finished) { say(finishedText() + ": reopen it to edit.", true); return; }
    return send("/undo", { seq: seq });
  }

  // --- finished documents: locked against edits until reopened -------------------------

  function finishedText() {
    var doc = state.document;
    return "Finished " + doc.finished.replace("T", " ").slice(0, 16) +
      (doc.finished_by ? " by " + doc.finished_by : "");
  }

  function showFinished() {
    var box = document.getElementById("finished-state");
    var finished = !!state.document.finished;
    box.hidden = !finished;
    if (finished) document.getElementById("finished-text").textContent = "⚑ " + finishedText();
    document.getElementById("finish-button").hidden = finished;
    document.querySelector(".editor").classList.toggle("finished", finished);
  }

  function setFinished(path) {
    return request("POST", api + path, { version: version }).then(function (answer) {
      if (answer.status !== 200) {
        say(answer.data.message || "The server refused (" + answer.status + ").", true);
        if (answer.status === 409) reload();
        return;
      }
      version = answer.data.version;
      state.document.finished = answer.data.finished;
      state.document.finished_by = answer.data.finished_by;
      showFinished();
      say(answer.data.finished ? "Marked finished: every edit is refused until it is reopened."
        : "Reopened: the document can be edited again.");
    });
  }

  // --- ranges of rows: Shift+click, Shift+↓/↑ (J/K); c or u marks them all in one step ---

  var rangeAnchor = null;  // where the range started; it ends at the current row

  function rangeBounds() {
    if (rangeAnchor === null || rangeAnchor === cur || rangeAnchor >= pairs.length) return null;
    return [Math.min(rangeAnchor, cur), Math.max(rangeAnchor, cur)];
  }

  function paintRange() {
    rowsEl.querySelectorAll(".row.in-range").forEach(function (el) { el.classList.remove("in-range"); });
    var bounds = rangeBounds();
    if (!bounds) return;
    for (var i = bounds[0]; i <= bounds[1]; i++) rowEl(i).classList.add("in-range");
    say("Rows " + (bounds[0] + 1) + "–" + (bounds[1] + 1) + " selected (" +
        (bounds[1] - bounds[0] + 1) + "): u marks them not for translation, c confirms them, " +
        "Esc lets go.");
  }

  function extendRangeTo(i) {
    if (rangeAnchor === null) rangeAnchor = cur;
    select(i);
    paintRange();
  }

  function extendRange(step) {
    extendRangeTo(Math.max(0, Math.min(pairs.length - 1, cur + step)));
  }

  function clearRange(announce) {
    var had = rangeBounds();
    rangeAnchor = null;
    paintRange();
    if (announce && had) say("Range let go.");
  }

  // Every row of the range gets `status`; if they all have it already, back to automatic.
  function markRange(status) {
    var bounds = rangeBounds();
    var all = true;
    for (var i = bounds[0]; i <= bounds[1]; i++) if (pairs[i].status !== status) all = false;
    return send("/range-status", {
      first: pairs[bounds[0]].id, last: pairs[bounds[1]].id, status: all ? "auto" : status,
    }).then(function (done) { if (done) clearRange(); });
  }

  // --- operations -------------------------------------------------------------------

  function current() { return pairs[cur]; }

  var actions = {
    "confirm": function () {
      if (rangeBounds()) return markRange("confirmed");
      var p = current();
      var status = p.status === "confirmed" ? "auto" : "confirmed";
      return send("/links/" + p.id + "/status", { status: status }).then(function (done) {
        if (done && status === "confirmed") move(1);
      });
    },
    "exclude": function () {
      if (rangeBounds()) return markRange("excluded");
      var p = current();
      return send("/links/" + p.id + "/status",
                  { status: p.status === "excluded" ? "auto" : "excluded" });
    },
    "confirm-through": function () { return send("/links/" + current().id + "/confirm-through"); },
    "merge-up": function () { return correct("/links/" + current().id + "/merge", { direction: "up" }); },
    "merge-down": function () { return correct("/links/" + current().id + "/merge", { direction: "down" }); },
    "split": function () { return correct("/links/" + current().id + "/split"); },
    "shift-up": function () {
      return correct("/links/" + current().id + "/shift", { side: side, direction: "up" });
    },
    "shift-down": function () {
      return correct("/links/" + current().id + "/shift", { side: side, direction: "down" });
    },
    "insert-empty": function () { return correct("/links/" + current().id + "/insert-empty", { side: side }); },
    "confirm-above": confirmAbove,
    "toggle-realign": toggleRealign,
    "edit": function () { startEdit(cur, side); },
    "undo": function () { return send("/undo"); },
    "redo": function () { return send("/redo"); },
    "realign": function () {
      say("Re-aligning the unconfirmed rows…");
      return send("/realign");
    },
    "prev-unconfirmed": function () { nextUnconfirmed(-1); },
    "next-unconfirmed": function () { nextUnconfirmed(1); },
    "least-confident": leastConfident,
    "history": showHistory,
    "finish": function () { return setFinished("/finish"); },
    "reopen": function () { return setFinished("/reopen"); },
    "history-close": function () { historyEl.hidden = true; rowsEl.focus(); },
    "help": function () { helpEl.hidden = false; helpEl.querySelector("button").focus(); },
    "help-close": function () { helpEl.hidden = true; rowsEl.focus(); },
  };

  function showHistory() {
    request("GET", api + "/history.json").then(function (answer) {
      if (answer.status !== 200) { say("Could not load the history.", true); return; }
      var body = document.getElementById("history-rows");
      body.innerHTML = answer.data.history.map(function (entry) {
        var state = entry.state === "undone" ? "undone" + (entry.undone_by ? " by " + entry.undone_by : "")
          : entry.state === "dropped" ? "replaced" : "";
        return '<tr class="' + entry.state + '" data-focus="' + (entry.focus_link || "") + '">' +
          "<td>" + esc(entry.time.replace("T", " ").replace("Z", "")) + "</td><td>" +
          esc(entry.user) + "</td><td>" + esc(entry.summary) + "</td><td>" + esc(state) +
          (entry.state === "done" ? ' <button type="button" data-undo-seq="' + entry.seq +
            '" title="Undo this change, whoever made it (refused if the same rows changed since)">' +
            "Undo</button>" : "") + "</td></tr>";
      }).join("") || '<tr><td colspan="4">No changes yet.</td></tr>';
      historyEl.hidden = false;
      historyEl.querySelector("button").focus();
    });
  }

  // --- editing text ---------------------------------------------------------------------

  // Put typed texts ([{id, text}], one row's sentences) back in an open editor: after a
  // conflict, a refusal or a failed request, nothing the translator typed is lost.
  function reopenTyped(typed) {
    var found = findSentence(typed[0].id);
    if (!found) return false;
    if (!editing || editing.row !== found.row || editing.side !== found.side) {
      startEdit(found.row, found.side, typed[0].id);
    }
    if (!editing) return false;
    typed.forEach(function (t) {
      var area = editorArea(t.id);
      if (area) { area.value = t.text; fit(area); }
    });
    var first = editorArea(typed[0].id);
    if (first) {
      first.focus();
      first.setSelectionRange(first.value.length, first.value.length);
    }
    return true;
  }

  function findSentence(id) {
    for (var i = 0; i < pairs.length; i++) {
      for (var k = 0; k < SIDES.length; k++) {
        if (pairs[i][SIDES[k]].some(function (sentence) { return sentence.id === id; })) {
          return { row: i, side: SIDES[k] };
        }
      }
    }
    return null;
  }

  function editorArea(id) {
    return editing && editing.cell.querySelector('.sentence-editor[data-sentence="' + id + '"] textarea');
  }

  // A save that did not go through (refused, server error, network down): the editor stays
  // open, or opens again, with the typed text in it and working keys.
  function keepEditing(typed) {
    if (!typed.length) return;
    // after a conflict the editor is open again: the row's other unsent texts go back in too
    if (!reopenTyped(typed)) {
      say("That sentence is no longer in the document. Your text was: " + typed[0].text, true);
    }
  }

  // --- text conflicts ----------------------------------------------------------------------

  // Someone saved this sentence since the page loaded it. The page has reloaded; reopen the
  // editor with the translator's text and, if the sentence itself changed, show theirs,
  // yours and the text both started from, to keep one, the other or a merge of both.
  function textConflict(typed, answer) {
    var id = Number(/sentences\/(\d+)\//.exec(typed.path)[1]);
    var conflict = answer.text_conflict || {};
    if (!reopenTyped([{ id: id, text: typed.text }])) {
      say(answer.message + " That sentence is gone (joined or split meanwhile). Your text was: " +
          typed.text, true);
      return;
    }
    if (!conflict.changed) {
      say(answer.message + " Your text is still in the editor: check it against " +
          "the latest version and press Enter to save it.", true);
      return;
    }
    showConflict(id, conflict);
    say((conflict.by || "Someone") + " changed this sentence while you were editing it. " +
        "Nothing of yours is saved yet: keep yours, take theirs, or edit a merged text and press Enter.",
        true);
  }

  function showConflict(id, conflict) {
    var box = editing.cell.querySelector('.sentence-editor[data-sentence="' + id + '"]');
    var old = box.querySelector(".text-conflict");
    if (old) old.remove();
    var panel = document.createElement("div");
    panel.className = "text-conflict";
    panel.setAttribute("role", "group");
    panel.setAttribute("aria-label", "Two versions of this sentence");
    var by = conflict.by ? esc(conflict.by) : "someone";
    var at = conflict.at ? " at " + esc(conflict.at.replace("T", " ").replace("Z", "")) : "";
    panel.innerHTML =
      '<div class="version theirs"><span class="label">Theirs, saved by ' + by + at +
      '</span><q>' + esc(conflict.theirs) + "</q></div>" +
      '<div class="version yours"><span class="label">Yours</span><q>' + esc(conflict.yours) +
      "</q></div>" +
      '<div class="version base"><span class="label">You both started from</span><q>' +
      esc(conflict.base) + "</q></div>" +
      '<div class="conflict-actions">' +
      '<button type="button" data-conflict="mine" title="Save your text over theirs (Alt+M)">Keep mine</button>' +
      '<button type="button" data-conflict="theirs" title="Close the editor on their text (Alt+T)">Take theirs</button>' +
      '<button type="button" data-conflict="merge" title="Start from their text, then press Enter (Alt+E)">Edit theirs</button>' +
      '<span class="hint">or edit a merged text below and press Enter</span></div>';
    panel.dataset.theirs = conflict.theirs;
    panel.dataset.yours = conflict.yours;
    box.insertBefore(panel, box.querySelector("textarea"));
  }

  // Alt+M keep mine, Alt+T take theirs, Alt+E edit theirs: the conflict's buttons, from the text box.
  // (by key position: on a Mac, Option+M types a character instead of "m")
  var CONFLICT_KEYS = { KeyM: "mine", KeyT: "theirs", KeyE: "merge" };
  rowsEl.addEventListener("keydown", function (event) {
    if (!editing || !event.altKey || event.ctrlKey || event.metaKey) return;
    var choice = CONFLICT_KEYS[event.code];
    var box = event.target.closest && event.target.closest(".sentence-editor");
    var button = choice && box && box.querySelector('.text-conflict [data-conflict="' + choice + '"]');
    if (!button) return;
    event.preventDefault();
    button.click();
  }, true);

  rowsEl.addEventListener("click", function (event) {
    var button = event.target.closest("[data-conflict]");
    if (!button || !editing) return;
    event.stopPropagation();
    var panel = button.closest(".text-conflict");
    var area = button.closest(".sentence-editor").querySelector("textarea");
    var choice = button.dataset.conflict;
    if (choice === "theirs") {
      cancelEdit();
      say("Kept their text; yours was not saved.");
      return;
    }
    area.value = choice === "mine" ? panel.dataset.yours : panel.dataset.theirs;
    fit(area);
    if (choice === "mine") { editCommand("save", area); return; }
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }, true);

  function startEdit(i, s, sentenceId) {
    if (editing) cancelEdit();
    var pair = pairs[i];
    if (!pair[s].length) { say("This side is empty: there is no text to edit here.", true); return; }
    side = s;
    select(i);
    var cell = rowEl(i).querySelector(".cell." + s);
    editing = { row: i, side: s, cell: cell };
    cell.classList.add("editing");
    cell.innerHTML = pair[s].map(function (sentence) {
      return '<div class="sentence-editor" data-sentence="' + sentence.id + '">' +
        '<span class="ref">' + (sentence.paragraph + 1) + "·" + (sentence.position + 1) + "</span>" +
        '<textarea rows="2" aria-label="' + SIDE_NAMES[s] + " sentence " + (sentence.position + 1) +
        '">' + esc(sentence.text) + "</textarea>" +
        '<div class="edit-actions">' +
        '<button type="button" data-edit="save" title="Enter">Save</button>' +
        '<button type="button" data-edit="split" title="Ctrl+Enter">Split at cursor</button>' +
        '<button type="button" data-edit="join" title="Ctrl+J">Join with next</button>' +
        '<button type="button" data-edit="cancel" title="Esc">Cancel</button></div></div>';
    }).join("");
    var areas = cell.querySelectorAll("textarea");
    areas.forEach(function (area) { fit(area); area.addEventListener("input", function () { fit(area); }); });
    var focusArea = areas[0];
    if (sentenceId) {
      var chosen = cell.querySelector('.sentence-editor[data-sentence="' + sentenceId + '"] textarea');
      if (chosen) focusArea = chosen;
    }
    focusArea.focus();
    focusArea.setSelectionRange(focusArea.value.length, focusArea.value.length);
  }

  function fit(area) {
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 2 + "px";
  }

  function cancelEdit() {
    if (!editing) return;
    var i = editing.row;
    editing = null;
    patchRows(i, i + 1, i + 1, []);
    select(i, { scroll: false });
    rowsEl.focus({ preventScroll: true });
  }

  function sentenceOf(area) {
    var id = Number(area.closest(".sentence-editor").dataset.sentence);
    var list = pairs[editing.row][editing.side];
    for (var k = 0; k < list.length; k++) if (list[k].id === id) return list[k];
    return null;
  }

  // Save every changed sentence of the cell, one edit each; resolves when all are done.
  function saveEdits() {
    var areas = Array.prototype.slice.call(editing.cell.querySelectorAll("textarea"));
    var changes = areas.map(function (area) {
      return { sentence: sentenceOf(area), text: area.value };
    }).filter(function (c) {
      return c.sentence && c.text.replace(/\s+/g, " ").trim() !== c.sentence.text;
    });
    var row = editing.row;
    editing = null;
    var chain = Promise.resolve(true);
    var unsent = changes.slice();
    changes.forEach(function (c) {
      chain = chain.then(function (ok) {
        if (!ok) return false;
        return saveText(c.sentence, c.text).then(function (done) {
          if (done) unsent.shift();
          return done;
        });
      });
    });
    return chain.then(function (ok) {
      if (!ok) keepEditing(unsent.map(function (c) { return { id: c.sentence.id, text: c.text }; }));
      if (!changes.length) { patchRows(row, row + 1, row + 1, []); select(row, { scroll: false }); }
      if (!editing) rowsEl.focus({ preventScroll: true });  // a conflict may reopen the editor
      return ok;
    });
  }

  // One sentence's new text, with the text the translator started from: if a colleague
  // saved that sentence meanwhile, the server's refusal shows both versions.
  function saveText(sentence, text) {
    return correct("/sentences/" + sentence.id + "/text", { text: text, base: sentence.text }).then(Boolean);
  }

  function editCommand(command, area) {
    if (!editing) return;
    if (command === "cancel") { cancelEdit(); return; }
    var sentence = sentenceOf(area);
    var offset = area.selectionStart;
    var text = area.value;
    if (command === "save") { saveEdits(); return; }
    if (command === "next") {
      var s = editing.side, row = editing.row;
      saveEdits().then(function (ok) {
        if (!ok) return;  // the editor stays where the text was refused
        for (var i = row + 1; i < pairs.length; i++) {
          if (pairs[i][s].length && visible(i)) { startEdit(i, s); return; }
        }
      });
      return;
    }
    editing = null;
    var first = Promise.resolve(true);
    if (text.replace(/\s+/g, " ").trim() !== sentence.text) {
      // split where the cursor is in the corrected text
      first = saveText(sentence, text);
    }
    var typed = [{ id: sentence.id, text: text }];
    first.then(function (ok) {
      if (!ok) { keepEditing(typed); return null; }
      if (command === "split") {
        var head = text.slice(0, offset).replace(/\s+/g, " ").replace(/^\s+/, "");
        return correct("/sentences/" + sentence.id + "/split", { offset: head.length }).then(function (done) {
          if (!done) keepEditing(typed);
        });
      } else if (command === "join") {
        return correct("/sentences/" + sentence.id + "/join").then(function (done) {
          if (!done) keepEditing(typed);
        });
      }
      return null;
    }).then(function () { if (!editing) rowsEl.focus({ preventScroll: true }); });
  }

  rowsEl.addEventListener("keydown", function (event) {
    var area = event.target.closest && event.target.closest("textarea");
    if (!area) return;
    event.stopPropagation();
    if (event.key === "Escape") { event.preventDefault(); editCommand("cancel", area); }
    else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault(); editCommand("split", area);
    } else if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault(); editCommand("save", area);
    } else if ((event.key === "j" || event.key === "J") && (event.ctrlKey || event.metaKey)) {
      event.preventDefault(); editCommand("join", area);
    } else if (event.key === "Tab" && !event.shiftKey) {
      var areas = editing.cell.querySelectorAll("textarea");
      if (area === areas[areas.length - 1]) { event.preventDefault(); editCommand("next", area); }
    }
  }, true);

  // --- overview map ---------------------------------------------------------------------

  function loadMap() {
    request("GET", api + "/map.json").then(function (answer) {
      if (answer.status === 200) { mapGrid = answer.data; mapCache = null; drawMap(); }
    }).catch(function () { /* offline for a moment: the map is fetched again after the next edit */ });
  }

  // The map's matrix compares sentences: fetch it again when their text or number may have
  // changed (a text edit, a split or join, an undo or redo, a re-align, a colleague's change).
  // Many edits in a row cost one fetch, once they are done.
  var MAP_CHANGING = ["edit_text", "split_sentence", "join_sentences", "realign", "undo", "redo",
                      "reload"];
  var mapRefresh = null;
  function refreshMapAfter(op) {
    if (!canvas || MAP_CHANGING.indexOf(op) < 0) return;
    clearTimeout(mapRefresh);
    mapRefresh = setTimeout(function () { mapRefresh = null; loadMap(); }, 400);
  }

  var mapCache = null, mapPending = null;
  // Drawn once per frame at most, however many changes asked for it.
  function drawMap() {
    if (!canvas || mapPending) return;
    mapPending = requestAnimationFrame(function () { mapPending = null; drawMapNow(); });
  }

  function drawMapNow() {
    var width = canvas.clientWidth, height = canvas.clientHeight;
    if (!width || !height) return;
    var ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    var nS = 0, nT = 0;
    pairs.forEach(function (p) { nS += p.source.length; nT += p.target.length; });
    if (!pairs.length) return;
    mapByRows = !nS || !nT;  // one side empty (an unmatched part): the strip alone, by rows
    var strip = 10, plotW = width - strip - 2;
    var sy = height / mapUnitsBefore(pairs.length), sx = plotW / Math.max(nT, 1);
    if (mapGrid && mapGrid.cells && !mapByRows) {
      if (!mapCache) {
        var off = document.createElement("canvas");
        off.width = mapGrid.cols; off.height = mapGrid.rows;
        var octx = off.getContext("2d");
        var image = octx.createImageData(mapGrid.cols, mapGrid.rows);
        for (var c = 0; c < mapGrid.cells.length; c++) {
          var v = mapGrid.cells[c] / 255;
          var ink = Math.round(255 - 255 * Math.pow(Math.max(0, (v - 0.15) / 0.85), 2));
          image.data[4 * c] = ink; image.data[4 * c + 1] = ink;
          image.data[4 * c + 2] = Math.min(255, ink + 20); image.data[4 * c + 3] = 255;
        }
        octx.putImageData(image, 0, 0);
        mapCache = off;
      }
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(mapCache, strip + 2, 0, plotW, height);
    }
    // the path, and a strip at the left that marks unconfirmed and low-confidence stretches
    var s = 0, t = 0, thin = [];
    ctx.lineWidth = 2;
    pairs.forEach(function (p) {
      var y0 = s * sy, y1 = (s + mapUnits(p)) * sy;
      var x0 = strip + 2 + t * sx, x1 = strip + 2 + (t + p.target.length) * sx;
      var colour = p.status === "confirmed" ? "#2f8a4c" : p.status === "edited" ? "#2458a6"
        : p.status === "excluded" ? EXCLUDED_COLOUR
        : level(p) === "low" || level(p) === "none" ? "#d0342c" : "#e0a100";
      if (!mapByRows) {
        ctx.strokeStyle = colour;
        ctx.beginPath();
        ctx.moveTo(x0, y0);
        ctx.lineTo(Math.max(x1, x0 + 0.5), Math.max(y1, y0 + 0.5));
        ctx.stroke();
      }
      ctx.fillStyle = colour;
      ctx.fillRect(0, y0, strip, y1 - y0);
      if (y1 - y0 < MIN_STRIP_PX) thin.push({ y: (y0 + y1) / 2, colour: colour, rank: STRIP_RANK[colour] || 0, i: thin.length });
      s += mapUnits(p); t += p.target.length;
    });
    // rows too thin to see (a 0-1 row has no French height) drawn again at a visible height,
    // the ones that need a look (low, then unconfirmed) last, on top
    thin.sort(function (a, b) { return a.rank - b.rank || a.i - b.i; });
    thin.forEach(function (row) {
      ctx.fillStyle = row.colour;
      ctx.fillRect(0, Math.max(0, Math.min(height - MIN_STRIP_PX, row.y - MIN_STRIP_PX / 2)),
                   strip, MIN_STRIP_PX);
    });
    // where the view is, and the current row
    var first = firstVisibleRow(), last = lastVisibleRow();
    var top = mapUnitsBefore(first) * sy, bottom = mapUnitsBefore(last + 1) * sy;
    ctx.fillStyle = "rgba(36, 88, 166, 0.12)";
    ctx.fillRect(0, top, width, Math.max(bottom - top, 2));
    ctx.strokeStyle = "#2458a6";
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, top + 0.5, width - 1, Math.max(bottom - top, 2));
  }

  // The map's vertical axis counts French sentences, or rows in a one-sided document.
  var MIN_STRIP_PX = 3, mapByRows = false;
  var STRIP_RANK = { "#e0a100": 1, "#d0342c": 2 };
  function mapUnits(p) { return mapByRows ? 1 : p.source.length; }

  function mapUnitsBefore(i) {
    var n = 0;
    for (var k = 0; k < i && k < pairs.length; k++) n += mapUnits(pairs[k]);
    return n;
  }

  function rowAtY(y) {
    var box = rowsEl.getBoundingClientRect();
    var el = document.elementFromPoint(box.left + 40, y);
    var row = el && el.closest && el.closest(".row");
    return row ? index.get(Number(row.dataset.link)) : null;
  }

  function firstVisibleRow() {
    var box = rowsEl.getBoundingClientRect();
    var i = rowAtY(box.top + 2);
    return i === null || i === undefined ? cur : i;
  }

  function lastVisibleRow() {
    var box = rowsEl.getBoundingClientRect();
    var i = rowAtY(box.bottom - 2);
    return i === null || i === undefined ? Math.min(pairs.length - 1, firstVisibleRow() + 10) : i;
  }

  if (canvas) {
    canvas.addEventListener("click", function (event) {
      var box = canvas.getBoundingClientRect();
      var wanted = (event.clientY - box.top) / box.height * mapUnitsBefore(pairs.length);
      var seen = 0;
      for (var i = 0; i < pairs.length; i++) {
        seen += mapUnits(pairs[i]);
        if (seen > wanted) break;
      }
      i = Math.min(i, pairs.length - 1);
      if (!visible(i)) setFilter("all");
      select(i, { top: true });
      flash(i);
    });
    var scrollTimer = null;
    rowsEl.addEventListener("scroll", function () {
      if (scrollTimer) return;
      scrollTimer = setTimeout(function () { scrollTimer = null; drawMap(); }, 30);
    });
    window.addEventListener("resize", function () { drawMap(); });
  }

  // --- mouse and keyboard -------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (button && !ready) return;
    if (button) {
      event.preventDefault();
      if (editing && button.dataset.action !== "help") cancelEdit();
      var name = button.dataset.action;
      if (!actions[name]) return;
      queueOrRun(function () { runAction(name); });
      return;
    }
    var editButton = event.target.closest("[data-edit]");
    if (editButton && editing) {
      var area = editButton.closest(".sentence-editor").querySelector("textarea");
      editCommand(editButton.dataset.edit, area);
      return;
    }
    if (event.target === helpEl) { actions["help-close"](); return; }
    if (event.target === historyEl) { actions["history-close"](); return; }
    var undoButton = event.target.closest("[data-undo-seq]");
    if (undoButton) {
      var seq = Number(undoButton.dataset.undoSeq);
      actions["history-close"]();
      queueOrRun(function () { undoChange(seq); });
      return;
    }
    var entry = event.target.closest("#history-rows tr[data-focus]");
    if (entry) {
      var id = Number(entry.dataset.focus);
      actions["history-close"]();
      if (id && index.has(id)) {
        var i = index.get(id);
        if (!visible(i)) setFilter("all");
        select(i, { top: true });
        flash(i);
      } else if (id) {
        say("That row is no longer in the document.");
      }
      return;
    }
    var row = event.target.closest(".row");
    if (row && !event.target.closest(".editing")) {
      var cell = event.target.closest(".cell");
      if (cell) side = cell.dataset.side;
      var clicked = index.get(Number(row.dataset.link));
      if (event.shiftKey) { extendRangeTo(clicked); } else { clearRange(); }
      select(clicked, { scroll: false });
      rowsEl.focus({ preventScroll: true });
    }
  });

  // Shift+click selects rows, not the text between two clicks.
  rowsEl.addEventListener("mousedown", function (event) {
    if (event.shiftKey && event.target.closest(".row") && !event.target.closest(".editing")) {
      event.preventDefault();
    }
  });

  rowsEl.addEventListener("dblclick", function (event) {
    var cell = event.target.closest(".cell");
    if (!cell || cell.classList.contains("editing")) return;
    if (state.document.finished) { say(finishedText() + ": reopen it to edit.", true); return; }
    var row = cell.closest(".row");
    var sentence = event.target.closest(".s");
    startEdit(index.get(Number(row.dataset.link)), cell.dataset.side,
              sentence ? Number(sentence.dataset.sentence) : null);
  });

  searchEl.addEventListener("keydown", function (event) {
    event.stopPropagation();
    if (event.key === "Enter") { event.preventDefault(); search(event.shiftKey ? -1 : 1); }
    if (event.key === "Escape") { searchEl.blur(); rowsEl.focus({ preventScroll: true }); }
  });
  gotoEl.addEventListener("keydown", function (event) {
    event.stopPropagation();
    if (event.key === "Enter") {
      event.preventDefault();
      gotoRow(Number(gotoEl.value));
      gotoEl.value = "";
      rowsEl.focus({ preventScroll: true });
    }
    if (event.key === "Escape") { gotoEl.value = ""; rowsEl.focus({ preventScroll: true }); }
  });
  filterEl.addEventListener("change", function () {
    setFilter(filterEl.value);
    rowsEl.focus({ preventScroll: true });
  });
  filterEl.addEventListener("keydown", function (event) { event.stopPropagation(); });
  thresholdEl.value = readSetting(THRESHOLD_KEY) || thresholdEl.value;
  thresholdEl.addEventListener("input", function () {
    if (threshold() !== null) writeSetting(THRESHOLD_KEY, thresholdEl.value);
    showConfidence();
  });
  thresholdEl.addEventListener("keydown", function (event) {
    event.stopPropagation();
    if (event.key === "Enter") {
      event.preventDefault();
      rowsEl.focus({ preventScroll: true });
      queueOrRun(function () { runAction("confirm-above"); });
    }
    if (event.key === "Escape") rowsEl.focus({ preventScroll: true });
  });

  function act(name) { return function () { runAction(name); }; }

  var KEYS = {
    "ArrowDown": function () { move(1); }, "j": function () { move(1); },
    "ArrowUp": function () { move(-1); }, "k": function () { move(-1); },
    "ArrowLeft": function () { setSide("source"); }, "ArrowRight": function () { setSide("target"); },
    "c": act("confirm"), " ": act("confirm"), "s": act("confirm"), "C": act("confirm-through"),
    "m": act("merge-down"), "M": act("merge-up"), "x": act("split"),
    "i": act("insert-empty"), "e": act("edit"), "F2": act("edit"),
    "n": act("next-unconfirmed"), "p": act("prev-unconfirmed"),
    "l": act("least-confident"), "R": act("realign"), "?": act("help"),
    "r": act("toggle-realign"), "A": act("confirm-above"),
    "t": function () { thresholdEl.focus(); thresholdEl.select(); },
    "h": act("history"),
    "g": function () { gotoEl.focus(); }, "/": function () { searchEl.focus(); searchEl.select(); },
    "f": function () { setFilter(FILTERS[(FILTERS.indexOf(filter) + 1) % FILTERS.length]); },
    "Home": function () { select(0); }, "End": function () { select(pairs.length - 1); },
    "J": function () { extendRange(1); }, "K": function () { extendRange(-1); },
    "u": act("exclude"), "Escape": function () { clearRange(true); },
  };
  var RANGE_KEYS = {
    "ArrowDown": function () { extendRange(1); }, "ArrowUp": function () { extendRange(-1); },
  };

  document.addEventListener("keydown", function (event) {
    if (!ready) return;
    if (!helpEl.hidden) {
      if (event.key === "Escape" || event.key === "?") { event.preventDefault(); actions["help-close"](); }
      return;
    }
    if (!historyEl.hidden) {
      if (event.key === "Escape" || event.key === "h") { event.preventDefault(); actions["history-close"](); }
      return;
    }
    var tag = event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || editing) return;
    // Space and Enter on a focused button or menu press it, as anywhere else
    if ((event.key === " " || event.key === "Enter") && (tag === "BUTTON" || tag === "SUMMARY")) return;
    var ctrl = event.ctrlKey || event.metaKey;
    var run = null;
    if (ctrl) {
      var key = event.key.toLowerCase();
      if (key === "z" && !event.shiftKey) run = act("undo");
      else if (key === "y" || (key === "z" && event.shiftKey)) run = act("redo");
      else if (event.key === "ArrowUp") run = act("shift-up");
      else if (event.key === "ArrowDown") run = act("shift-down");
      else if (event.key === "Backspace") run = act("merge-up");
      else if (event.key === "Enter") run = act("insert-empty");
    } else if (event.shiftKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      run = RANGE_KEYS[event.key];
    } else if (!event.altKey) {
      run = KEYS[event.key];
    }
    if (!run) return;
    event.preventDefault();
    // keys pressed while an edit is on its way run after it, in order: none is lost
    queueOrRun(run);
  });

  // --- start ----------------------------------------------------------------------------

  function linkFromUrl() {
    var match = /^#link-(\d+)$/.exec(location.hash);
    var id = match ? Number(match[1]) : Number(new URLSearchParams(location.search).get("link"));
    return id && index.has(id) ? index.get(id) : null;
  }

  var ready = false;
  showFinished();
  showRealignToggle();
  renderInTwoSteps(function () {
    ready = true;
    performance.mark("all-rows-rendered");
    var wanted = linkFromUrl();
    if (wanted !== null) {
      select(wanted, { top: true });
      flash(wanted);
    } else if (location.hash || new URLSearchParams(location.search).get("link")) {
      say("That pair is no longer in this document (it may have been merged or re-aligned).", true);
    }
    rowsEl.focus({ preventScroll: true });
    document.body.classList.add("ready");
    loadMap();
  });
  performance.mark("rows-rendered");
  window.addEventListener("hashchange", function () {
    var i = linkFromUrl();
    if (i !== null) { select(i, { top: true }); flash(i); }
  });
  setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
})();
