/* Team phone page. Every tap goes through an outbox in localStorage, each with its own
   Idempotency-Key, and is sent in order when the network allows: a tap made without signal is
   sent when it returns, and a tap whose answer was lost is re-sent with the same key, which the
   API answers with the first result instead of advancing twice. */
(function () {
  "use strict";
  const L = window.EcmoLive, cfg = L.config(), h = L.h;
  const OUTBOX = "ecmo.outbox." + cfg.userId;
  let mission = null, alerts = [], live = null, liveFor = null, flushing = false;
  // Bumped by every refresh and every answered tap: an older read must not overwrite a newer state.
  let epoch = 0;

  const outbox = {
    load() { try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; } },
    save(items) { localStorage.setItem(OUTBOX, JSON.stringify(items)); },
    push(item) { const items = outbox.load(); items.push(item); outbox.save(items); },
    drop(key) { outbox.save(outbox.load().filter((i) => i.key !== key)); },
  };

  async function getJson(url) {
    const res = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!res.ok) { const err = new Error("HTTP " + res.status); err.status = res.status; throw err; }
    return res.json();
  }

  /* The status the member sees: the server's, moved on by taps still waiting in the outbox. */
  function effectiveStatus() {
    if (!mission) return null;
    let status = mission.status;
    for (const item of outbox.load()) if (item.missionId === mission.id && item.to) status = item.to;
    return status;
  }

  function render() {
    const alertBox = document.getElementById("alerts");
    const pendingAlertKeys = new Set(outbox.load().filter((i) => i.alertId).map((i) => i.alertId));
    alertBox.replaceChildren(...alerts.filter((a) => !pendingAlertKeys.has(a.id)).map((a) =>
      h("article", { class: "card alert", "data-alert-id": a.id },
        h("h1", {}, a.mission_code, " · ", (cfg.roleLabels || {})[a.team_role] || a.team_role),
        h("p", {}, a.hospital, " · ", String(a.support).toUpperCase()),
        a.message ? h("p", { class: "note" }, a.message) : null,
        h("div", { class: "actions" },
          h("button", { type: "button", class: "big accept", "data-action": "accept" }, "Accept"),
          h("button", { type: "button", class: "big decline", "data-action": "decline" }, "Decline")))));

    const box = document.getElementById("my-mission");
    const status = effectiveStatus();
    box.hidden = !mission;
    document.getElementById("no-mission").hidden = !!mission || alerts.length > 0;
    if (mission) {
      document.getElementById("mm-code").textContent = mission.code;
      document.getElementById("mm-where").textContent = mission.referring_hospital.name + " → " + mission.receiving_centre.name;
      const statusEl = document.getElementById("mm-status");
      statusEl.textContent = (cfg.statusLabels || {})[status] || status;
      statusEl.dataset.status = status;
      document.getElementById("mm-link").href = "/missions/" + mission.id + "/";
      const next = (cfg.nextPhase || {})[status];
      const button = document.getElementById("next-phase");
      button.hidden = !next;
      if (next) { button.textContent = next.label; button.dataset.to = next.to; }
      document.getElementById("mm-wait").hidden = !!next || (cfg.terminal || []).includes(status);
    }
    const pending = outbox.load().length;
    const ob = document.getElementById("outbox");
    ob.hidden = pending === 0;
    ob.dataset.count = String(pending);
    ob.textContent = pending === 1 ? "1 tap waiting for signal — it will be sent automatically."
      : pending + " taps waiting for signal — they will be sent automatically.";
  }

  async function refresh() {
    const mine = ++epoch;
    try {
      const nextAlerts = await getJson("/api/v1/alerts/?open=true");
      const missions = await getJson("/api/v1/missions/?active=true");
      if (mine !== epoch) return;                            // a newer read or a tap answer came in meanwhile
      alerts = nextAlerts;
      mission = missions.find((m) => (m.team || []).some((t) => t.member_id === cfg.userId)) || null;
    } catch (e) {
      if (e.status === 403 || e.status === 401) location.href = "/login/?next=/team/";
      /* offline: keep what we have */
    }
    render();
    follow();
  }

  /* Live updates for the mission the member is on; the page also polls, so this is a bonus. */
  function follow() {
    const id = mission ? mission.id : null;
    if (id === liveFor) return;
    if (live) live.close();
    live = null;
    liveFor = id;
    if (id !== null) live = L.stream({ path: "/ws/missions/" + id + "/", after: null, onEvent: () => refresh() });
    else L.indicator(navigator.onLine === false ? "offline" : "live", navigator.onLine === false ? "Offline" : "Online");
  }

  async function flush() {
    if (flushing) return;
    flushing = true;
    let sent = 0;
    try {
      for (;;) {
        const item = outbox.load()[0];
        if (!item) break;
        let res;
        try {
          res = await fetch(item.url, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": L.csrfToken(), "Idempotency-Key": item.key },
            body: JSON.stringify(item.body),
          });
        } catch (e) { break; }                               // no network: try again later
        if (res.status >= 500 || res.status === 408 || res.status === 429 || res.status === 401) break;
        outbox.drop(item.key);                               // done, or refused for good (4xx)
        epoch += 1;
        sent += 1;
        if (!res.ok) {
          const body = await res.json().catch(() => ({}));
          // A 409 means someone else already moved the mission: drop our later taps for it too.
          if (res.status === 409 && item.missionId) outbox.save(outbox.load().filter((i) => i.missionId !== item.missionId));
          showMessage(body.detail || "Not sent: " + res.status);
        }
      }
    } finally {
      flushing = false;
      render();
      if (sent) refresh();
    }
  }

  function showMessage(text) {
    const box = document.getElementById("outbox");
    box.hidden = false;
    box.textContent = text;
  }

  function tapNextPhase(button) {
    const from = effectiveStatus();
    const next = (cfg.nextPhase || {})[from];
    if (!mission || !next) return;
    button.disabled = true;                                  // one tap, one phase
    setTimeout(() => { button.disabled = false; }, 800);
    outbox.push({
      key: L.newKey(), missionId: mission.id, to: next.to,
      url: "/api/v1/missions/" + mission.id + "/transitions/",
      body: { to: next.to, expected_status: from }, queuedAt: new Date().toISOString(),
    });
    render();
    flush();
  }

  function answerAlert(alertId, action) {
    outbox.push({ key: L.newKey(), alertId: alertId, url: "/api/v1/alerts/" + alertId + "/" + action + "/", body: {} });
    render();
    flush();
  }

  document.addEventListener("click", (e) => {
    const btn = e.target.closest("button");
    if (!btn) return;
    if (btn.id === "next-phase") tapNextPhase(btn);
    else if (btn.dataset.action) answerAlert(Number(btn.closest("[data-alert-id]").dataset.alertId), btn.dataset.action);
  });
  window.addEventListener("online", () => { flush(); refresh(); });
  setInterval(flush, 3000);
  setInterval(refresh, 10000);
  render();
  refresh().then(flush);
})();
