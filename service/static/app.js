// The labelling page: plain JS, no build step, nothing loaded from elsewhere.
//
// Keys (outside text fields): j/k or arrows move, m/t/b set the role (main, teaser,
// boilerplate), 1-9 the topic (the legend's order), u undoes the last change, s saves the
// changed blocks (POST /v1/labels) and re-segments to show the stored corrections, w withdraws
// the current block's stored correction (DELETE /v1/labels/<id>). A withdrawn correction leaves
// the correction memory at once, but a version retrained with it keeps it until the next
// retrain: the block's row and the versions table say which versions still carry it.
// A whole saved web page pasted in is sent as the page (`html`): its blocks are those the HTML
// front end reads (each row's tooltip is its element's path), and its corrections are stored
// with the page, so that a retrain adapts to the page's markup.
//
// Security: every piece of text from the user or the server is put in the page with
// textContent, never parsed as markup; the token lives in sessionStorage only and travels in the
// Authorization header, never in a URL. The page's CSP forbids inline script and style.
"use strict";

(() => {
  const TOKEN_KEY = "newssift.token";
  const ROLE_KEYS = new Map([["m", "main"], ["t", "teaser"], ["b", "boilerplate"]]);
  const FALLBACK_TOPICS = ["conflict", "politics", "culture", "legal", "business", "sport",
    "science-tech", "health", "other"];
  const POLL_MS = 500;
  const CORRECTION_WAIT_MS = 5000;  // a worker's correction memory reloads within its interval

  const state = {
    text: null,          // the exact text the blocks belong to
    site: null,
    segments: [],
    article: null,
    model: null,
    edits: new Map(),    // block index -> {role?, topic?}: the unsaved changes
    history: [],         // {index, before}: what undo restores
    cursor: 0,
    withdrawn: new Map(), // block index -> {id, versions}: corrections of this text withdrawn here
    topics: FALLBACK_TOPICS,
    queueDoc: null,      // the queued document on screen, if any
    busy: false,
    discardArmed: false,
    jobTimer: null,
  };

  const $ = (id) => document.getElementById(id);

  // A whole HTML document, as the server tells one from a text (classifier/html.py,
  // looks_like_html): a doctype or an <html>, <head> or <body> tag first, in its first 4 KB.
  const PAGE_START = /^[\s\ufeff]*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i;
  const isPage = (text) => PAGE_START.test(text.slice(0, 4096));
  // What a request sends for the text on screen: the page itself, or the text.
  const source = (text) => (isPage(text) ? { html: text } : { text });

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function say(text, kind) {
    const box = $("message");
    box.textContent = text;
    box.className = kind || "";
  }

  // ---- the API ---------------------------------------------------------------------------

  const token = () => sessionStorage.getItem(TOKEN_KEY) || "";

  async function api(method, path, body, auth) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth && token()) headers.Authorization = "Bearer " + token();
    let res;
    try {
      res = await fetch(path, {
        method, headers, cache: "no-store", credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      return { status: 0, body: null, code: "network", error: "cannot reach the server: " + err.message };
    }
    let data = null;
    if ((res.headers.get("Content-Type") || "").startsWith("application/json")) {
      try { data = await res.json(); } catch (_err) { data = null; }
    } else {
      data = await res.text();
    }
    const err = data && typeof data === "object" && data.error ? data.error : null;
    let error = null;
    if (!res.ok) {
      error = err ? err.message : "HTTP " + res.status;
      if (res.status === 401) error += " (enter the API token above)";
    }
    return { status: res.status, body: data, code: err ? err.code : null, error };
  }

  // ---- the token ---------------------------------------------------------------------------

  function showTokenState() {
    $("token-state").textContent = token() ? "token set for this tab" : "no token";
  }

  function useToken() {
    const value = $("token").value.trim();
    if (!value) { say("Type the API token first.", "error"); return; }
    sessionStorage.setItem(TOKEN_KEY, value);
    $("token").value = "";
    showTokenState();
    say("Token kept for this tab only.", "ok");
    refreshCounts();
  }

  function forgetToken() {
    sessionStorage.removeItem(TOKEN_KEY);
    showTokenState();
    say("Token forgotten.", "ok");
  }

  // ---- blocks ----------------------------------------------------------------------------

  // The topic a block has when no topic is set by hand: the server's, except that a block
  // made boilerplate has none (a boilerplate block has no topic).
  function baseTopic(seg, e) {
    return e.role === "boilerplate" ? null : seg.topic;
  }

  function effective(seg) {
    const e = state.edits.get(seg.index) || {};
    return { role: "role" in e ? e.role : seg.role, topic: "topic" in e ? e.topic : baseTopic(seg, e) };
  }

  function buildRow(seg) {
    const eff = effective(seg);
    const row = el("div", "block role-" + eff.role);
    row.id = "block-" + seg.index;
    row.setAttribute("role", "option");
    row.dataset.index = String(seg.index);
    row.dataset.role = eff.role;
    row.dataset.topic = eff.topic || "";
    if (seg.path) row.title = seg.path;  // a page's block: where it sits in the page
    const mark = el("span", "mark");
    if (seg.correction) {
      row.classList.add("corrected");
      row.dataset.correction = seg.correction.match;
      const badge = el("span", "corrected", "\u2713 corrected");
      // the id comes only with the token (without one the server sends null)
      badge.title = "stored correction" + (seg.correction.id == null ? "" : " #" + seg.correction.id) +
        " (" + seg.correction.match + " match)";
      mark.append(badge);
    }
    if (state.edits.has(seg.index)) {
      row.classList.add("edited");
      mark.append(" ", el("span", "edited", "edited"));
    }
    if (seg.index === state.cursor) {
      row.classList.add("current");
      row.setAttribute("aria-selected", "true");
    }
    row.append(el("span", "idx", seg.index), el("span", "role", eff.role),
      el("span", "score", Number(seg.role_score).toFixed(2)), el("span", "topic", eff.topic || "\u2014"),
      mark, el("span", "text", seg.text));
    const gone = state.withdrawn.get(seg.index);
    if (gone && !seg.correction) {
      row.classList.add("withdrawn");
      mark.append(" ", el("span", "withdrawn", "withdrawn"));
      row.append(el("span", "note", withdrawnText(gone)));
    }
    row.addEventListener("click", () => { moveTo(seg.index); $("blocks").focus(); });
    return row;
  }

  function renderBlocks() {
    $("blocks").replaceChildren(...state.segments.map(buildRow));
    scrollToCursor();
    renderSummary();
    updateControls();
  }

  function renderRow(index) {
    const old = $("block-" + index);
    if (old) old.replaceWith(buildRow(state.segments[index]));
    updateControls();
  }

  function renderSummary() {
    const a = state.article;
    if (!a) { $("summary").textContent = ""; return; }
    const corrected = state.segments.filter((s) => s.correction).length;
    const topic = a.topic ? a.topic + " (" + Number(a.topic_score).toFixed(2) + ")" : "none";
    $("summary").textContent = "model " + state.model + " \u00b7 article topic " + topic + " \u00b7 " +
      a.n_blocks + " blocks: " + a.n_main + " main, " + a.n_teaser + " teaser, " + a.n_boilerplate +
      " boilerplate \u00b7 " + corrected + " corrected";
  }

  function withdrawnText(gone) {
    return "correction #" + gone.id + " withdrawn" + (gone.versions.length
      ? "; still in version" + (gone.versions.length === 1 ? " " : "s ") + gone.versions.join(", ") +
        ": retrain to drop it"
      : "; no version was trained with it");
  }

  function updateControls() {
    const n = state.edits.size;
    const seg = state.segments[state.cursor];
    $("withdraw").disabled = !(seg && seg.correction && seg.correction.id != null) || state.busy;
    $("save").disabled = n === 0 || state.busy;
    $("undo").disabled = state.history.length === 0;
    $("changes").textContent = n ? n + " unsaved change" + (n === 1 ? "" : "s") : "";
    $("skip").disabled = !state.queueDoc;
  }

  function scrollToCursor() {
    const row = $("block-" + state.cursor);
    if (row) row.scrollIntoView({ block: "nearest" });
  }

  function moveTo(index) {
    if (!state.segments.length) return;
    const next = Math.max(0, Math.min(state.segments.length - 1, index));
    const before = state.cursor;
    state.cursor = next;
    if (before !== next) renderRow(before);
    renderRow(next);
    scrollToCursor();
  }

  function needBlocks() {
    if (state.segments.length) return true;
    say("Segment a text first.", "error");
    return false;
  }

  function change(patch) {
    if (!needBlocks() || state.busy) return;
    const seg = state.segments[state.cursor];
    const eff = effective(seg);
    const key = Object.keys(patch)[0];
    if (eff[key] === patch[key]) return;  // nothing changes
    const before = state.edits.get(seg.index);
    const next = Object.assign({}, before, patch);
    if (next.role === seg.role) delete next.role;  // back to what the server says
    if ("topic" in next && next.topic === baseTopic(seg, next)) delete next.topic;
    state.history.push({ index: seg.index, before });
    if (Object.keys(next).length) state.edits.set(seg.index, next);
    else state.edits.delete(seg.index);
    state.discardArmed = false;
    renderRow(seg.index);
  }

  function setTopic(n) {
    if (n >= state.topics.length) { say("No topic on key " + (n + 1) + ".", "error"); return; }
    change({ topic: state.topics[n] });
  }

  function undo() {
    const last = state.history.pop();
    if (!last) { say("Nothing to undo.", ""); updateControls(); return; }
    if (last.before === undefined) state.edits.delete(last.index);
    else state.edits.set(last.index, last.before);
    moveTo(last.index);
    renderRow(last.index);
  }

  // ---- segmenting and saving -------------------------------------------------------------

  async function requestSegments(text, site) {
    const body = source(text);
    if (site) body.site = site;
    return api("POST", "/v1/segment", body, true);  // the token: which correction labelled a block
  }

  function show(text, site, r, keepCursor) {
    if (text !== state.text || site !== state.site) state.withdrawn.clear();
    state.text = text;
    state.site = site;
    state.segments = r.body.segments;
    state.article = r.body.article;
    state.model = r.body.model;
    state.edits.clear();
    state.history = [];
    state.discardArmed = false;
    if (!keepCursor || state.cursor >= state.segments.length) state.cursor = 0;
    renderBlocks();
  }

  async function segmentText(text, site) {
    if (!text.trim()) {
      say("Paste a text first (one block per non-empty line) or a saved web page.", "error");
      return false;
    }
    const r = await requestSegments(text, site);
    if (r.status !== 200) { say("Cannot segment: " + r.error, "error"); return false; }
    show(text, site, r, false);
    say(state.segments.length + " blocks. Move with j/k, set m/t/b or 1-9, save with s.", "ok");
    $("blocks").focus();
    return true;
  }

  function unsavedGuard() {
    if (!state.edits.size || state.discardArmed) return true;
    state.discardArmed = true;
    say(state.edits.size + " unsaved change(s): save with s, or press the button again to discard them.",
      "error");
    return false;
  }

  async function onSegment() {
    if (!unsavedGuard()) return;
    const value = $("text").value;
    const site = $("site").value.trim() || null;
    let text = value;
    const q = state.queueDoc;
    // A textarea turns CRLF into LF: keep the queued text itself so its labels find it.
    if (q && value === q.text.replace(/\r\n?/g, "\n")) text = q.text;
    else setQueueDoc(null);
    await segmentText(text, site);
  }

  async function save() {
    if (!needBlocks() || state.busy) return;
    if (!state.edits.size) { say("No changes to save.", ""); return; }
    const labels = [...state.edits.entries()].sort((a, b) => a[0] - b[0])
      .map(([index, e]) => Object.assign({ index }, e));
    const body = Object.assign(source(state.text), { labels, who: "labelling page" });
    if (state.site) body.site = state.site;
    state.busy = true;
    updateControls();
    try {
      const r = await api("POST", "/v1/labels", body, true);
      if (r.status !== 201) {
        say("Not saved: " + r.error, "error");  // the edits stay on screen
        return;
      }
      const saved = labels.map((l) => l.index);
      saved.forEach((i) => state.withdrawn.delete(i));
      say("Saved " + r.body.stored + " correction(s). Re-segmenting\u2026", "ok");
      const shown = await resegmentUntil((segs) => saved.every((i) => segs[i] && segs[i].correction));
      say("Saved " + r.body.stored + " correction(s)" +
        (shown ? "; the blocks now carry them." : "; not applied yet, segment again shortly."), "ok");
      if (state.queueDoc) {
        $("queue-doc").textContent = "queue #" + state.queueDoc.id + " labelled";
        setQueueDoc(null, true);
      }
      refreshCounts();
    } finally {
      state.busy = false;
      updateControls();
    }
  }

  // Segment the text again until ``done(segments)`` (every worker's correction memory has
  // caught up), or the wait is over.
  async function resegmentUntil(done) {
    const deadline = Date.now() + CORRECTION_WAIT_MS;
    for (;;) {
      const r = await requestSegments(state.text, state.site);
      if (r.status !== 200) { say("Stored, but cannot segment again: " + r.error, "error"); return false; }
      if (done(r.body.segments) || Date.now() > deadline) {
        show(state.text, state.site, r, true);
        return done(r.body.segments);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function withdrawCorrection() {
    if (!needBlocks() || state.busy) return;
    const index = state.cursor;
    const correction = state.segments[index].correction;
    if (!correction) { say("Block " + index + " has no stored correction to withdraw.", "error"); return; }
    if (correction.id == null) {  // segmented without the token: the server names no correction
      say("Enter the API token above to withdraw a correction.", "error"); return;
    }
    state.busy = true;
    updateControls();
    try {
      const r = await api("DELETE", "/v1/labels/" + encodeURIComponent(correction.id), undefined, true);
      if (r.status !== 200) { say("Not withdrawn: " + r.error, "error"); return; }
      const gone = { id: r.body.withdrawn, versions: r.body.still_in_versions || [] };
      state.withdrawn.set(index, gone);
      await resegmentUntil((segs) => !segs[index] || !segs[index].correction ||
        segs[index].correction.id !== gone.id);
      say(withdrawnText(gone).replace(/^c/, "C") + ".", gone.versions.length ? "error" : "ok");
      await refreshModels();
    } finally {
      state.busy = false;
      updateControls();
    }
  }

  // ---- the queue -------------------------------------------------------------------------

  function setQueueDoc(doc, keepLabel) {
    state.queueDoc = doc;
    if (!keepLabel) {
      $("queue-doc").textContent = doc ? "queue #" + doc.id + " \u00b7 uncertainty " +
        Number(doc.uncertainty).toFixed(3) + (doc.external_id !== null ? " \u00b7 id " + doc.external_id : "") : "";
    }
    updateControls();
  }

  async function nextFromQueue() {
    if (!unsavedGuard()) return;
    const r = await api("GET", "/v1/documents/next", undefined, true);
    if (r.status === 404 && r.code === "queue_empty") {
      setQueueDoc(null);
      say("The queue is empty.", "");
      refreshCounts();
      return;
    }
    if (r.status !== 200) { say("Cannot take the next document: " + r.error, "error"); return; }
    const doc = r.body;
    $("text").value = doc.text;
    $("site").value = doc.site || "";
    setQueueDoc(doc);
    state.edits.clear();
    if (await segmentText(doc.text, doc.site || null)) {
      say("Queued document #" + doc.id + " (uncertainty " + Number(doc.uncertainty).toFixed(3) + ").", "ok");
    }
    refreshCounts();
  }

  async function skipDocument() {
    const doc = state.queueDoc;
    if (!doc) return;
    const r = await api("POST", "/v1/documents/" + encodeURIComponent(doc.id) + "/skip", undefined, true);
    if (r.status !== 200) { say("Cannot skip: " + r.error, "error"); return; }
    setQueueDoc(null);
    state.edits.clear();
    state.history = [];
    say("Skipped #" + doc.id + ".", "ok");
    await nextFromQueue();
  }

  async function refreshCounts() {
    if (!token()) { $("queue-counts").textContent = ""; return; }
    const r = await api("GET", "/v1/documents", undefined, true);
    if (r.status === 401) { $("queue-counts").textContent = "token refused"; return; }
    if (r.status !== 200) return;
    const c = r.body;
    $("queue-counts").textContent = "queue: " + c.pending + " pending \u00b7 " + c.done + " done \u00b7 " +
      c.skipped + " skipped";
  }

  // ---- topics ------------------------------------------------------------------------------

  async function refreshTopics() {
    const r = await api("GET", "/v1/topics", undefined, false);
    if (r.status === 200 && Array.isArray(r.body.topics) && r.body.topics.length) state.topics = r.body.topics;
    const items = state.topics.slice(0, 9).map((t, n) => {
      const li = el("li");
      li.append(el("kbd", null, n + 1), " ", t);
      return li;
    });
    if (state.topics.length > 9) items.push(el("li", "muted", "no key: " + state.topics.slice(9).join(", ")));
    $("topic-legend").replaceChildren(...items);
  }

  // ---- retraining and model versions ---------------------------------------------------------

  function showJob(job) {
    $("job").hidden = false;
    $("retrain-progress").value = Math.max(0, Math.min(1, Number(job.progress) || 0));
    $("retrain-stage").textContent = "job #" + job.id + " \u00b7 " + job.stage +
      " \u00b7 " + Math.round((Number(job.progress) || 0) * 100) + "%";
    const status = $("retrain-status");
    status.className = job.status;
    status.dataset.status = job.status;
    let text = job.status;
    if (job.status === "running") text = "running\u2026";
    else if (job.status === "promoted") text = "promoted: " + job.version + " is now active";
    else if (job.status === "rejected") text = "rejected by the gate: " + (job.version || "the new model") +
      " is kept but not active";
    else if (job.status === "failed") text = "failed";
    if (job.reason) text += " \u2014 " + job.reason;
    status.textContent = text;
    $("retrain-log").textContent = (job.log_tail || []).join("\n");
  }

  async function startRetrain() {
    const note = $("retrain-note").value.trim();
    const body = { mode: $("retrain-mode").value };
    if (note) body.note = note;
    const r = await api("POST", "/v1/retrain", body, true);
    if (r.status !== 202) { say("Cannot start a retrain: " + r.error, "error"); return; }
    say("Retrain job #" + r.body.id + " started.", "ok");
    $("retrain").disabled = true;
    showJob(r.body);
    pollJob(r.body.id);
  }

  function pollJob(id) {
    clearTimeout(state.jobTimer);
    state.jobTimer = setTimeout(async () => {
      const r = await api("GET", "/v1/retrain/" + encodeURIComponent(id), undefined, true);
      if (r.status !== 200) {
        say("Cannot read job #" + id + ": " + r.error, "error");
        $("retrain").disabled = false;
        return;
      }
      showJob(r.body);
      if (r.body.status === "running") { pollJob(id); return; }
      $("retrain").disabled = false;
      say("Retrain job #" + id + " " + r.body.status + ".", r.body.status === "promoted" ? "ok" : "error");
      await refreshModels();
      await refreshTopics();
    }, POLL_MS);
  }

  function renderModels(listing) {
    $("models-serving").textContent = "active " + (listing.active || "none") +
      (listing.serving && listing.serving !== listing.active ? " \u00b7 this worker still serves " +
        listing.serving : "");
    const rows = listing.models.slice().reverse().map((m) => {
      const tr = el("tr", m.active ? "active" : "");
      tr.dataset.version = m.version;
      const button = el("button", "activate", m.active ? "active" : "activate");
      button.type = "button";
      button.disabled = m.active;
      button.addEventListener("click", () => activate(m.version));
      const action = el("td", "action");
      action.append(button);
      tr.append(el("td", "version", m.version), el("td", "status", m.status),
        el("td", "created", m.created || ""), trainedWith(m), el("td", "reason", m.reason || ""), action);
      return tr;
    });
    $("models").tBodies[0].replaceChildren(...rows);
  }

  // How many corrections a version was trained with, and those withdrawn since (it still has them).
  function trainedWith(m) {
    const td = el("td", "labels", m.labels === null || m.labels === undefined ? "\u2014" :
      m.labels + " correction" + (m.labels === 1 ? "" : "s"));
    const gone = m.withdrawn_labels || [];
    if (gone.length) {
      td.append(el("div", "warn", "withdrawn since: " + gone.map((id) => "#" + id).join(", ") +
        "; still in this version: retrain to drop " + (gone.length === 1 ? "it" : "them")));
    }
    return td;
  }

  async function refreshModels() {
    const r = await api("GET", "/v1/models", undefined, true);  // the token brings withdrawn label ids
    if (r.status !== 200) { say("Cannot list the models: " + r.error, "error"); return; }
    renderModels(r.body);
  }

  async function activate(version) {
    const r = await api("POST", "/v1/models/" + encodeURIComponent(version) + "/activate", undefined, true);
    if (r.status !== 200) { say("Cannot activate " + version + ": " + r.error, "error"); return; }
    renderModels(r.body);
    say(version + " is now the active model.", "ok");
    await refreshTopics();
  }

  // ---- keys ------------------------------------------------------------------------------

  function onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement ||
        t instanceof HTMLSelectElement || (t instanceof HTMLElement && t.isContentEditable)) return;
    const key = e.key;
    if (key === "j" || key === "ArrowDown") moveTo(state.cursor + 1);
    else if (key === "k" || key === "ArrowUp") moveTo(state.cursor - 1);
    else if (ROLE_KEYS.has(key)) change({ role: ROLE_KEYS.get(key) });
    else if (/^[1-9]$/.test(key)) setTopic(Number(key) - 1);
    else if (key === "u") undo();
    else if (key === "s") save();
    else if (key === "w") withdrawCorrection();
    else return;
    e.preventDefault();
  }

  function init() {
    $("token-use").addEventListener("click", useToken);
    $("token-forget").addEventListener("click", forgetToken);
    $("token").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); useToken(); } });
    $("segment").addEventListener("click", onSegment);
    $("next").addEventListener("click", nextFromQueue);
    $("skip").addEventListener("click", skipDocument);
    $("save").addEventListener("click", save);
    $("undo").addEventListener("click", undo);
    $("withdraw").addEventListener("click", withdrawCorrection);
    $("retrain").addEventListener("click", startRetrain);
    $("models-refresh").addEventListener("click", refreshModels);
    document.addEventListener("keydown", onKey);
    showTokenState();
    updateControls();
    refreshTopics();
    refreshModels();
    refreshCounts();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
