/* Coordinators' board: one card per open mission, kept current from the board stream. */
(function () {
  "use strict";
  const L = window.EcmoLive, cfg = L.config(), h = L.h;
  const board = document.getElementById("board");
  const missions = new Map();   // id -> summary (docs/realtime.md)
  const logs = new Map();       // id -> recent events, newest first
  const closedAt = new Map();   // id -> when it reached a terminal status
  const terminal = new Set(cfg.terminal || []);
  const KEEP_CLOSED_MS = 60000;

  const MODES = { road: "Road", helicopter: "Helicopter" };

  /* The team's way out (recommended mode, km, min) and, while travelling, the expected arrival. */
  function travelText(t) {
    const out = t && t.outbound;
    const e = out && out.recommended && out.estimates ? out.estimates[out.recommended] : null;
    if (!e) return "Travel estimate unavailable";
    const km = e.distance_km === null ? "?" : Math.round(e.distance_km);
    const min = e.duration_min === null ? "?" : Math.round(e.duration_min);
    let text = `Team out by ${MODES[out.recommended] || out.recommended}: ${km} km · ${min} min`;
    if (t.expected_arrival) {
      const at = new Date(t.expected_arrival).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      text += ` · expected arrival ${at}` + (t.expected_arrival_basis === "position" ? " (from position)" : "");
    }
    return text;
  }

  function referralText(r) {
    if (!r) return "No structured referral";
    const scores = Object.entries(r.scores || {})
      .map(([name, s]) => `${name.toUpperCase()} ${s.score === null ? "?" : s.score}${s.risk_class ? " (" + s.risk_class + ")" : ""}`);
    const parts = [scores.join(" · ") || "No score"];
    if (r.eolia) parts.push("EOLIA " + r.eolia.replace("_", " "));
    parts.push(r.missing_count ? `${r.missing_count} missing for decision` : "complete");
    if ((r.absolute_contraindications || []).length) parts.push("ABSOLUTE CONTRAINDICATION");
    return parts.join(" · ");
  }

  function card(m) {
    const coverage = h("ul", { class: "coverage" });
    for (const role of m.required_roles) {
      const c = (m.coverage || {})[role] || { state: "not_paged", member: null };
      coverage.append(h("li", { class: "role state-" + c.state, "data-role": role, "data-state": c.state },
        (cfg.roleLabels || {})[role] || role, ": ", c.member || c.state.replace("_", " ")));
    }
    const log = h("ol", { class: "log" });
    for (const e of logs.get(m.id) || []) {
      log.append(h("li", { "data-sequence": e.sequence },
        new Date(e.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), " ",
        e.to_status ? ((cfg.statusLabels || {})[e.to_status] || e.to_status) : e.kind,
        e.actor ? " · " + e.actor : ""));
    }
    return h("article", { class: "mission-card" + (terminal.has(m.status) ? " closed" : ""), "data-mission-id": m.id, "data-status": m.status, "data-code": m.code },
      h("header", {}, h("a", { class: "code", href: m.url }, m.code), " ", h("span", { class: "badge support-" + m.support }, m.support_label)),
      h("div", { class: "hospital" }, m.referring_hospital.name, " → ", m.receiving_centre.name),
      h("div", { class: "phase" }, h("span", { class: "status" }, m.status_label), " ",
        h("span", { class: "phase-duration", "data-since": m.status_changed_at })),
      h("div", { class: "requested muted" }, "Requested ", h("span", { class: "since-request", "data-since": m.requested_at }), " ago"),
      coverage,
      h("div", { class: "travel", "data-expected-arrival": m.travel && m.travel.expected_arrival }, travelText(m.travel)),
      h("div", { class: "referral" + (m.referral && m.referral.missing_count ? " incomplete" : "") }, referralText(m.referral)),
      log);
  }

  function render() {
    const ids = [...missions.keys()].sort((a, b) => Date.parse(missions.get(a).requested_at) - Date.parse(missions.get(b).requested_at));
    board.replaceChildren(...ids.map((id) => card(missions.get(id))));
    document.getElementById("board-empty").hidden = ids.length > 0;
    document.getElementById("mission-count").textContent = ids.length ? `(${ids.length})` : "";
    tick();
  }

  function tick() {
    const now = L.now();
    for (const el of board.querySelectorAll("[data-since]")) {
      el.textContent = L.duration(now - Date.parse(el.dataset.since));
    }
    for (const el of board.querySelectorAll(".mission-card")) {
      const m = missions.get(Number(el.dataset.missionId));
      if (!m) continue;
      const limit = (cfg.expectedMinutes || {})[m.status];
      const overdue = !!limit && !terminal.has(m.status) && now - Date.parse(m.status_changed_at) > limit * 60000;
      el.classList.toggle("overdue", overdue);
      el.dataset.overdue = overdue ? "true" : "false";
    }
    for (const [id, at] of closedAt) {
      if (Date.now() - at > KEEP_CLOSED_MS) { closedAt.delete(id); missions.delete(id); logs.delete(id); render(); return; }
    }
  }

  L.stream({
    path: cfg.stream,
    after: null,
    onSnapshot(msg) {
      missions.clear();
      for (const m of msg.missions) missions.set(m.id, m);
      render();
    },
    onEvent(msg) {
      const m = msg.mission;
      if (m) {
        missions.set(m.id, m);
        if (terminal.has(m.status) && !closedAt.has(m.id)) closedAt.set(m.id, Date.now());
      }
      const log = logs.get(msg.mission_id) || [];
      log.unshift(msg);
      logs.set(msg.mission_id, log.slice(0, 6));
      render();
    },
  });
  setInterval(tick, 1000);
})();
