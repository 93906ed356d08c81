/* Coordinators' board: one card per open mission, kept current from the board stream. */
(function () {
  "use strict";
  const L = window.EcmoLive, cfg = L.config(), h = L.h;
  const T = cfg.texts || {};
  const board = document.getElementById("board");
  const missions = new Map();   // id -> summary (docs/realtime.md)
  const logs = new Map();       // id -> recent events, newest first
  const closedAt = new Map();   // id -> when it was closed (ended, or advice given)
  const closed = new Set(cfg.closed || cfg.terminal || []);
  const KEEP_CLOSED_MS = 60000;

  /* A translated text from the page (pages.page_texts), with {name} filled in. */
  function t(key, values) {
    let text = T[key] || key;
    for (const [k, v] of Object.entries(values || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
  }

  function modeLabel(mode) { return (cfg.transportModeLabels || {})[mode] || mode; }

  /* The team's way out (recommended mode, km, min) and, while travelling, the expected arrival;
     for a conventional transfer, when the patient is expected at the centre. */
  function travelText(m) {
    const tr = m.travel;
    if (m.status === "conventional_transfer" && tr && tr.expected_arrival) {
      return t("patientExpected", { time: clock(tr.expected_arrival) });
    }
    const out = tr && tr.outbound;
    const e = out && out.recommended && out.estimates ? out.estimates[out.recommended] : null;
    if (!e) return t("travelUnavailable");
    const km = e.distance_km === null ? "?" : Math.round(e.distance_km);
    const min = e.duration_min === null ? "?" : Math.round(e.duration_min);
    let text = t("teamOutBy", { mode: modeLabel(out.recommended), km, min });
    if (tr.expected_arrival) {
      text += " · " + t("expectedArrival", { time: clock(tr.expected_arrival) })
        + (tr.expected_arrival_basis === "position" ? " " + t("fromPosition") : "");
    }
    return text;
  }

  function referralText(r) {
    if (!r) return t("noReferral");
    const scores = Object.entries(r.scores || {})
      .map(([name, s]) => `${name.toUpperCase()} ${s.score === null ? "?" : s.score}${s.risk_class ? " (" + s.risk_class + ")" : ""}`);
    const parts = [scores.join(" · ") || t("noScore")];
    if (r.eolia) parts.push("EOLIA " + r.eolia.replace("_", " "));
    parts.push(r.missing_count ? t("missingForDecision", { count: r.missing_count }) : t("complete"));
    if ((r.absolute_contraindications || []).length) parts.push(t("absoluteContraindication"));
    return parts.join(" · ");
  }

  /* Outcome, ECMO mode and the vehicles used, once known. */
  function facts(m) {
    const parts = [];
    if (m.outcome_label) parts.push(h("span", { class: "outcome" }, `${t("outcome")}: ${m.outcome_label}`));
    if (m.support_mode) parts.push(h("span", { class: "support-mode" }, `${t("supportMode")}: ${(cfg.supportModeLabels || {})[m.support_mode] || m.support_mode}`));
    if (m.outbound_transport_mode) parts.push(h("span", { class: "transport-out" }, `${t("transportOut")}: ${modeLabel(m.outbound_transport_mode)}`));
    if (m.return_transport_mode) parts.push(h("span", { class: "transport-back" }, `${t("transportBack")}: ${modeLabel(m.return_transport_mode)}`));
    return parts.length ? h("div", { class: "facts" }, ...parts) : null;
  }

  function card(m) {
    const coverage = h("ul", { class: "coverage" });
    for (const role of m.required_roles) {
      const c = (m.coverage || {})[role] || { state: "not_paged", member: null };
      const busy = (c.busy || []).map((b) => `${b.member} ${t("busyOn", { code: b.mission_code })}`);
      coverage.append(h("li", { class: "role state-" + c.state, "data-role": role, "data-state": c.state },
        (cfg.roleLabels || {})[role] || role, ": ", c.member || (cfg.coverageStateLabels || {})[c.state] || c.state,
        busy.length ? h("span", { class: "busy" }, " · ", busy.join(", ")) : null));
    }
    const log = h("ol", { class: "log" });
    for (const e of logs.get(m.id) || []) {
      log.append(h("li", { "data-sequence": e.sequence, "data-kind": e.kind },
        clock(e.occurred_at || e.created_at), " ",
        e.label || (e.to_status ? ((cfg.statusLabels || {})[e.to_status] || e.to_status) : e.kind),
        e.actor ? " · " + e.actor : ""));
    }
    const adverse = (m.adverse_events || []).length;
    return h("article", { class: "mission-card" + (closed.has(m.status) ? " closed" : "") + (m.kind === "secondary" ? " secondary" : ""), "data-mission-id": m.id, "data-status": m.status, "data-code": m.code, "data-kind": m.kind },
      h("header", {}, h("a", { class: "code", href: m.url }, m.code), " ",
        h("span", { class: "badge support-" + m.support }, m.support_label),
        m.kind === "secondary" ? h("span", { class: "badge kind-secondary" }, (cfg.kindBadges || {}).secondary || t("secondary")) : null,
        adverse ? h("span", { class: "badge adverse-count", "data-count": adverse }, t("adverseCount", { count: adverse })) : null),
      h("div", { class: "hospital" }, m.referring_hospital.name, " → ", m.receiving_centre.name),
      h("div", { class: "phase" }, h("span", { class: "status" }, m.status_label), " ",
        h("span", { class: "phase-duration", "data-since": m.status_changed_at, "data-overdue-text": t("overdue") })),
      facts(m),
      h("div", { class: "requested muted", "data-requested": m.requested_at }),
      coverage,
      h("div", { class: "travel", "data-expected-arrival": m.travel && m.travel.expected_arrival }, travelText(m)),
      h("div", { class: "referral" + (m.referral && m.referral.missing_count ? " incomplete" : "") }, referralText(m.referral)),
      log);
  }

  /* Urgency: open before closed, ECPR (a heart stopped now) first, then the longest waiting. */
  function urgency(a, b) {
    return (closed.has(a.status) - closed.has(b.status))
      || ((b.support === "ecpr") - (a.support === "ecpr"))
      || (Date.parse(a.requested_at) - Date.parse(b.requested_at));
  }

  const AWAITING_DECISION = new Set(cfg.awaitingDecision || []);
  const baseTitle = document.title;

  /* The tab shows how many referrals wait for a decision, so a new one is seen from another tab. */
  function updateTitle() {
    let waiting = 0;
    for (const m of missions.values()) if (AWAITING_DECISION.has(m.status)) waiting += 1;
    document.title = waiting ? t("titleWaiting", { count: waiting, title: baseTitle }) : baseTitle;
  }

  function render() {
    const ids = [...missions.keys()].sort((a, b) => urgency(missions.get(a), missions.get(b)));
    board.replaceChildren(...ids.map((id) => card(missions.get(id))));
    document.getElementById("board-empty").hidden = ids.length > 0;
    document.getElementById("mission-count").textContent = ids.length ? `(${ids.length})` : "";
    updateTitle();
    tick();
  }

  function tick() {
    const now = L.now();
    for (const el of board.querySelectorAll("[data-since]")) {
      el.textContent = L.duration(now - Date.parse(el.dataset.since));
    }
    for (const el of board.querySelectorAll("[data-requested]")) {
      el.textContent = t("requestedAgo", { duration: L.duration(now - Date.parse(el.dataset.requested)) });
    }
    for (const el of board.querySelectorAll(".mission-card")) {
      const m = missions.get(Number(el.dataset.missionId));
      if (!m) continue;
      const limit = (cfg.expectedMinutes || {})[m.status];
      const overdue = !!limit && !closed.has(m.status) && now - Date.parse(m.status_changed_at) > limit * 60000;
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
        if (closed.has(m.status)) { if (!closedAt.has(m.id)) closedAt.set(m.id, Date.now()); }
        else closedAt.delete(m.id);   // advice re-opened: the card stays
      }
      const log = logs.get(msg.mission_id) || [];
      log.unshift(msg);
      logs.set(msg.mission_id, log.slice(0, 6));
      render();
    },
  });
  setInterval(tick, 1000);
})();
