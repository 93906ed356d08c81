/* Live stream client shared by the pages: reconnects with backoff and resumes by sequence.
   Wire format: docs/realtime.md. Exposes window.EcmoLive. */
(function () {
  "use strict";

  function config() {
    const el = document.getElementById("live-config");
    return el ? JSON.parse(el.textContent) : {};
  }

  /* Words: gettext() of Django's JavaScript catalogue (/jsi18n/, which base.html loads before the
     page scripts), called by name so that `makemessages -d djangojs` finds them. */

  /* The indicator's words, translated by the page (pages._live_config "connection"), else here. */
  const WORDS = Object.assign({
    connecting: gettext("Connecting…"), reconnecting: gettext("Reconnecting…"), live: gettext("Live"),
    loggedOut: gettext("Logged out"), noAccess: gettext("No access"), offlineRetry: gettext("Offline — retry in {s} s"),
    reconnectRetry: gettext("Reconnecting — retry in {s} s"),
  }, config().connection || {});
  WORDS.offline = gettext("Offline: no network");
  WORDS.quiet = gettext("No news from the server — checking…");

  /* The connection pill says only what is true now; pages hear every change ("ecmo:connection"). */
  function indicator(state, text) {
    const el = document.getElementById("connection");
    if (el) {
      el.dataset.state = state;
      el.querySelector(".conn-text").textContent = text;
    }
    document.dispatchEvent(new CustomEvent("ecmo:connection", { detail: { state: state, text: text } }));
  }

  let serverOffsetMs = 0;
  function now() { return Date.now() + serverOffsetMs; }
  function syncClock(iso) { if (iso) serverOffsetMs = Date.parse(iso) - Date.now(); }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /* Random key for Idempotency-Key; crypto.randomUUID needs a secure context, getRandomValues does not. */
  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k.startsWith("data-")) el.setAttribute(k, v);
      else if (k === "text") el.textContent = v;
      else el.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function duration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return hh ? `${hh} h ${pad(mm)} min` : `${mm}:${pad(ss)}`;
  }

  /**
   * Open a stream. opts: path, after (sequence the page already has, or null), onSnapshot(msg),
   * onEvent(msg), onOpen(). The server sends a snapshot on every connect; when the page already
   * had a position it also asks for a replay of the events after it ("resume").
   */
  function stream(opts) {
    const cfg = config();
    const initialMs = cfg.reconnectInitialMs || 1000;
    const maxMs = cfg.reconnectMaxMs || 30000;
    const staleMs = cfg.staleMs || 60000;
    // "Live" only while the socket is open and the server spoke recently (heartbeats come every
    // REALTIME_CATCH_UP_SECONDS); after half the stale limit of silence the pill says so.
    const quietMs = cfg.quietMs || Math.round(staleMs / 2);
    let ws = null, attempt = 0, timer = null, after = opts.after ?? null, resuming = false, lastHeard = Date.now();
    let closed = false;
    const seen = new Set();

    function connect() {
      clearTimeout(timer);
      timer = null;
      if (navigator.onLine === false) indicator("offline", WORDS.offline);
      else indicator(attempt ? "reconnecting" : "connecting", attempt ? WORDS.reconnecting : WORDS.connecting);
      ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + opts.path);
      ws.onopen = () => {
        attempt = 0;
        lastHeard = Date.now();
        indicator("live", WORDS.live);
        if (after !== null) {
          resuming = true;
          ws.send(JSON.stringify({ type: "resume", after: after }));
        }
        if (opts.onOpen) opts.onOpen();
      };
      ws.onmessage = (e) => {
        lastHeard = Date.now();
        const msg = JSON.parse(e.data);
        if (msg.type === "snapshot") {
          syncClock(msg.server_time);
          // On connect during a resume, the replay that follows fills the events in between.
          if (msg.reason !== "connect") { after = msg.sequence; resuming = false; }  // replay replaced by snapshot
          else if (!resuming) after = Math.max(after ?? 0, msg.sequence);
          opts.onSnapshot && opts.onSnapshot(msg);
        } else if (msg.type === "mission.event") {
          after = Math.max(after ?? 0, msg.sequence);
          if (seen.has(msg.sequence)) return;
          seen.add(msg.sequence);
          if (seen.size > 5000) seen.clear();
          opts.onEvent && opts.onEvent(msg);
        } else if (msg.type === "resumed") {
          after = Math.max(after ?? 0, msg.sequence);
          resuming = false;
        } else if (msg.type === "heartbeat") {
          syncClock(msg.server_time);
          if (!resuming) after = Math.max(after ?? 0, msg.sequence);
        }
      };
      ws.onclose = (e) => {
        ws = null;
        resuming = false;
        if (closed) return;
        if (e.code === 4401) {
          indicator("denied", WORDS.loggedOut);
          location.href = "/login/?next=" + encodeURIComponent(location.pathname);
          return;
        }
        if (e.code === 4403) { indicator("denied", WORDS.noAccess); return; }
        schedule();
      };
    }

    function schedule() {
      if (timer) return;
      const base = Math.min(maxMs, initialMs * Math.pow(2, attempt));
      const delay = Math.round(base * (0.8 + Math.random() * 0.4));
      attempt += 1;
      const seconds = String(Math.ceil(delay / 1000));
      indicator(navigator.onLine === false ? "offline" : "reconnecting",
        (navigator.onLine === false ? WORDS.offlineRetry : WORDS.reconnectRetry).replace("{s}", seconds));
      timer = setTimeout(connect, delay);
    }

    /* Give up on the socket at once (a dead network may never finish the closing handshake). */
    function drop() {
      const old = ws;
      ws = null;
      resuming = false;
      if (old) { old.onclose = null; old.onmessage = null; old.onopen = null; old.close(); }
      if (!closed) schedule();
    }

    function online() { if (!ws && !closed) { attempt = 0; connect(); } }
    // The network is gone: an open socket may not notice for minutes, so stop trusting it now.
    function offline() { if (!closed) drop(); }
    /* Every second: a socket that went silent is first "quiet", then dead even if the browser has
       not noticed; without network it is never "live". */
    function check() {
      if (!ws || ws.readyState !== 1) return;
      const silent = Date.now() - lastHeard;
      if (navigator.onLine === false || silent > staleMs) drop();
      else if (silent > quietMs) indicator("reconnecting", WORDS.quiet);
      else if (document.getElementById("connection")?.dataset.state !== "live") indicator("live", WORDS.live);
    }
    window.addEventListener("online", online);
    window.addEventListener("offline", offline);
    const checker = setInterval(check, 1000);
    connect();
    return {
      position: () => after,
      close: () => {
        closed = true;
        window.removeEventListener("online", online);
        window.removeEventListener("offline", offline);
        clearInterval(checker);
        clearTimeout(timer);
        if (ws) { ws.onclose = null; ws.close(); ws = null; }
      },
    };
  }

  /* Put `nodes` in `box` unless it already shows exactly that. A redraw with nothing new must
     leave the buttons under a thumb alone: a tap whose press and release land on two different
     elements is no click, so a button replaced mid-tap loses the tap. Returns whether it changed. */
  function show(box, nodes) {
    const scratch = document.createElement("div");
    scratch.replaceChildren(...nodes);
    if (scratch.innerHTML === box.innerHTML) return false;
    box.replaceChildren(...scratch.childNodes);
    return true;
  }

  /* A role's paging state as a sign beside its words (never colour alone); one set for every page. */
  const COVERAGE_SIGNS = Object.freeze({ accepted: "✓", covered_by_phone: "☎", paging: "◔", declined: "✗", uncovered: "⚠", withdrawn: "–", not_paged: "○" });
  function coverageSign(state) { return COVERAGE_SIGNS[state] || "•"; }

  window.EcmoLive = { config, stream, indicator, words: WORDS, now, syncClock, csrfToken, newKey, h, show, duration, coverageSign };
})();
