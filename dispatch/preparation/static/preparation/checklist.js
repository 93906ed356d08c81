/* The preparation checklist: tick items, live for everyone following the mission.
   State comes from GET/POST /api/v1/missions/<id>/preparation/ (the whole checklist each time);
   any event on ws/missions/<id>/ (window.EcmoLive) reads it again. Words: Django's JavaScript
   catalogue (gettext); times: window.EcmoClock. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("live-config").textContent);
  const root = document.getElementById("preparation");
  const message = document.getElementById("prep-message");
  let state = cfg.checklist;
  let reading = false, readAgain = false;

  /* gettext()/interpolate(): Django's JavaScript catalogue (/jsi18n/, loaded by base.html first);
     called by name, so `makemessages -d djangojs` finds every string. */
  const fill = (fmt, values) => interpolate(fmt, values, true);
  const clock = (iso) => (window.EcmoClock ? window.EcmoClock.time(iso) : iso);

  const BASIS = {
    position: () => gettext("(from the team's position)"),
    estimate: () => gettext("(from the departure)"),
    planned: () => gettext("(the team has not left yet)"),
  };

  function row(id) { return document.querySelector(`.prep-item[data-item-id="${id}"]`); }

  function showError(li, text) {
    const el = li.querySelector(".prep-error");
    el.textContent = text || "";
    const number = li.querySelector(".prep-number");
    if (number) number.setAttribute("aria-invalid", text ? "true" : "false");
  }

  function render(s) {
    state = s;
    const editable = s.open && s.may_tick;
    root.dataset.open = String(s.open);
    document.getElementById("prep-status").textContent = s.status_label;
    const eta = document.getElementById("prep-eta");
    eta.hidden = !s.expected_arrival;
    if (s.expected_arrival) {
      const time = document.getElementById("prep-eta-time");
      time.dateTime = s.expected_arrival;
      time.textContent = clock(s.expected_arrival);
      document.getElementById("prep-eta-basis").textContent = (BASIS[s.expected_arrival_basis] || (() => ""))();
    }
    document.getElementById("prep-progress-text").textContent =
      fill(gettext("%(done)s of %(total)s ready"), { done: s.done, total: s.total });
    const bar = document.getElementById("prep-progress");
    bar.max = Math.max(1, s.total);
    bar.value = s.done;
    document.getElementById("prep-closed").hidden = s.open;
    document.getElementById("prep-readonly").hidden = !s.open || s.may_tick;
    for (const item of s.items) {
      const li = row(item.id);
      if (!li) continue;  // an item added since the page loaded: shown after a reload
      li.dataset.done = String(item.done);
      const box = li.querySelector(".prep-done");
      box.checked = item.done;
      box.disabled = !editable || li.dataset.busy === "true";
      const number = li.querySelector(".prep-number");
      if (number) {
        number.disabled = !editable;
        if (document.activeElement !== number) number.value = item.value === null ? "" : String(item.value);
      }
      const by = li.querySelector(".prep-by");
      by.textContent = item.ticked_by && item.ticked_at
        ? fill(item.done ? gettext("Ticked by %(name)s at %(time)s") : gettext("Unticked by %(name)s at %(time)s"),
          { name: item.ticked_by, time: clock(item.ticked_at) })
        : "";
    }
  }

  async function read() {
    if (reading) { readAgain = true; return; }
    reading = true;
    try {
      const r = await fetch(cfg.apiUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (r.ok) render(await r.json());
    } catch (e) { /* the next event, heartbeat or reconnect reads again */ }
    reading = false;
    if (readAgain) { readAgain = false; read(); }
  }

  function numberOf(li) {
    const number = li.querySelector(".prep-number");
    if (!number) return null;
    const text = number.value.trim();
    return text === "" ? null : (/^\d+$/.test(text) ? Number(text) : text);  // the server names a bad one
  }

  async function send(li, done) {
    const id = Number(li.dataset.itemId);
    li.dataset.busy = "true";
    li.querySelector(".prep-done").disabled = true;
    showError(li, "");
    message.textContent = "";
    try {
      const r = await fetch(cfg.apiUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json",
          "X-CSRFToken": window.EcmoLive ? window.EcmoLive.csrfToken() : "" },
        body: JSON.stringify({ item: id, done: done, value: numberOf(li) }),
      });
      const body = await r.json().catch(() => ({}));
      li.dataset.busy = "false";
      if (r.ok) { render(body); return; }
      if (r.status === 400) {
        showError(li, [].concat(body.value || body.item || body.done || body.detail || gettext("Check this item.")).join(" "));
        const number = li.querySelector(".prep-number");
        if (body.value && number) number.focus();
      } else {
        message.textContent = body.detail || fill(gettext("Not saved (error %(status)s)."), { status: r.status });
      }
      render(state);
      read();
    } catch (e) {
      li.dataset.busy = "false";
      showError(li, gettext("No connection: nothing was saved. Try again."));
      render(state);
    }
  }

  document.getElementById("prep-items").addEventListener("change", (e) => {
    const li = e.target.closest(".prep-item");
    if (!li) return;
    if (e.target.classList.contains("prep-done")) send(li, e.target.checked);
    // A changed number of an item already ticked is saved at once; otherwise it goes with the tick.
    else if (e.target.classList.contains("prep-number") && li.dataset.done === "true") send(li, true);
  });

  render(state);
  if (window.EcmoLive) {
    window.EcmoLive.stream({ path: cfg.stream, after: cfg.after, onSnapshot: read, onEvent: read });
  }
})();
