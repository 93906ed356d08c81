/* Coordinator's decision buttons on a mission page: one transition per click, safe to retry. */
(function () {
  "use strict";
  const L = window.EcmoLive, cfg = L.config();
  const panel = document.getElementById("coordinator-actions");
  const note = document.getElementById("action-note");
  const result = document.getElementById("action-result");

  panel.addEventListener("click", async (ev) => {
    const button = ev.target.closest("button[data-to]");
    if (!button) return;
    const text = note.value.trim();
    if (button.dataset.needsReason && !text) {
      result.textContent = "Please give a reason first.";
      note.focus();
      return;
    }
    const body = { to: button.dataset.to, expected_status: panel.dataset.status };
    if (button.dataset.needsReason) body.reason = text; else body.note = text;
    for (const b of panel.querySelectorAll("button")) b.disabled = true;
    result.textContent = "Sending…";
    try {
      const response = await fetch(`/api/v1/missions/${cfg.missionId}/transitions/`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": L.csrfToken(), "Idempotency-Key": L.newKey() },
        body: JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      if (response.ok) {
        window.location.reload();
        return;
      }
      const fields = Object.entries(data).filter(([k]) => k !== "detail" && k !== "code" && Array.isArray(data[k]));
      result.textContent = data.detail || fields.map(([k, v]) => `${k}: ${v.join(" ")}`).join("; ") || `Error ${response.status}`;
    } catch (err) {
      result.textContent = "No connection: nothing was sent. Try again.";
    }
    for (const b of panel.querySelectorAll("button")) b.disabled = false;
  });
})();
