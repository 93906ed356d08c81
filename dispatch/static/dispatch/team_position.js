/* Live position from the team's phone: only with the member's consent, only for the mission they
   are on, only while it is travelling (en_route_out / en_route_back). The server recomputes the
   expected arrival and tells the board; it keeps positions only for the mission. */
(function () {
  "use strict";
  const L = window.EcmoLive;
  const TRAVELLING = new Set(L.config().trackedPhases || []);
  const SEND_EVERY_MS = 30000;
  const label = document.getElementById("share-position");
  const consent = document.getElementById("share-position-consent");
  const stateEl = document.getElementById("position-state");
  const statusEl = document.getElementById("mm-status");
  const link = document.getElementById("mm-link");
  const words = document.getElementById("team-text").dataset;
  let watchId = null, lastSent = 0, missionId = null;

  function fill(text, values) {
    for (const [k, v] of Object.entries(values)) text = text.split("%(" + k + ")s").join(String(v));
    return text;
  }

  function currentMission() {
    const match = /\/missions\/(\d+)\//.exec(link.getAttribute("href") || "");
    return match ? Number(match[1]) : null;
  }

  function say(text) { stateEl.hidden = !text; stateEl.textContent = text || ""; }

  async function send(position) {
    if (Date.now() - lastSent < SEND_EVERY_MS || missionId === null) return;
    lastSent = Date.now();
    const body = {
      latitude: position.coords.latitude,
      longitude: position.coords.longitude,
      accuracy_m: position.coords.accuracy,
      recorded_at: new Date(position.timestamp).toISOString(),
    };
    try {
      const res = await fetch(`/api/v1/missions/${missionId}/positions/`, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": L.csrfToken() },
        body: JSON.stringify(body),
      });
      const data = await res.json().catch(() => ({}));
      if (res.ok && data.expected_arrival) {
        say(fill(words.positionEta, { time: new Date(data.expected_arrival).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) }));
      } else if (res.ok) {
        say(words.positionShared);
      } else if (res.status !== 429) {
        say(fill(words.positionRefused, { detail: data.detail || res.status }));
      }
    } catch (err) {
      lastSent = 0;  // no signal: try again with the next fix
      say(words.positionNoSignal);
    }
  }

  function stop() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = null;
  }

  function update() {
    const travelling = !document.getElementById("my-mission").hidden && TRAVELLING.has(statusEl.dataset.status);
    const id = currentMission();
    if (id !== missionId) { missionId = id; consent.checked = sessionStorage.getItem("share-position-" + id) === "1"; }
    label.hidden = !travelling || !("geolocation" in navigator);
    if (!travelling || !consent.checked) { stop(); if (!travelling) say(""); return; }
    if (watchId === null) {
      lastSent = 0;
      watchId = navigator.geolocation.watchPosition(send, (err) => say(fill(words.positionUnavailable, { detail: err.message })),
        { enableHighAccuracy: true, maximumAge: 10000, timeout: 20000 });
    }
  }

  consent.addEventListener("change", () => {
    if (missionId !== null) sessionStorage.setItem("share-position-" + missionId, consent.checked ? "1" : "0");
    update();
  });
  new MutationObserver(update).observe(statusEl, { attributes: true, attributeFilter: ["data-status"] });
  new MutationObserver(update).observe(document.getElementById("my-mission"), { attributes: true, attributeFilter: ["hidden"] });
  update();
})();
