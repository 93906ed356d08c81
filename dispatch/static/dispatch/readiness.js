/* Board header: is the paging engine alive, and is every team role covered now and for the next hours?
   A stale heartbeat or an uncovered role is an alarm before any mission needs the team. */
(function () {
  "use strict";
  const L = window.EcmoLive, cfg = L.config(), h = L.h, T = cfg.texts || {};
  const since = (seconds) => window.EcmoClock.duration(seconds * 1000);

  /* A translated text from the page (pages.page_texts), with {name} filled in. */
  function t(key, values) {
    let text = T[key] || key;
    for (const [k, v] of Object.entries(values || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  }
  const beat = document.getElementById("paging-heartbeat");
  const roster = document.getElementById("roster-readiness");
  const EVERY_MS = 15000;

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    return response.json();
  }

  async function refresh() {
    try {
      const hb = await getJson("/api/v1/paging/heartbeat/");
      beat.dataset.stale = hb.stale ? "true" : "false";
      beat.textContent = hb.last_run_at === null
        ? t("pagingNeverRun")
        : t(hb.stale ? "pagingStale" : "pagingRan", { duration: since(hb.age_s) });
    } catch (err) {
      beat.dataset.stale = "unknown";
      beat.textContent = t("pagingUnknown");
    }
    try {
      const r = await getJson("/api/v1/roster/readiness/");
      roster.replaceChildren(...Object.entries(r.roles).map(([role, info]) => {
        const state = !info.covered_now ? "uncovered" : info.covered_next_hours ? "covered" : "gap-ahead";
        const who = info.on_call_now.length ? info.on_call_now.join(", ") : t("nobodyOnCall");
        const label = (cfg.roleLabels || {})[role] || role;
        const ahead = info.covered_next_hours ? "" : ` · ${t("gapWithin", { hours: r.horizon_h })}`;
        // On call but on another mission: unavailable now, and the board says where they are.
        const busy = (info.busy || []).map((b) => `${b.member} ${t("busyOn", { code: b.mission_code })}`).join(", ");
        return h("li", { class: "role-readiness " + state, "data-role": role, "data-state": state },
          `${label}: ${who}${ahead}${busy ? ` · ${busy}` : ""}`);
      }));
    } catch (err) {
      roster.replaceChildren(h("li", { class: "role-readiness unknown" }, t("rosterUnavailable")));
    }
  }

  refresh();
  setInterval(refresh, EVERY_MS);
})();
