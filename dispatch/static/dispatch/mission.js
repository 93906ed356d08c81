/* One mission's page, live: its facts, paging, adverse events and timeline, drawn from the one read
   model (the summary and events in #live-config at load, then every live event). On reconnect it
   resumes after the last event it shows. Exposes window.EcmoMission for mission_actions.js. */
(function () {
  "use strict";
  const L = window.EcmoLive, cfg = L.config(), h = L.h, T = cfg.texts || {};
  const timeline = document.getElementById("timeline");
  const status = document.getElementById("mission-status");
  const since = document.getElementById("mission-since");
  const listeners = [];
  let mission = cfg.mission;
  let lastSequence = cfg.after || 0;

  /* A translated text from the page (pages.page_texts), with {name} filled in. */
  function t(key, values) {
    let text = T[key] || key;
    for (const [k, v] of Object.entries(values || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  }

  /* The time of day in the centre's time zone, with the date when it is not today (one format). */
  function when(iso) {
    return iso ? window.EcmoClock.time(iso) : T.none;
  }

  /* A recorded value in words: a time, or a code's label. */
  function valueText(field, value) {
    if (value === null || value === undefined || value === "") return T.none;
    if (field.endsWith("_at")) return when(value);
    const labels = field === "outcome" ? cfg.outcomeLabels
      : field === "support_mode" ? cfg.supportModeLabels
        : field.endsWith("transport_mode") ? cfg.transportModeLabels : {};
    return (labels || {})[value] || value;
  }

  function fieldLabel(field) { return (cfg.fieldLabels || {})[field] || field; }
  function statusLabel(value) { return (cfg.statusLabels || {})[value] || value; }

  function showFacts(m) {
    const facts = {
      patient_reference: m.patient_reference,
      outcome: m.outcome && valueText("outcome", m.outcome),
      support_mode: m.support_mode && valueText("support_mode", m.support_mode),
      outbound_transport_mode: m.outbound_transport_mode && valueText("outbound_transport_mode", m.outbound_transport_mode),
      return_transport_mode: m.return_transport_mode && valueText("return_transport_mode", m.return_transport_mode),
      review_at: m.review_at && when(m.review_at),
      close_reason: m.close_reason,
    };
    for (const el of document.querySelectorAll("#mission-facts [data-fact]")) {
      const value = facts[el.dataset.fact];
      el.hidden = !value;
      el.querySelector("dd").textContent = value || "";
    }
    const kind = document.getElementById("mission-kind");
    kind.textContent = (cfg.kindBadges || {})[m.kind] || m.kind_label;
    kind.className = "badge kind-" + m.kind;
    document.getElementById("mission").dataset.kind = m.kind;
  }

  // Each paging state has its own sign, so accepted and declined differ without colour.

  /* One row per required role, kept across updates: its paging controls (mission_actions.js)
     live in `.role-controls` and keep what the coordinator is typing while the state changes. */
  function showCoverage(m) {
    const list = document.getElementById("coverage");
    const team = new Map((m.team || []).map((a) => [a.team_role, a.member]));
    const rows = m.required_roles.map((role) => {
      const c = (m.coverage || {})[role] || { state: "not_paged", member: null };
      const who = c.member || team.get(role);
      const busy = (c.busy || []).map((b) => h("li", { class: "busy" }, b.member, ": ", t("busyOn", { code: b.mission_code })));
      let row = list.querySelector(`:scope > li[data-role="${role}"]`);
      if (!row) {
        row = h("li", { "data-role": role }, h("div", { class: "role-state" }), h("div", { class: "role-controls" }));
      }
      row.className = "role state-" + c.state;
      row.dataset.state = c.state;
      row.querySelector(".role-state").replaceChildren(...[
        h("span", { class: "state-icon", "aria-hidden": "true" }, L.coverageSign(c.state)), " ",
        h("strong", {}, (cfg.roleLabels || {})[role] || role), ": ",
        who ? h("span", { class: "who" }, who) : null, who ? " · " : null,
        h("span", { class: "state-label" }, (cfg.coverageStateLabels || {})[c.state] || c.state),
        busy.length ? h("ul", { class: "busy-list" }, ...busy) : null].filter((c) => c !== null));
      return row;
    });
    // Put back only when the rows changed: taking a row out, even to put it back, drops the focus
    // of the note the coordinator is typing in it.
    if (rows.length !== list.children.length || rows.some((row, i) => list.children[i] !== row)) list.replaceChildren(...rows);
  }

  /* How long the mission has been in this phase, and by how much it is late. */
  function showElapsed() {
    const el = document.getElementById("mission-elapsed");
    if (!mission || (cfg.closed || []).includes(mission.status)) { el.textContent = ""; el.dataset.overdue = "false"; return; }
    const spent = L.now() - Date.parse(mission.status_changed_at);
    const limit = (cfg.expectedMinutes || {})[mission.status];
    const late = limit ? spent - limit * 60000 : -1;
    el.dataset.overdue = late > 0 ? "true" : "false";
    // "since 10:39 · 5 min in this phase": two facts, kept apart, not one run-on phrase.
    el.replaceChildren("· ", t("elapsed", { duration: window.EcmoClock.duration(spent) }));
    if (late > 0) el.append(" · ", h("strong", { class: "overdue-by" }, t("overdueFor", { duration: window.EcmoClock.duration(late), limit })));
  }

  /* Scores and what is missing, inline (the referrals app's renderer), current after every change. */
  const assessmentBody = document.getElementById("assessment-body");
  const fieldNames = assessmentBody ? JSON.parse(document.getElementById("referral-labels").textContent) : {};
  function showAssessment(a) {
    if (assessmentBody && a && window.ReferralAssessment) window.ReferralAssessment.render(assessmentBody, a, fieldNames);
  }
  async function reloadAssessment() {
    if (!assessmentBody || !cfg.referralUrl) return;
    const answer = await request("GET", cfg.referralUrl).catch(() => null);
    if (answer && answer.ok) showAssessment(answer.data.assessment);
  }
  if (assessmentBody) showAssessment(JSON.parse(document.getElementById("referral-assessment").textContent));

  // The column names, for the phone where each row is shown as a short list.
  const adverseColumns = [...document.querySelectorAll("#adverse-list thead th")].map((th) => th.textContent);

  function showAdverse(m) {
    const rows = (m.adverse_events || []).map((a) => h("tr", { "data-adverse-id": a.id, class: "severity-" + a.severity },
      ...[when(a.occurred_at), statusLabel(a.phase), (cfg.adverseCategoryLabels || {})[a.category] || a.category_label,
        ((cfg.adverseCodes || {})[a.category] || {})[a.code] || a.code_label, (cfg.severityLabels || {})[a.severity] || a.severity_label,
        a.note, a.reported_by]
        .map((text, i) => h("td", { "data-label": adverseColumns[i], class: i === 4 ? "severity" : null }, text))));
    document.querySelector("#adverse-list tbody").replaceChildren(...rows);
    document.getElementById("adverse-list").hidden = rows.length === 0;
    document.getElementById("adverse-empty").hidden = rows.length > 0;
    document.getElementById("adverse-count").textContent = rows.length ? `(${rows.length})` : "";
  }

  function apply(m) {
    if (!m) return;
    mission = m;
    status.textContent = statusLabel(m.status) || m.status_label;
    status.dataset.status = m.status;
    since.setAttribute("datetime", m.status_changed_at);
    since.textContent = when(m.status_changed_at);
    showElapsed();
    showFacts(m);
    showCoverage(m);
    pagingFirst(m);
    showAdverse(m);
    for (const fn of listeners) fn(m);
  }

  /* Once the team is paged, who is coming goes above the scores (as the page renders it after a reload). */
  function pagingFirst(m) {
    const paging = document.getElementById("paging");
    const assessment = document.getElementById("assessment");
    if (!m.phase_times.team_activated_at || !paging || !assessment) return;
    if (assessment.compareDocumentPosition(paging) & Node.DOCUMENT_POSITION_FOLLOWING) {
      assessment.before(paging);
    }
  }

  /* What an event changed, beyond its label: a correction's old → new, what an undo took back. */
  function detail(e) {
    const p = e.payload || {};
    if (e.kind === "mission.corrected") {
      return t("corrected", { field: fieldLabel(p.field), old: valueText(p.field, p.old), new: valueText(p.field, p.new) });
    }
    if (e.kind === "mission.undone") {
      const cleared = Object.entries(p.cleared || {}).filter(([, v]) => v !== null && v !== "")
        .map(([field, value]) => `${fieldLabel(field)} ${valueText(field, value)}`);
      return cleared.length ? t("takenBack", { what: cleared.join(", ") }) : "";
    }
    if (e.kind === "mission.standby" && (p.members || []).length) return p.members.join(", ");
    if (e.kind === "team.stood_down" && (p.members || []).length) return p.members.join(", ");
    return "";
  }

  function item(e) {
    const occurred = e.occurred_at || e.created_at;
    const late = Math.abs(Date.parse(e.created_at) - Date.parse(occurred)) > 60000;
    const more = detail(e);
    return h("li", { "data-sequence": e.sequence, "data-kind": e.kind, "data-occurred": occurred },
      h("time", { datetime: occurred }, when(occurred)), " ",
      late ? h("span", { class: "recorded muted" }, "(", t("recorded", { time: when(e.created_at) }), ") ") : null,
      h("span", { class: "what" }, more && e.kind === "mission.corrected" ? (cfg.eventLabels || {})[e.kind] || e.label
        : e.label || (e.to_status ? statusLabel(e.to_status) : e.kind)), " ",
      more ? h("span", { class: "detail" }, more) : null, more ? " " : null,
      e.actor ? h("span", { class: "actor muted" }, e.actor) : null,
      e.note ? h("span", { class: "note" }, e.note) : null);
  }

  /* In the order things happened (a tap queued offline takes its own place), then as recorded. */
  function addEvent(e) {
    if (!e || timeline.querySelector(`[data-sequence="${e.sequence}"]`)) return;
    lastSequence = Math.max(lastSequence, e.sequence);
    const el = item(e);
    const at = Date.parse(el.dataset.occurred);
    const after = [...timeline.children].find((li) => {
      const other = Date.parse(li.dataset.occurred);
      return other > at || (other === at && Number(li.dataset.sequence) > e.sequence);
    });
    timeline.insertBefore(el, after || null);
  }

  async function request(method, path, body, key) {
    const headers = { Accept: "application/json", "X-CSRFToken": L.csrfToken() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (key) headers["Idempotency-Key"] = key;
    const response = await fetch(path, {
      method, credentials: "same-origin", headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, ok: response.ok, data: await response.json().catch(() => ({})) };
  }

  /* Read the mission and the events after the last one shown (after a 409, or a lost replay). */
  async function reload() {
    const base = `/api/v1/missions/${cfg.missionId}/`;
    const [m, events] = await Promise.all([request("GET", base), request("GET", `${base}events/?after=${lastSequence}`)]);
    if (m.ok) apply(m.data);
    if (events.ok) for (const e of events.data) addEvent(e);
  }

  for (const e of cfg.events || []) addEvent(e);
  apply(mission);

  L.stream({
    path: cfg.stream,
    after: cfg.after,
    onSnapshot(msg) {
      apply(msg.missions[0]);
      // A snapshot instead of a replay: fetch the events this page has not shown.
      if (msg.reason !== "connect") reload().catch(() => {});
    },
    onEvent(msg) {
      apply(msg.mission);
      addEvent(msg);
      if (String(msg.kind).startsWith("referral.")) reloadAssessment();
    },
  });
  // Times shown as "today" become dated after midnight; the elapsed time counts on.
  setInterval(() => { if (mission) since.textContent = when(mission.status_changed_at); }, 60000);
  setInterval(showElapsed, 15000);

  window.EcmoMission = {
    current: () => mission,
    onChange: (fn) => listeners.push(fn),
    apply, addEvent, reload, request, t, when, valueText, fieldLabel, statusLabel,
  };
})();
