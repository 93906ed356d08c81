/* Team phone page. Every tap goes through an outbox in localStorage, each with its own
   Idempotency-Key, and is sent in order when the network allows: a tap made without signal is
   sent when it returns, and a tap whose answer was lost is re-sent with the same key, which the
   API answers with the first result instead of advancing twice.

   Each phase tap carries the status the member saw (`expected_status`: a second tap of the same
   step is refused by the server, never a second advance) and the moment of the tap
   (`occurred_at`: a tap sent minutes later without signal keeps the time it was made). */
(function () {
  "use strict";
  const L = window.EcmoLive, cfg = L.config(), h = L.h;
  const OUTBOX = "ecmo.outbox." + cfg.userId;
  const WATCH = "ecmo.watch." + cfg.userId;            // missions this member is on or paged for: {id: code}
  const STAND_DOWN = "ecmo.standdown." + cfg.userId;   // the stand-down screen, until dismissed
  const LAST_TAP = "ecmo.lasttap." + cfg.userId;       // the member's own last phase tap, for Undo
  const DECLINED = "ecmo.declined." + cfg.userId;      // alerts this member said no to: {alertId: true}
  const STAND_DOWN_STATUSES = ["cancelled", "aborted", "declined"];
  // A second tap this soon after a phase tap is the same finger bouncing, not the next phase.
  const TAP_GUARD_MS = 1500;
  // A phone new to this page looks back this far for pages that ended before it was opened.
  const RECENT_PAGE_MS = 3 * 3600 * 1000;
  const FRESH_TAP_MS = 5000;                              // sent this soon after the tap: no time of its own
  const textEl = document.getElementById("team-text");

  // liveFor starts undefined, so the first look at "no mission" also sets the connection pill.
  let mission = null, alerts = [], live = null, liveFor, flushing = false, inFlight = null;
  let visible = {};          // mission id -> summary, for every active mission this member may see (paged too)
  let pollOk = null;         // did the last read of the server succeed? (the pill, when no stream is open)
  let panel = null;          // null | {type: "without-ecmo"} | {type: "undo"} | {type: "problem"} | {type: "severity", category, code}
  let guardUntil = 0;
  const chosenMode = {};     // mission id -> support mode picked for flow established
  // Bumped by every refresh and every answered tap: an older read must not overwrite a newer state.
  let epoch = 0;
  // Mission id -> travel estimate, from the mission stream (the list API the page polls has none).
  const travelOf = {};

  /* Translated words from the template: t("undo", {label: "..."}) fills %(label)s. */
  function t(key, values) {
    const name = key.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    let text = textEl.dataset[name] || key;
    for (const [k, v] of Object.entries(values || {})) text = text.split("%(" + k + ")s").join(String(v));
    return text;
  }

  function store(key) {
    return {
      get() { try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; } },
      set(value) { if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(value)); },
    };
  }
  const watched = store(WATCH), standDown = store(STAND_DOWN), lastTap = store(LAST_TAP), declined = store(DECLINED);

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

  async function postJson(url, body, key) {
    const headers = { "Content-Type": "application/json", "X-CSRFToken": L.csrfToken(), Accept: "application/json" };
    if (key) headers["Idempotency-Key"] = key;
    const res = await fetch(url, { method: "POST", credentials: "same-origin", headers, body: JSON.stringify(body) });
    const json = await res.json().catch(() => ({}));
    return { status: res.status, ok: res.ok, json };
  }

  /* The status the member sees: the server's, moved on by taps still waiting in the outbox. */
  function effectiveStatus() {
    if (!mission) return null;
    let status = mission.status;
    for (const item of outbox.load()) if (item.missionId === mission.id && item.to) status = item.to;
    return status;
  }

  function statusLabel(status) { return (cfg.statusLabels || {})[status] || status; }

  function nextPhase(status) {
    const byKind = (cfg.nextPhase || {})[mission.kind || "primary"] || {};
    return byKind[status] || null;
  }

  /* The support mode to preselect at flow established: the one requested at referral. */
  function defaultMode() {
    if (chosenMode[mission.id]) return chosenMode[mission.id];
    return mission.support === "vv" ? "vv" : "va";
  }

  function say(text) {
    const note = document.getElementById("mm-note");
    note.hidden = !text;
    note.textContent = text || "";
  }

  function phaseButton(label, attrs) {
    const locked = Date.now() < guardUntil;
    return h("button", { type: "button", class: "big phase", disabled: locked || null, ...attrs }, label);
  }

  /* The buttons for the next step: departures ask road or helicopter, flow established asks the
     mode, and at the bedside of a primary mission the team may also leave without ECMO. */
  function renderActions(status) {
    const box = document.getElementById("phase-actions");
    const next = nextPhase(status);
    const items = [];
    if (next && (cfg.transportModeAt || []).includes(next.to)) {
      const word = next.to === "en_route_out" ? "depart" : "return";
      items.push(h("div", { class: "choice-pair" },
        phaseButton(t(word + "-road"), { id: "depart-road", "data-to": next.to, "data-transport-mode": "road" }),
        phaseButton(t(word + "-helicopter"), { id: "depart-helicopter", "data-to": next.to, "data-transport-mode": "helicopter" })));
    } else if (next && (cfg.supportModeRequired || []).includes(next.to)) {
      const mode = defaultMode();
      const labels = cfg.supportModeLabels || {};
      items.push(h("p", { class: "choice-title" }, t("mode-title")));
      items.push(h("div", { class: "modes", role: "radiogroup" }, ...Object.keys(labels).map((value) =>
        h("button", { type: "button", class: "mode", role: "radio", "data-mode": value,
          "aria-checked": value === mode ? "true" : "false" }, labels[value]))));
      items.push(phaseButton(t("with-mode", { label: next.label, mode: labels[mode] || mode }),
        { id: "next-phase", "data-to": next.to, "data-support-mode": mode }));
    } else if (next) {
      items.push(phaseButton(next.label, { id: "next-phase", "data-to": next.to }));
    }
    const edge = (cfg.outcomesFor || {})[status + ">en_route_back"];
    if (status === "on_site" && edge && (mission.kind || "primary") === "primary") {
      items.push(h("button", { type: "button", class: "medium secondary-way", id: "without-ecmo" }, t("without-ecmo")));
    }
    L.show(box, items);
    return next;
  }

  function renderPanel(status) {
    const box = document.getElementById("panel");
    box.hidden = !panel;
    if (!panel) { box.replaceChildren(); return; }
    const back = h("button", { type: "button", class: "medium back", "data-panel": "close" }, t("back"));
    if (panel.type === "without-ecmo") {
      const outcome = ((cfg.outcomesFor || {})[status + ">en_route_back"] || [])[0];
      box.replaceChildren(h("p", { class: "choice-title" }, t("without-ecmo-title")),
        h("div", { class: "choice-pair" }, ...["road", "helicopter"].map((mode) =>
          phaseButton(t("without-ecmo-" + mode), { "data-to": "en_route_back", "data-transport-mode": mode, "data-outcome": outcome }))),
        back);
    } else if (panel.type === "undo") {
      box.replaceChildren(h("p", { class: "choice-title" }, t("undo-title")),
        ...["undo-mistake", "undo-twice", "undo-early"].map((key) =>
          h("button", { type: "button", class: "medium reason", "data-undo-reason": t(key) }, t(key))),
        h("button", { type: "button", class: "medium back", "data-panel": "close" }, t("undo-keep")));
    } else if (panel.type === "problem") {
      const codes = cfg.adverseCodes || {}, categories = cfg.adverseCategoryLabels || {};
      box.replaceChildren(h("p", { class: "choice-title" }, t("problem-title")),
        h("button", { type: "button", class: "medium back", "data-panel": "close" }, t("back")),
        ...Object.keys(codes).map((category) => h("section", { class: "problem-group", "data-category": category },
          h("h2", {}, categories[category] || category),
          h("div", { class: "codes" }, ...Object.entries(codes[category]).map(([code, label]) =>
            h("button", { type: "button", class: "code", "data-category": category, "data-code": code }, label))))),
        back);
    } else if (panel.type === "severity") {
      const label = ((cfg.adverseCodes || {})[panel.category] || {})[panel.code] || panel.code;
      const severities = cfg.severityLabels || {};
      box.replaceChildren(h("p", { class: "choice-title" }, t("severity-title", { code: label })),
        h("div", { class: "severities" }, ...Object.keys(severities).map((value) =>
          h("button", { type: "button", class: "big severity severity-" + value, "data-severity": value }, severities[value]))),
        back);
    }
  }

  function renderUndo(status) {
    const tap = lastTap.get();
    const box = document.getElementById("undo-box");
    const leftMs = tap ? tap.at + (cfg.undoWindowS || 0) * 1000 - Date.now() : 0;
    const show = !!(tap && mission && tap.missionId === mission.id && tap.to === status && leftMs > 0);
    box.hidden = !show || !!panel;
    if (show) {
      const s = Math.ceil(leftMs / 1000);
      document.getElementById("undo").textContent =
        t("undo", { label: tap.label || statusLabel(tap.to), left: Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0") });
    }
  }

  function text(tag, attrs, value) { return h(tag, attrs || {}, value); }

  function number(value) {
    return new Intl.NumberFormat(document.documentElement.lang || "sl", { maximumFractionDigits: 1 }).format(value);
  }

  /* "45 years · Male · 80 kg": what the team needs to choose cannulas and doses on the way. */
  function patientLine(m) {
    const sex = (cfg.sexLabels || {})[m.patient_sex] || m.patient_sex || "";
    return t("patient-value", { age: m.patient_age ?? "?", sex: sex, weight: m.patient_weight_kg ? number(m.patient_weight_kg) : "?" });
  }

  /* The way there and back in this phase: both modes before departure (the team chooses at the
     door), the planned arrival while travelling, the way back at the bedside. */
  function travelLine(m, status) {
    const tr = travelOf[m.id];
    if (!tr) return "";
    const clock = window.EcmoClock;
    const modes = (leg) => {
      if (!leg || !leg.estimates) return "";
      return Object.entries(leg.estimates).filter(([, e]) => e && e.available && e.duration_min !== null)
        .sort(([a], [b]) => (a === leg.recommended ? -1 : b === leg.recommended ? 1 : 0))
        .map(([mode, e]) => ((cfg.transportModeLabels || {})[mode] || mode) + " " + clock.duration(e.duration_min * 60000) +
          (mode === leg.recommended ? " (" + t("recommended") + ")" : ""))
        .join(" · ");
    };
    if (["team_activated", "team_ready"].includes(status)) {
      const out = modes(tr.outbound);
      return out ? t("way-out", { modes: out }) : "";
    }
    if (status === "en_route_out" && tr.expected_arrival) return t("at-bedside-about", { time: clock.time(tr.expected_arrival) });
    if ((cfg.atBedside || []).includes(status)) {
      const back = modes(tr.return);
      return back ? t("way-back", { modes: back }) : "";
    }
    if (status === "en_route_back" && tr.expected_arrival) return t("at-centre-about", { time: clock.time(tr.expected_arrival) });
    return "";
  }

  function keepTravel(list) {
    let changed = false;
    for (const m of list || []) {
      if (m && m.travel !== undefined && JSON.stringify(travelOf[m.id]) !== JSON.stringify(m.travel)) {
        travelOf[m.id] = m.travel;
        changed = true;
      }
    }
    if (changed) render();
  }

  /* What the team is going for ("Viral pneumonia"), from the referral; "" before it is given. */
  function causeOf(m) { return (m.referral && m.referral.cause && m.referral.cause.label) || ""; }

  /* Role coverage as words and a sign (never colour alone): who is coming, who is still missing. */
  function teamList(m, myRole, answered) {
    const coverage = m.coverage || {};
    const roles = [...(m.required_roles || [])];
    for (const member of m.team || []) if (!roles.includes(member.team_role)) roles.push(member.team_role);
    const missing = [];
    const rows = roles.map((role) => {
      const assigned = (m.team || []).find((x) => x.team_role === role);
      const entry = coverage[role] || { state: assigned ? "accepted" : "not_paged", member: null };
      const state = assigned && entry.state !== "covered_by_phone" ? "accepted" : entry.state;
      const name = (assigned && assigned.member) || entry.member;
      const mine = (assigned && assigned.member_id === cfg.userId) || (!assigned && role === myRole);
      // Your own role before you answer waits on you: not "nobody accepted" beside "you".
      const yourAnswer = mine && !assigned && !answered && !["accepted", "covered_by_phone"].includes(state);
      const roleLabel = (cfg.roleLabels || {})[role] || role;
      if (!["accepted", "covered_by_phone"].includes(state)) missing.push(roleLabel);
      return h("li", { class: "member state-" + (yourAnswer ? "yours" : state), "data-role": role, "data-state": state },
        h("span", { class: "sign", "aria-hidden": "true" }, L.coverageSign(yourAnswer ? "paging" : state)),
        h("span", { class: "who" }, h("strong", {}, roleLabel), ": ",
          // Your own role before you answer is yours to take, not "nobody yet".
          name ? name + (mine ? " (" + t("you") + ")" : "") : (mine ? t("you") : t("nobody"))),
        h("span", { class: "state" }, yourAnswer ? t("your-answer") : (cfg.coverageStateLabels || {})[state] || state));
    });
    return h("section", { class: "team-list", "aria-label": t("team") },
      h("h2", {}, t("team")),
      h("p", { class: missing.length ? "missing" : "all-in" }, missing.length ? t("missing", { roles: missing.join(", ") }) : t("all-in")),
      h("ul", {}, ...rows));
  }

  function callLinks(m) {
    const links = [];
    if (cfg.centrePhone) links.push(h("a", { class: "call", href: "tel:" + cfg.centrePhone, "data-call": "centre" }, "☎ ", t("call-centre")));
    if (m && m.callback_phone) {
      links.push(h("a", { class: "call", href: "tel:" + m.callback_phone, "data-call": "referrer" },
        "☎ ", t("call-icu", { name: m.referring_physician || m.referring_hospital.name })));
    }
    return links.length ? h("div", { class: "calls" }, ...links) : null;
  }

  function preparationLine(m) {
    const p = m.preparation;
    if (!p || !p.total) return null;
    return h("p", { class: "preparation", "data-done": p.done, "data-total": p.total },
      h("progress", { max: p.total, value: p.done, "aria-hidden": "true" }),
      " ", t("preparation", { done: p.done, total: p.total }),
      p.url ? h("span", {}, " · ", h("a", { href: p.url }, t("preparation-open"))) : null);
  }

  /* The facts a paged or travelling member needs, the same on the alert and on the mission card. */
  function facts(m, opts) {
    const rows = [];
    const meet = opts.meeting && cfg.meetingPoint;
    if (opts.full) {
      rows.push([t("hospital"), m.referring_hospital.name]);
      rows.push([t("kind"), m.kind_label || ""]);
      rows.push([t("support"), m.support_label || (cfg.supportLabels || {})[m.support] || m.support]);
      if (causeOf(m)) rows.push([t("cause"), causeOf(m)]);
      rows.push([t("patient"), patientLine(m)]);
    }
    if (meet) rows.push([t("meeting"), cfg.meetingPoint]);
    return [
      rows.length ? h("dl", { class: "facts-list" }, ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])) : null,
      preparationLine(m),
      teamList(m, opts.role, opts.answered),
      callLinks(m),
    ];
  }

  function alertState(a) {
    const pending = outbox.load().find((i) => i.alertId === a.id);
    if (pending) return pending.action === "decline" ? "declining" : "accepting";
    // Declined here, or by an SMS reply or a call: the server knows either way.
    return a.my_response === "declined" || (declined.get() || {})[a.id] ? "declined" : "open";
  }

  /* A page as a card: what, where, who, and the two answers (or what became of the answer). */
  function alertCard(a) {
    const m = visible[a.mission_id];
    const state = alertState(a);
    const roleLabel = (cfg.roleLabels || {})[a.team_role] || a.team_role;
    const answers = h("div", { class: "actions" },
      h("button", { type: "button", class: "big accept", "data-action": "accept", hidden: state !== "open" || null }, t("accept")),
      h("button", { type: "button", class: "big decline", "data-action": "decline", hidden: state !== "open" || null }, t("decline")));
    const answer = state === "open" ? null : h("p", { class: "answer answer-" + state, role: "status" }, t(state));
    const again = state === "declined"
      ? h("button", { type: "button", class: "medium", "data-action": "accept" }, t("accept-after-all")) : null;
    const body = m ? facts(m, { full: true, meeting: true, role: a.team_role, answered: state === "declined" })
      : [h("dl", { class: "facts-list" }, h("dt", {}, t("hospital")), h("dd", {}, a.hospital),
        h("dt", {}, t("support")), h("dd", {}, (cfg.supportLabels || {})[a.support] || String(a.support).toUpperCase()),
        ...(cfg.meetingPoint ? [h("dt", {}, t("meeting")), h("dd", {}, cfg.meetingPoint)] : [])), callLinks(null)];
    return h("article", { class: "card alert" + (m && m.is_drill ? " drill" : ""), "data-alert-id": a.id, "data-state": state },
      m && m.is_drill ? h("p", { class: "drill-band" }, t("drill")) : null,
      h("p", { class: "kicker" }, t("paged-as", { role: roleLabel }),
        a.opened_at ? " · " + t("paged-at", { time: window.EcmoClock.time(a.opened_at) }) : ""),
      h("h1", {}, a.mission_code),
      answers, answer, again,
      ...body);
  }

  function renderStandDown() {
    const sd = standDown.get();
    const box = document.getElementById("stand-down");
    box.hidden = !sd;
    if (!sd) return false;
    document.getElementById("sd-code").textContent = sd.code;
    document.getElementById("sd-status").textContent = sd.statusLabel || statusLabel(sd.status) || "";
    document.getElementById("sd-outcome").textContent = sd.outcomeLabel || "";
    document.getElementById("sd-outcome").hidden = !sd.outcomeLabel;
    const reason = document.getElementById("sd-reason");
    reason.hidden = !sd.reason;
    reason.textContent = sd.reason ? t("reason", { reason: sd.reason }) : "";
    document.getElementById("sd-taken").hidden = sd.status !== "taken";
    // A team that aborted at the bedside still has to come home; everyone else may go back to sleep.
    document.getElementById("sd-ended").hidden = sd.status !== "aborted";
    document.getElementById("sd-not-needed").hidden = sd.status === "aborted" || sd.status === "taken";
    return true;
  }

  function render() {
    const alertBox = document.getElementById("alerts");
    // A page for the mission the member is already on is answered: the mission card says the rest.
    L.show(alertBox, alerts.filter((a) => !(mission && a.mission_id === mission.id)).map(alertCard));

    const standingDown = renderStandDown();
    const box = document.getElementById("my-mission");
    const status = effectiveStatus();
    box.hidden = !mission;
    document.getElementById("no-mission").hidden = !!mission || alerts.length > 0 || standingDown;
    if (mission) {
      document.getElementById("mm-code").textContent = mission.code;
      document.getElementById("mm-where").textContent = mission.referring_hospital.name + " → " + mission.receiving_centre.name;
      document.getElementById("mm-kind").textContent =
        [mission.kind_label, mission.support_label, causeOf(mission)].filter(Boolean).join(" · ");
      document.getElementById("mm-patient").textContent = t("patient") + ": " + patientLine(mission);
      const travel = travelLine(mission, status);
      document.getElementById("mm-travel").textContent = travel;
      document.getElementById("mm-travel").hidden = !travel;
      document.getElementById("mm-drill").hidden = !mission.is_drill;
      box.classList.toggle("drill", !!mission.is_drill);
      const before = ["team_activated", "team_ready"].includes(status);
      document.getElementById("mm-facts").replaceChildren(...facts(mission, { full: false, meeting: before }).filter(Boolean));
      box.dataset.kind = mission.kind || "primary";
      const statusEl = document.getElementById("mm-status");
      statusEl.textContent = statusLabel(status);
      statusEl.dataset.status = status;
      document.getElementById("mm-link").href = "/missions/" + mission.id + "/";
      const next = renderActions(status);
      // One decision at a time: while a choice is open, the phase buttons step aside.
      document.getElementById("phase-actions").hidden = !!panel;
      renderPanel(status);
      renderUndo(status);
      const closed = (cfg.closed || cfg.terminal || []).includes(status);
      document.getElementById("mm-wait").hidden = !!next || closed || status !== "team_activated";
      const onTeam = (mission.team || []).some((m) => m.member_id === cfg.userId);
      document.getElementById("report-problem").hidden = !onTeam || closed || !!panel;
    } else {
      panel = null;
    }
    const pending = outbox.load().length;
    const ob = document.getElementById("outbox");
    ob.hidden = pending === 0;
    ob.dataset.count = String(pending);
    ob.classList.remove("error");
    ob.textContent = pending === 1 ? t("one-waiting") : t("many-waiting", { n: pending });
    const onMission = !!mission && !(cfg.closed || cfg.terminal || []).includes(status);
    keepAwake(onMission || alerts.some((a) => alertState(a) !== "declined"));
  }

  /* Remember the missions this member is on or paged for, so the page can tell them to stand down
     when one ends without them (cancelled, aborted, declined) instead of just going blank. */
  async function checkWatched(activeIds, alertMissionIds) {
    const watching = watched.get() || {};
    if (mission) watching[mission.id] = mission.code;
    for (const a of alerts) watching[a.mission_id] = a.mission_code;
    for (const [id, code] of Object.entries(watching)) {
      const missionId = Number(id);
      if (activeIds.has(missionId) || alertMissionIds.has(missionId)) continue;
      let found = null;
      try {
        const m = await getJson("/api/v1/missions/" + missionId + "/");
        found = { status: m.status, statusLabel: m.status_label, outcomeLabel: m.outcome_label || "", reason: m.close_reason || "" };
      } catch (e) {
        if (e.status !== 404) continue;                     // offline: look again later
        // Paged only, and the page ended: the mission is no longer ours to see; the alert says why.
        try {
          const closed = await getJson("/api/v1/alerts/?open=false");
          const alert = closed.find((a) => a.mission_id === missionId);
          // Called off while paging; or the role was taken by someone else (unless this member said no).
          if (alert && alert.state === "cancelled") found = { status: "cancelled", statusLabel: t("called-off"), outcomeLabel: "" };
          else if (alert && alert.state === "accepted" && !(declined.get() || {})[alert.id]) {
            found = { status: "taken", statusLabel: t("taken"), outcomeLabel: "" };
          }
        } catch (e2) { continue; }
      }
      delete watching[id];
      if (found && (STAND_DOWN_STATUSES.includes(found.status) || found.status === "taken")) {
        standDown.set({ missionId, code, ...found });
        if (lastTap.get() && lastTap.get().missionId === missionId) lastTap.set(null);
      }
    }
    watched.set(watching);
  }

  /* A phone that never had this page open (a new phone, a cleared browser) watches nothing yet. It
     takes the recent pages this member was on: accepted, or called off before they answered. A
     mission called off before the page was opened then shows its stand-down screen, not a blank
     "no active mission". Pages they declined, or that someone else took, are not theirs to stand
     down from. */
  async function seedWatched() {
    const since = Date.now() - RECENT_PAGE_MS;
    const seed = {};
    for (const a of await getJson("/api/v1/alerts/?open=false")) {
      const mine = a.state === "cancelled" ? a.my_response !== "declined" : a.my_response === "accepted";
      if (mine && Date.parse(a.opened_at) >= since) seed[a.mission_id] = a.mission_code;
    }
    watched.set(seed);
  }

  async function refresh() {
    const mine = ++epoch;
    try {
      const nextAlerts = await getJson("/api/v1/alerts/?open=true");
      const missions = await getJson("/api/v1/missions/?active=true");
      if (mine !== epoch) return;                            // a newer read or a tap answer came in meanwhile
      alerts = nextAlerts;
      visible = Object.fromEntries(missions.map((m) => [m.id, m]));
      mission = missions.find((m) => (m.team || []).some((t) => t.member_id === cfg.userId)) || null;
      const openIds = new Set(alerts.map((a) => String(a.id)));
      declined.set(Object.fromEntries(Object.entries(declined.get() || {}).filter(([id]) => openIds.has(id))));
      pollOk = true;
      if (watched.get() === null) await seedWatched();
      if (mission && standDown.get() && standDown.get().missionId === mission.id) standDown.set(null);
      await checkWatched(new Set(missions.map((m) => m.id)), new Set(alerts.map((a) => a.mission_id)));
    } catch (e) {
      if (e.status === 403 || e.status === 401) location.href = "/login/?next=/team/";
      /* offline: keep what we have */
      if (!e.status || e.status >= 500) pollOk = false;
    }
    render();
    follow();
  }

  /* Without a mission there is no stream: the pill tells whether the last read of the server worked. */
  function pollIndicator() {
    if (live) return;
    if (navigator.onLine === false || pollOk === false) L.indicator("offline", t("offline"));
    else if (pollOk) L.indicator("online", t("online"));
    else L.indicator("connecting", t("checking"));
  }

  /* Live updates for the mission the member is on; the page also polls, so this is a bonus. */
  function follow() {
    const id = mission ? mission.id : null;
    if (id === liveFor) { pollIndicator(); return; }
    if (live) live.close();
    live = null;
    liveFor = id;
    if (id !== null) {
      live = L.stream({
        path: "/ws/missions/" + id + "/", after: null,
        onSnapshot: (msg) => keepTravel(msg.missions),
        onEvent: (msg) => { keepTravel([msg.mission]); refresh(); },
      });
    }
    pollIndicator();
  }

  /* The banner under the pill, in words a tired reader cannot miss. */
  document.addEventListener("ecmo:connection", (e) => {
    const banner = document.getElementById("net-banner");
    const state = e.detail.state;
    banner.hidden = state !== "offline" && state !== "reconnecting";
    banner.dataset.state = state;
    banner.textContent = state === "offline" ? t("banner-offline") : state === "reconnecting" ? t("banner-reconnecting") : "";
  });

  async function flush() {
    if (flushing) return;
    flushing = true;
    let sent = 0;
    try {
      for (;;) {
        const item = outbox.load()[0];
        if (!item) break;
        let res;
        inFlight = item.key;
        // A tap sent at once needs no time of its own (the server's clock stamps it); only a tap
        // that waited for signal carries the moment it was made.
        const body = { ...item.body };
        if (body.occurred_at && Date.now() - Date.parse(item.queuedAt) < FRESH_TAP_MS) delete body.occurred_at;
        try {
          res = await postJson(item.url, body, item.key);
        } catch (e) { break; }                               // no network: try again later
        finally { inFlight = null; }
        if (res.status >= 500 || res.status === 408 || res.status === 429 || res.status === 401) break;
        if (res.status === 400 && body.occurred_at && res.json && res.json.occurred_at) {
          // This phone's clock disagrees with the server's: keep the step (stamped on arrival)
          // rather than lose it and every step queued after it.
          outbox.save(outbox.load().map((i) => (i.key === item.key ? { ...i, body: { ...i.body, occurred_at: undefined } } : i)));
          say(t("clock-off"));
          continue;
        }
        outbox.drop(item.key);                               // done, or refused for good (4xx)
        epoch += 1;
        sent += 1;
        if (res.ok) answered(item, res.json);
        else refused(item, res);
      }
    } finally {
      flushing = false;
      render();
      if (sent) refresh();
    }
  }

  function answered(item, body) {
    if (item.to && body.mission) {
      if (body.mission.id === (mission && mission.id)) mission = body.mission;
      // The server counts the undo window from when the tap arrived, not from when it was made.
      const tap = lastTap.get();
      if (tap && tap.missionId === item.missionId && tap.to === item.to) lastTap.set({ ...tap, at: Date.now() });
    } else if (item.adverse) {
      say(t("problem-sent", item.adverse));
    } else if (item.alertId) {
      const said = { ...(declined.get() || {}) };
      if (item.action === "decline") said[item.alertId] = true;
      else delete said[item.alertId];
      declined.set(said);
      // Accepted: the page is closed; the mission card takes its place at the next read.
      if (item.action === "accept") alerts = alerts.filter((a) => a.id !== item.alertId);
    }
  }

  function refused(item, res) {
    const body = res.json || {};
    if (res.status === 409 && item.missionId) {
      const tap = lastTap.get();
      if (tap && tap.missionId === item.missionId && tap.to === item.to) lastTap.set(null);
      // Someone (or this phone, a moment ago) already moved the mission: this tap and our later
      // taps for it are stale. Nothing went wrong: show the mission as it is now.
      outbox.save(outbox.load().filter((i) => i.missionId !== item.missionId || !i.to));
      say(t("already"));
      return;
    }
    const detail = body.detail || Object.entries(body).map(([k, v]) => k + ": " + [].concat(v).join(" ")).join(" ");
    showError(detail || t("not-sent", { status: res.status }));
  }

  function showError(text) {
    const box = document.getElementById("outbox");
    box.hidden = false;
    box.classList.add("error");
    box.textContent = text;
  }

  function tapPhase(button) {
    const from = effectiveStatus();
    const to = button.dataset.to;
    if (!mission || !to || Date.now() < guardUntil) return;   // one tap, one phase
    guardUntil = Date.now() + TAP_GUARD_MS;
    setTimeout(render, TAP_GUARD_MS + 50);
    const queuedAt = new Date().toISOString();
    const body = { to: to, expected_status: from, occurred_at: queuedAt };
    if (button.dataset.transportMode) body.transport_mode = button.dataset.transportMode;
    if (button.dataset.supportMode) body.support_mode = button.dataset.supportMode;
    if (button.dataset.outcome) body.outcome = button.dataset.outcome;
    panel = null;
    say("");
    lastTap.set({ missionId: mission.id, to: to, label: button.textContent, at: Date.now() });
    outbox.push({
      key: L.newKey(), missionId: mission.id, to: to, label: button.textContent,
      url: "/api/v1/missions/" + mission.id + "/transitions/", body: body, queuedAt: queuedAt,
    });
    render();
    flush();
  }

  let undoing = false;
  async function undo(reason) {
    panel = null;
    const tap = lastTap.get();
    if (!mission || !tap || undoing) { render(); return; }
    // One undo per tap: a second press (or a retry) carries the same key and the status it takes
    // back, so the server never steps back twice.
    undoing = true;
    if (!tap.undoKey) { tap.undoKey = L.newKey(); lastTap.set(tap); }
    render();
    const body = { reason: reason, expected_status: tap.to };
    const res = await postJson("/api/v1/missions/" + mission.id + "/transitions/undo/", body, tap.undoKey)
      .catch(() => null)
      .finally(() => { undoing = false; });
    if (res === null) { render(); showError(t("undo-offline")); return; }
    lastTap.set(null);
    epoch += 1;
    if (res.ok) {
      mission = res.json.mission;
      say(t("undone", { status: statusLabel(mission.status) }));
      render();
      refresh();
    } else {
      render();
      showError((res.json && res.json.detail) || t("not-sent", { status: res.status }));
    }
  }

  /* Undo while the tap has not left the phone: it is simply taken out of the outbox. */
  function undoPending() {
    const items = outbox.load();
    const last = [...items].reverse().find((i) => mission && i.missionId === mission.id && i.to);
    if (!last || last.key === inFlight) return false;        // on its way: the server takes it back
    outbox.drop(last.key);
    say(t("undo-dropped"));
    return true;
  }

  function reportProblem(severity) {
    const { category, code } = panel;
    panel = null;
    const queuedAt = new Date().toISOString();
    const words = { code: ((cfg.adverseCodes || {})[category] || {})[code] || code, severity: (cfg.severityLabels || {})[severity] || severity };
    outbox.push({
      key: L.newKey(), adverse: words,
      url: "/api/v1/missions/" + mission.id + "/adverse-events/",
      body: { category, code, severity, phase: effectiveStatus(), occurred_at: queuedAt }, queuedAt: queuedAt,
    });
    say(navigator.onLine === false ? t("problem-queued", words) : "");
    render();
    flush();
  }

  function answerAlert(alertId, action) {
    // One answer at a time per page: a second tap while the first is on its way is the same answer.
    if (outbox.load().some((i) => i.alertId === alertId)) return;
    outbox.push({ key: L.newKey(), alertId: alertId, action: action, url: "/api/v1/alerts/" + alertId + "/" + action + "/", body: {} });
    render();
    flush();
  }

  function openPanel(which) {
    panel = which;
    render();
    document.getElementById("mm-status").scrollIntoView({ block: "start" });
  }

  document.addEventListener("click", (e) => {
    const btn = e.target.closest("button");
    if (!btn) return;
    if (btn.dataset.to) tapPhase(btn);
    else if (btn.dataset.action) answerAlert(Number(btn.closest("[data-alert-id]").dataset.alertId), btn.dataset.action);
    else if (btn.dataset.mode) { chosenMode[mission.id] = btn.dataset.mode; render(); }
    else if (btn.id === "without-ecmo") { openPanel({ type: "without-ecmo" }); }
    else if (btn.id === "undo") {
      if (undoPending()) { lastTap.set(null); render(); flush(); }
      else openPanel({ type: "undo" });
    }
    else if (btn.dataset.undoReason) undo(btn.dataset.undoReason);
    else if (btn.id === "report-problem") { say(""); openPanel({ type: "problem" }); }
    else if (btn.dataset.code) openPanel({ type: "severity", category: btn.dataset.category, code: btn.dataset.code });
    else if (btn.dataset.severity) reportProblem(btn.dataset.severity);
    else if (btn.dataset.panel === "close") { panel = null; render(); }
    else if (btn.id === "sd-dismiss") { standDown.set(null); render(); }
  });
  /* Keep the screen on while on a mission or paged: a phone that locks mid-phase costs a tap and a
     PIN with gloves on. Where the Wake Lock API is missing or refused, nothing else changes. */
  let wakeLock = null, wakeWanted = false, wakeAsking = false;
  async function keepAwake(want) {
    wakeWanted = want;
    const body = document.body;
    if (!("wakeLock" in navigator)) { body.dataset.wakeLock = "unsupported"; return; }
    if (!want) {
      if (wakeLock) { const held = wakeLock; wakeLock = null; held.release().catch(() => {}); }
      body.dataset.wakeLock = "off";
      return;
    }
    if (wakeLock || wakeAsking || document.visibilityState !== "visible") return;
    wakeAsking = true;
    try {
      wakeLock = await navigator.wakeLock.request("screen");
      body.dataset.wakeLock = "held";
      wakeLock.addEventListener("release", () => { wakeLock = null; body.dataset.wakeLock = "released"; });
      if (!wakeWanted) keepAwake(false);
    } catch (e) {
      body.dataset.wakeLock = "refused";
    } finally {
      wakeAsking = false;
    }
  }
  // The browser drops the lock whenever the page is hidden; take it again on return.
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") keepAwake(wakeWanted); });

  window.addEventListener("online", () => { flush(); refresh(); });
  window.addEventListener("offline", () => { pollOk = false; pollIndicator(); });
  setInterval(flush, 3000);
  // Every 10 s; every 5 s while paged without a mission stream, so a withdrawn page shows soon.
  let ticks = 0;
  setInterval(() => { ticks += 1; if (ticks % 2 === 0 || (!live && alerts.length)) refresh(); }, 5000);
  setInterval(() => { if (lastTap.get()) renderUndo(effectiveStatus()); }, 1000);
  render();
  refresh().then(flush);
})();
