/* Coordinators' board: one card per mission, open ones by urgency, then the recently closed ones
   with their outcome, kept current from the board stream. It alerts the humans (tone and browser
   notification) on a new referral and on a phase turning overdue, once they have allowed it. */
(function () {
  "use strict";
  const L = window.EcmoLive, cfg = L.config(), h = L.h, C = window.EcmoClock;
  const T = cfg.texts || {};
  const board = document.getElementById("board");
  const closedBoard = document.getElementById("board-closed");
  const missions = new Map();   // id -> summary (docs/realtime.md)
  const logs = new Map();       // id -> recent events, newest first
  const closed = new Set(cfg.closed || cfg.terminal || []);
  const KEEP_CLOSED_MS = (cfg.recentlyClosedHours || 12) * 3600000;
  const BEFORE_DEPARTURE = new Set(["requested", "under_review", "team_activated", "team_ready"]);
  const AT_BEDSIDE = new Set(cfg.atBedside || []);

  /* A translated text from the page (pages.page_texts), with {name} filled in. */
  function t(key, values) {
    let text = T[key] || key;
    for (const [k, v] of Object.entries(values || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  }

  // Labels from the page's own vocabulary (its language), the summary's as a fallback.
  function modeLabel(mode) { return (cfg.transportModeLabels || {})[mode] || mode; }
  function statusLabel(m) { return (cfg.statusLabels || {})[m.status] || m.status_label; }
  function supportLabel(m) { return (cfg.supportLabels || {})[m.support] || m.support_label; }
  function outcomeLabel(m) { return m.outcome ? (cfg.outcomeLabels || {})[m.outcome] || m.outcome_label : ""; }

  /* An estimate as "Road: 188 km · 2 h 46 min". */
  function estimateText(leg) {
    const e = leg && leg.recommended && leg.estimates ? leg.estimates[leg.recommended] : null;
    if (!e || !e.available) return null;
    const km = e.distance_km === null ? "?" : Math.round(e.distance_km);
    const time = e.duration_min === null ? "?" : C.duration(e.duration_min * 60000);
    return { mode: modeLabel(leg.recommended), km, time };
  }

  function arrivalText(key, tr) {
    return t(key, { time: C.time(tr.expected_arrival) }) + (tr.expected_arrival_basis === "position" ? " " + t("fromPosition") : "");
  }

  /* What the coordinator needs of the travel in this phase, and nothing else: the way out before
     departure, the expected arrival while travelling, the way back at the bedside. */
  function travelText(m) {
    const tr = m.travel;
    if (closed.has(m.status) || m.status === "arrived") return null;
    if (!tr) return t("travelUnavailable");
    if (m.status === "conventional_transfer") {
      return tr.expected_arrival ? t("patientExpected", { time: C.time(tr.expected_arrival) }) : t("travelUnavailable");
    }
    if (m.status === "en_route_out" || m.status === "en_route_back") {
      if (!tr.expected_arrival) return t("travelUnavailable");
      return arrivalText(m.status === "en_route_out" ? "expectedAtBedside" : "expectedAtCentre", tr);
    }
    if (AT_BEDSIDE.has(m.status)) {
      const back = estimateText(tr.return);
      return back ? t("backBy", back) : null;
    }
    if (BEFORE_DEPARTURE.has(m.status)) {
      const out = estimateText(tr.outbound);
      return out ? t("teamOutBy", out) : t("travelUnavailable");
    }
    return null;
  }

  // The EOLIA verdict in words (the same words as the referral's assessment panel).
  const EOLIA = { met: gettext("met"), not_met: gettext("not met"), undeterminable: gettext("cannot be decided yet") };

  function referralText(r) {
    if (!r) return t("noReferral");
    // A score that cannot be counted yet shows a dash, as on the referral form.
    const scores = Object.entries(r.scores || {})
      .map(([name, s]) => `${name.toUpperCase()} ${s.score === null ? "—" : s.score}${s.risk_class ? " (" + s.risk_class + ")" : ""}`);
    const parts = [scores.join(" · ") || t("noScore")];
    if (r.eolia) parts.push("EOLIA: " + (EOLIA[r.eolia] || r.eolia));
    parts.push(r.missing_count ? t("missingForDecision", { count: r.missing_count }) : t("complete"));
    if ((r.absolute_contraindications || []).length) parts.push(t("absoluteContraindication"));
    return parts.join(" · ");
  }

  /* Outcome, ECMO mode and the vehicles used, once known. */
  function facts(m) {
    const parts = [];
    if (outcomeLabel(m)) parts.push(h("span", { class: "outcome" }, `${t("outcome")}: ${outcomeLabel(m)}`));
    if (m.support_mode) parts.push(h("span", { class: "support-mode" }, `${t("supportMode")}: ${(cfg.supportModeLabels || {})[m.support_mode] || m.support_mode}`));
    if (m.outbound_transport_mode) parts.push(h("span", { class: "transport-out" }, `${t("transportOut")}: ${modeLabel(m.outbound_transport_mode)}`));
    if (m.return_transport_mode) parts.push(h("span", { class: "transport-back" }, `${t("transportBack")}: ${modeLabel(m.return_transport_mode)}`));
    return parts.length ? h("div", { class: "facts" }, ...parts) : null;
  }

  // Each paging state has its own sign, so accepted and declined differ without colour.

  function coverageChip(m, role) {
    const c = (m.coverage || {})[role] || { state: "not_paged", member: null };
    const busy = (c.busy || []).map((b) => `${b.member} ${t("busyOn", { code: b.mission_code })}`);
    const state = (cfg.coverageStateLabels || {})[c.state] || c.state;
    return h("li", { class: "role state-" + c.state, "data-role": role, "data-state": c.state },
      h("span", { class: "state-icon", "aria-hidden": "true" }, L.coverageSign(c.state)), " ",
      (cfg.roleLabels || {})[role] || role, ": ", c.member ? `${c.member} · ` : "",
      h("span", { class: "state-label" }, state),
      busy.length ? h("span", { class: "busy" }, " · ", busy.join(", ")) : null);
  }

  /* Preparation at the referring ICU: "Preparation 3/7", linking to the checklist. */
  function preparation(m) {
    const p = m.preparation;
    if (!p || !p.total) return null;
    const done = p.done >= p.total;
    return h("div", { class: "preparation" + (done ? " done" : ""), "data-done": p.done, "data-total": p.total },
      h("a", { href: p.url }, t("preparation", { done: p.done, total: p.total })));
  }

  function card(m) {
    const isClosed = closed.has(m.status);
    const coverage = isClosed ? null : h("ul", { class: "coverage" }, ...m.required_roles.map((role) => coverageChip(m, role)));
    const log = h("ol", { class: "log" });
    for (const e of logs.get(m.id) || []) {
      log.append(h("li", { "data-sequence": e.sequence, "data-kind": e.kind },
        C.time(e.occurred_at || e.created_at), " ",
        e.label || (e.to_status ? ((cfg.statusLabels || {})[e.to_status] || e.to_status) : e.kind),
        e.actor ? " · " + e.actor : ""));
    }
    const adverse = (m.adverse_events || []).length;
    const travel = travelText(m);
    const classes = ["mission-card", isClosed ? "closed" : "", m.kind === "secondary" ? "secondary" : "", m.is_drill ? "drill" : ""];
    return h("article", { class: classes.filter(Boolean).join(" "), "data-mission-id": m.id, "data-status": m.status,
      "data-code": m.code, "data-kind": m.kind, "data-drill": m.is_drill ? "true" : "false" },
      m.is_drill ? h("div", { class: "drill-band" }, t("drillBand")) : null,
      h("header", {}, h("a", { class: "code", href: m.url }, m.code), " ",
        h("span", { class: "badge support-" + m.support }, supportLabel(m)),
        m.kind === "secondary" ? h("span", { class: "badge kind-secondary" }, (cfg.kindBadges || {}).secondary || t("secondary")) : null,
        adverse ? h("span", { class: "badge adverse-count", "data-count": adverse }, t("adverseCount", { count: adverse })) : null),
      h("div", { class: "hospital" }, m.referring_hospital.name, " → ", m.receiving_centre.name),
      h("div", { class: "phase" }, h("span", { class: "status" }, statusLabel(m)), " ",
        isClosed ? h("span", { class: "closed-at muted" }, t("closedAt", { time: C.time(m.status_changed_at) }))
          : h("span", { class: "phase-duration", "data-since": m.status_changed_at })),
      facts(m),
      isClosed ? null : h("div", { class: "requested muted", "data-requested": m.requested_at }),
      coverage,
      isClosed ? null : preparation(m),   // nothing left to prepare for; the mission page keeps the record
      travel ? h("div", { class: "travel", "data-expected-arrival": m.travel && m.travel.expected_arrival }, travel) : null,
      isClosed ? null : h("div", { class: "referral" + (m.referral && m.referral.missing_count ? " incomplete" : "") }, referralText(m.referral)),
      log);
  }

  /* Urgency: ECPR (a heart stopped now) first, then the longest waiting. */
  function urgency(a, b) {
    return ((b.support === "ecpr") - (a.support === "ecpr"))
      || (Date.parse(a.requested_at) - Date.parse(b.requested_at));
  }

  /* Closed: the most recently closed first. */
  function recency(a, b) { return Date.parse(b.status_changed_at) - Date.parse(a.status_changed_at); }

  const AWAITING_DECISION = new Set(cfg.awaitingDecision || []);
  const baseTitle = document.title;

  /* The tab shows how many referrals wait for a decision, so a new one is seen from another tab. */
  function updateTitle() {
    let waiting = 0;
    for (const m of missions.values()) if (AWAITING_DECISION.has(m.status)) waiting += 1;
    document.title = waiting ? t("titleWaiting", { count: waiting, title: baseTitle }) : baseTitle;
  }

  function recentlyClosed(m) {
    return Date.parse(m.status_changed_at) > L.now() - KEEP_CLOSED_MS;
  }

  function render() {
    for (const [id, m] of missions) if (closed.has(m.status) && !recentlyClosed(m)) { missions.delete(id); logs.delete(id); }
    const all = [...missions.values()];
    const open = all.filter((m) => !closed.has(m.status)).sort(urgency);
    const ended = all.filter((m) => closed.has(m.status)).sort(recency);
    L.show(board, open.map(card));
    L.show(closedBoard, ended.map(card));
    document.getElementById("closed-section").hidden = ended.length === 0;
    document.getElementById("board-empty").hidden = open.length > 0;
    document.getElementById("mission-count").textContent = open.length ? `(${open.length})` : "";
    updateTitle();
    tick();
  }

  /* --- alerting the humans ----------------------------------------------------------------- */

  const alertsButton = document.getElementById("alerts-enable");
  const alertsState = document.getElementById("alerts-state");
  const alertLog = document.getElementById("alert-log");
  let audio = null;   // an AudioContext, made on the coordinator's click (browsers require one)

  function notificationsAllowed() {
    return "Notification" in window && Notification.permission === "granted";
  }

  function showAlertState() {
    const sound = audio !== null && audio.state === "running";
    alertsButton.hidden = sound && (notificationsAllowed() || !("Notification" in window));
    alertsState.textContent = sound
      ? (notificationsAllowed() ? t("alertsOn") : t("alertsSoundOnly"))
      : t("alertsOff");
    alertsState.dataset.sound = sound ? "on" : "off";
    alertsState.dataset.notifications = notificationsAllowed() ? "on" : "off";
  }

  /* A short two-note alert tone, made here (no file to load). */
  function tone() {
    if (!audio || audio.state !== "running") return false;
    const start = audio.currentTime;
    [880, 660, 880].forEach((freq, i) => {
      const osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + i * 0.22);
      gain.gain.exponentialRampToValueAtTime(0.4, start + i * 0.22 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.22 + 0.2);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + i * 0.22);
      osc.stop(start + i * 0.22 + 0.21);
    });
    return true;
  }

  function notify(title, body, m) {
    if (!notificationsAllowed()) return false;
    try {
      const n = new Notification(title, { body, tag: `${m.id}-${title}` });
      n.onclick = () => { window.focus(); location.href = m.url; };
      return true;
    } catch (err) {
      return false;   // some browsers allow notifications only from a service worker
    }
  }

  /* One alert: a tone, a browser notification, and a line in the board's alert list. */
  function raise(kind, m) {
    const title = kind === "new-referral" ? t("alertNewReferral", { code: m.code }) : t("alertOverdue", { code: m.code });
    const body = `${m.referring_hospital.name} · ${supportLabel(m)} · ${statusLabel(m)}`;
    const sound = tone();
    const shown = notify(title, body, m);
    alertLog.prepend(h("li", { "data-kind": kind, "data-mission-id": m.id, "data-sound": sound ? "true" : "false",
      "data-notified": shown ? "true" : "false" }, C.time(new Date(L.now()).toISOString()), " ",
    h("a", { href: m.url }, title), " · ", body));
    while (alertLog.children.length > 5) alertLog.lastElementChild.remove();
    alertLog.hidden = false;
  }

  alertsButton.addEventListener("click", async () => {
    try {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (Context) {
        audio = audio || new Context();
        await audio.resume();
      }
    } catch (err) {
      audio = null;
    }
    if ("Notification" in window && Notification.permission === "default") {
      try { await Notification.requestPermission(); } catch (err) { /* the browser said no */ }
    }
    showAlertState();
    tone();   // the coordinator hears what an alert sounds like
  });
  showAlertState();

  /* --- timers ------------------------------------------------------------------------------ */

  const overdueSeen = new Set();   // missions already alerted as overdue in their current phase
  let quiet = true;   // while a snapshot is drawn: late already when the board opened, the red card says so

  function tick() {
    const now = L.now();
    for (const el of board.querySelectorAll("[data-since]")) {
      el.textContent = C.duration(now - Date.parse(el.dataset.since));
    }
    for (const el of board.querySelectorAll("[data-requested]")) {
      el.textContent = t("requestedAgo", { duration: C.duration(now - Date.parse(el.dataset.requested)) });
    }
    for (const el of board.querySelectorAll(".mission-card")) {
      const m = missions.get(Number(el.dataset.missionId));
      if (!m) continue;
      const limit = (cfg.expectedMinutes || {})[m.status];
      const late = limit ? now - Date.parse(m.status_changed_at) - limit * 60000 : -1;
      const overdue = late > 0 && !closed.has(m.status);
      el.classList.toggle("overdue", overdue);
      el.dataset.overdue = overdue ? "true" : "false";
      const since = el.querySelector(".phase-duration");
      if (since && overdue) {
        since.append(" ", h("strong", { class: "overdue-by" }, t("overdueBy", { duration: C.duration(late) })));
      }
      const key = `${m.id}:${m.status}:${m.status_changed_at}`;
      if (overdue && !overdueSeen.has(key)) {
        overdueSeen.add(key);
        if (!quiet) raise("overdue", m);
      }
    }
  }

  /* --- debriefs due and drills ------------------------------------------------------------- */

  const debriefs = document.getElementById("debriefs");
  const debriefList = document.getElementById("debrief-list");
  let debriefTimer = null;

  async function refreshDebriefs() {
    let response;
    try {
      response = await fetch(cfg.debriefsDueUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (err) {
      return;   // offline: keep what is shown
    }
    if (!response.ok) { debriefs.hidden = true; return; }   // not available (yet): no panel, no noise
    const due = await response.json().catch(() => []);
    debriefList.replaceChildren(...due.map((d) => h("li", { class: d.overdue ? "overdue" : "", "data-mission-id": d.mission_id },
      h("a", { href: d.url }, d.code), ` · ${d.hospital} · `,
      t(d.overdue ? "debriefOverdue" : "debriefDue", { time: C.time(d.due_at), closed: C.time(d.closed_at) }))));
    debriefs.hidden = due.length === 0;
    document.getElementById("debrief-count").textContent = `(${due.length})`;
  }

  function refreshDebriefsSoon() {
    clearTimeout(debriefTimer);
    debriefTimer = setTimeout(refreshDebriefs, 500);
  }

  const drillButton = document.getElementById("drill-start");
  const drillConfirm = document.getElementById("drill-confirm");
  const drillResult = document.getElementById("drill-result");
  if (drillButton) {
    drillButton.addEventListener("click", () => {
      drillConfirm.hidden = false;
      drillResult.textContent = "";
      document.getElementById("drill-yes").focus();
    });
    document.getElementById("drill-no").addEventListener("click", () => {
      drillConfirm.hidden = true;
      drillButton.focus();
    });
    document.getElementById("drill-yes").addEventListener("click", async () => {
      const yes = document.getElementById("drill-yes");
      yes.disabled = true;
      drillResult.classList.remove("error");
      drillResult.textContent = t("sending");
      try {
        const response = await fetch(cfg.drillsUrl, {
          method: "POST", credentials: "same-origin", body: "{}",
          headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": L.csrfToken(), "Idempotency-Key": L.newKey() },
        });
        const data = await response.json().catch(() => ({}));
        if (response.ok) {
          drillConfirm.hidden = true;
          drillResult.replaceChildren(t("drillStarted", { code: data.code || "" }), " ", data.url ? h("a", { href: data.url }, data.code) : "");
        } else {
          drillResult.classList.add("error");
          drillResult.textContent = data.detail || t("error", { status: response.status });
        }
      } catch (err) {
        drillResult.classList.add("error");
        drillResult.textContent = t("noConnection");
      }
      yes.disabled = false;
    });
  }

  /* --- the stream -------------------------------------------------------------------------- */

  L.stream({
    path: cfg.stream,
    after: null,
    onSnapshot(msg) {
      missions.clear();
      for (const m of msg.missions) missions.set(m.id, m);
      quiet = true;
      render();
      quiet = false;
      refreshDebriefs();
    },
    onEvent(msg) {
      const m = msg.mission;
      if (m) {
        const isNew = !missions.has(m.id);
        missions.set(m.id, m);
        if (isNew && AWAITING_DECISION.has(m.status) && !m.is_drill) raise("new-referral", m);
      }
      const log = logs.get(msg.mission_id) || [];
      log.unshift(msg);
      logs.set(msg.mission_id, log.slice(0, 6));
      render();
      refreshDebriefsSoon();
    },
  });
  setInterval(tick, 1000);
  setInterval(() => { if ([...missions.values()].some((m) => closed.has(m.status) && !recentlyClosed(m))) render(); }, 60000);
})();
