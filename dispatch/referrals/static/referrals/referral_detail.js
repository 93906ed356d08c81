/* The referral's page: decision live over ws/missions/<id>/ (window.EcmoLive from dispatch/live.js). */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("live-config").textContent);
  const assessment = JSON.parse(document.getElementById("referral-assessment").textContent);
  const body = document.getElementById("assessment-body");
  const decision = document.getElementById("decision");
  const status = document.getElementById("referral-status");
  const detail = document.getElementById("decision-detail");
  window.ReferralAssessment.render(body, assessment, cfg.labels);

  function showStatus(s, label) {
    decision.dataset.status = s;
    status.textContent = label || (cfg.statusLabels || {})[s] || s;
  }

  async function refreshAssessment() {
    try {
      const r = await fetch(cfg.referralUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (r.ok) window.ReferralAssessment.render(body, (await r.json()).assessment, cfg.labels);
    } catch (e) { /* next event or reload will catch up */ }
  }

  if (!window.EcmoLive) return;
  window.EcmoLive.stream({
    path: cfg.stream,
    after: cfg.after,
    onSnapshot(msg) {
      const m = msg.missions && msg.missions[0];
      if (m) showStatus(m.status, m.status_label);
    },
    onEvent(msg) {
      if (msg.mission) showStatus(msg.mission.status, msg.mission.status_label);
      if (msg.kind === "mission.status_changed" && msg.note) detail.textContent = msg.note;
      if (msg.kind === "referral.updated") refreshAssessment();
    },
  });
})();
