/* The referral's page: the decision and the phase live over ws/missions/<id>/ (window.EcmoLive from
   dispatch/live.js), the team's expected arrival while it travels, the preparation checklist, and
   updated values sent with PATCH /api/v1/missions/<id>/referral/. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("live-config").textContent);
  const assessment = JSON.parse(document.getElementById("referral-assessment").textContent);
  const body = document.getElementById("assessment-body");
  const decision = document.getElementById("decision");
  const decisionText = document.getElementById("referral-decision");
  const note = document.getElementById("decision-note");
  const phase = document.getElementById("referral-phase");
  const status = document.getElementById("referral-status");
  const eta = document.getElementById("expected-arrival");
  const preparation = document.getElementById("preparation");
  const labels = cfg.labels || {};
  window.ReferralAssessment.render(body, assessment, labels);

  // Before the team leaves, the arrival is planned (activation + the travel model), as the SMS said.
  const BEFORE_DEPARTURE = ["team_activated", "team_ready"];
  const BEFORE_BEDSIDE = [...BEFORE_DEPARTURE, "en_route_out"];  // an abort from here: the team never came

  async function showPlannedEta() {
    try {
      const r = await fetch(cfg.preparationUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!r.ok) return;
      const planned = (await r.json()).expected_arrival;
      if (!planned || !BEFORE_DEPARTURE.includes(decision.dataset.status)) return;
      eta.hidden = false;
      eta.textContent = interpolate(gettext("The team is expected with you at about %s"), [window.EcmoClock.time(planned)]);
    } catch (e) { /* the next event or a reload asks again */ }
  }

  function showEta(mission) {
    if (BEFORE_DEPARTURE.includes(mission ? mission.status : decision.dataset.status) && cfg.preparationUrl) {
      showPlannedEta();
      return;
    }
    const travel = mission && mission.travel;
    const at = travel && travel.expected_arrival;
    const travelling = mission ? (cfg.travelling || []).includes(mission.status) : Boolean(eta.dataset.at);
    eta.hidden = !(at || eta.dataset.at) || !travelling;
    const when = at || eta.dataset.at;
    if (eta.hidden || !when) return;
    const back = (mission ? mission.status : decision.dataset.status) === "en_route_back";
    eta.textContent = interpolate(back ? gettext("Expected at the centre at about %s") : gettext("The team is expected with you at about %s"),
      [window.EcmoClock.time(when)]);
  }

  function showPreparation(mission) {
    const p = mission && !(cfg.closed || []).includes(mission.status) && mission.preparation;
    preparation.hidden = !p;
    if (!p) return;
    const link = document.getElementById("preparation-link");
    link.href = p.url;
    link.textContent = interpolate(gettext("Preparation checklist for the team's arrival: %(done)s of %(total)s done"), p, true);
  }

  function showMission(m) {
    if (!m) return;
    decision.dataset.status = m.status;
    phase.textContent = (cfg.phases || {})[m.status] || m.status_label;
    status.textContent = (cfg.statusLabels || {})[m.status] || m.status_label || m.status;
    // The centre's own word for the phase, unless the plain words already say it.
    status.parentElement.hidden = phase.textContent.includes(status.textContent);
    if (m.status === "requested" || m.status === "under_review") {
      decision.dataset.decision = "pending";
      decisionText.textContent = cfg.decisions.pending;
      note.hidden = true;
    }
    showEta(m);
    showPreparation(m);
  }

  function showDecision(to, text, from) {
    // Cancelled after a decision: that decision no longer holds ("the team comes to you").
    if (to === "cancelled" && decision.dataset.decision !== "pending") to = "called_off";
    // Aborted: before the bedside the team turned back; after it, the mission ended there.
    if (to === "aborted") to = BEFORE_BEDSIDE.includes(from) ? "turned_back" : "ended";
    if (!(to in cfg.decisions)) return;
    decision.dataset.decision = to;
    decisionText.textContent = cfg.decisions[to];
    note.textContent = text || "";
    note.hidden = !text;
  }

  async function refreshAssessment() {
    try {
      const r = await fetch(cfg.referralUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (r.ok) window.ReferralAssessment.render(body, (await r.json()).assessment, labels);
    } catch (e) { /* next event or reload will catch up */ }
  }

  showEta(null);

  /* Updated values: only what changed goes, with every mistake shown at once. */
  const form = document.getElementById("update-form");
  if (form) {
    const CI = window.ClinicalInput;
    const summary = document.getElementById("update-summary");
    const error = document.getElementById("update-error");
    const unit = form.querySelector('[name="gas_unit"]');
    if (unit) {
      unit.dataset.initial = unit.value;
      unit.addEventListener("change", () => { for (const el of form.querySelectorAll(".gas-unit")) el.textContent = unit.value; });
    }
    CI.applySupport(form, cfg.support);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.hidden = true;
      const { data, errors } = CI.changed(form, cfg);
      const mine = Object.fromEntries(Object.entries(errors).filter(([name]) => name in data || name === "gas_unit"));
      if (Object.keys(mine).length) { const first = CI.showErrors(form, mine, { summary, labels }); if (first) first.focus(); return; }
      if (!Object.keys(data).length) { error.textContent = gettext("Nothing was changed."); error.hidden = false; return; }
      const button = document.getElementById("send-update");
      button.disabled = true;
      try {
        const meta = document.querySelector('meta[name="csrf-token"]');
        const r = await fetch(cfg.referralUrl, {
          method: "PATCH", credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": meta ? meta.content : "" },
          body: JSON.stringify(data),
        });
        if (r.ok) { location.href = location.pathname + "?updated=1"; return; }
        const json = await r.json().catch(() => ({}));
        if (r.status === 400) { const first = CI.showErrors(form, json, { summary, labels }); if (first) first.focus(); }
        else { error.textContent = json.detail || interpolate(gettext("Sending failed (%s); please try again."), [r.status]); error.hidden = false; }
      } catch (err) {
        error.textContent = gettext("No connection; nothing was sent. Please try again.");
        error.hidden = false;
      } finally {
        button.disabled = false;
      }
    });
  }

  if (!window.EcmoLive) return;
  window.EcmoLive.stream({
    path: cfg.stream,
    after: cfg.after,
    onSnapshot(msg) {
      showMission(msg.missions && msg.missions[0]);
    },
    onEvent(msg) {
      if (msg.kind === "mission.status_changed") showDecision(msg.to_status, msg.note, msg.from_status);
      if (msg.kind === "mission.undone") { location.reload(); return; }
      showMission(msg.mission);
      if (msg.kind === "referral.updated") refreshAssessment();
    },
  });
})();
