/* One mission's timeline, live; on reconnect it resumes after the last event it shows. */
(function () {
  "use strict";
  const L = window.EcmoLive, cfg = L.config(), h = L.h;
  const timeline = document.getElementById("timeline");
  const status = document.getElementById("mission-status");
  const since = document.getElementById("mission-since");

  function showMission(m) {
    if (!m) return;
    status.textContent = m.status_label;
    status.dataset.status = m.status;
    since.setAttribute("datetime", m.status_changed_at);
    since.textContent = new Date(m.status_changed_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  L.stream({
    path: cfg.stream,
    after: cfg.after,
    onSnapshot(msg) { showMission(msg.missions[0]); },
    onEvent(msg) {
      showMission(msg.mission);
      if (timeline.querySelector(`[data-sequence="${msg.sequence}"]`)) return;
      const when = new Date(msg.created_at);
      timeline.append(h("li", { "data-sequence": msg.sequence },
        h("time", { datetime: msg.created_at }, when.toLocaleString([], { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })), " ",
        h("span", { class: "what" }, msg.to_status ? ((cfg.statusLabels || {})[msg.to_status] || msg.to_status) : msg.kind), " ",
        msg.actor ? h("span", { class: "muted" }, msg.actor) : null, " ",
        msg.note ? h("span", { class: "note" }, msg.note) : null));
    },
  });
})();
