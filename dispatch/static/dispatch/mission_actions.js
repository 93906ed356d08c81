/* The coordinator's steps on a mission page: the next status (with the facts it must carry), standby,
   undo, corrections; and adverse events (coordinators and the mission's team). Each request is sent
   once per click with an Idempotency-Key, and a status change names the status it expects, so a
   double click or a change made elsewhere in between is refused (409), never applied twice. */
(function () {
  "use strict";
  const L = window.EcmoLive, cfg = L.config(), M = window.EcmoMission, t = M.t;
  const base = `/api/v1/missions/${cfg.missionId}/`;
  const destructive = new Set(cfg.reasonRequired || []);
  const SUPPORT_TO_MODE = { ecpr: "va", va: "va", vv: "vv" };

  /* --- small form helpers ------------------------------------------------------------------ */

  function fieldBox(form, name) { return form.querySelector(`[data-field="${name}"]`); }

  function clearErrors(form) {
    for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
    for (const el of form.querySelectorAll("[data-field].invalid")) el.classList.remove("invalid");
  }

  /* Show an error next to its field; false when the form has no visible field of that name. */
  function fieldError(form, name, text) {
    const box = fieldBox(form, name);
    if (!box || box.hidden) return false;
    box.classList.add("invalid");
    box.querySelector(".field-error").textContent = text;
    return true;
  }

  /* A 400's {field: [messages]} next to the fields; the rest (and `detail`) as the form's result. */
  function showErrors(form, data, result) {
    const general = [];
    for (const [name, value] of Object.entries(data || {})) {
      if (name === "code") continue;
      const text = Array.isArray(value) ? value.join(" ") : String(value);
      if (name === "detail" || !fieldError(form, name, text)) general.push(name === "detail" ? text : `${name}: ${text}`);
    }
    result.textContent = general.join(" ");
    result.classList.toggle("error", general.length > 0);
    const first = form.querySelector(".invalid input, .invalid select, .invalid textarea");
    if (first) first.focus();
  }

  function say(result, text, isError) {
    result.textContent = text;
    result.classList.toggle("error", !!isError);
  }

  function pad(n) { return String(n).padStart(2, "0"); }
  /* A datetime-local input's value for an ISO time, in this browser's time zone. */
  function localInput(iso) {
    const d = new Date(iso);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  /* A datetime-local value (local time) as ISO 8601 in UTC; "" when empty. */
  function isoFromInput(value) { return value ? new Date(value).toISOString() : ""; }

  function checked(form, name) {
    const el = form.querySelector(`input[name="${name}"]:checked`);
    return el ? el.value : "";
  }

  async function send(method, path, body, key, result) {
    say(result, t("sending"));
    try {
      return await M.request(method, path, body, key);
    } catch (err) {
      say(result, t("noConnection"), true);
      return null;
    }
  }

  async function conflict(data, result) {
    await M.reload().catch(() => {});
    const now = M.current();
    const text = t("conflict", { status: now.status_label });
    say(result, data.code === "invalid_transition" ? text : (data.detail || text), true);
  }

  /* --- status changes ---------------------------------------------------------------------- */

  const panel = document.getElementById("coordinator-actions");
  if (panel) {
    const buttons = document.getElementById("action-buttons");
    const form = document.getElementById("action-form");
    const title = document.getElementById("action-title");
    const submit = document.getElementById("action-submit");
    const back = document.getElementById("action-cancel");
    const confirmBox = document.getElementById("action-confirm");
    const result = document.getElementById("action-result");
    const standbyRow = document.getElementById("standby-row");
    const standbyButton = document.getElementById("standby-button");
    const backLabel = back.textContent;
    let pending = null;   // {to, from, label, key, confirming}

    function order(status) { return (cfg.statusOrder || []).indexOf(status); }

    function outcomesFor(from, to) {
      return (cfg.outcomesFor || {})[`${from}>${to}`] || (cfg.outcomesFor || {})[to] || null;
    }

    /* The words on a step's button: the team's words where it is the team's next phase. */
    function actionLabel(m, to) {
      const step = ((cfg.nextPhase || {})[m.kind] || {})[m.status];
      if (step && step.to === to) return step.label;
      const edge = (cfg.outcomesFor || {})[`${m.status}>${to}`];
      if (edge && edge.length === 1) return `${M.statusLabel(to)}: ${cfg.outcomeLabels[edge[0]] || edge[0]}`;
      if (m.status === "advice_given" && to === "under_review") return t("reviewAgain");
      return (cfg.actionLabels || {})[to] || M.statusLabel(to);
    }

    /* The step a coordinator most likely takes next: the team's next phase, activation of a
       referral, the hand-over of a conventional transfer. It is drawn first and filled. */
    function primaryStep(m) {
      const step = ((cfg.nextPhase || {})[m.kind] || {})[m.status];
      if (step) return step.to;
      if (m.status === "requested" || m.status === "under_review") return "team_activated";
      if (m.status === "conventional_transfer") return "arrived";
      if (m.status === "team_activated") return "team_ready";
      return null;
    }

    function renderButtons(m) {
      panel.dataset.status = m.status;
      const primary = primaryStep(m);
      const rank = (to) => (to === primary ? 0 : destructive.has(to) ? 2 : 1);
      const allowed = [...(m.allowed_transitions || [])].sort((a, b) => (rank(a) - rank(b)) || (order(a) - order(b)));
      L.show(buttons, allowed.length ? allowed.map((to) => L.h("button", {
        type: "button", class: "action" + (destructive.has(to) ? " danger" : to === primary ? " primary" : ""), "data-to": to,
        "aria-expanded": pending && pending.to === to ? "true" : "false",
      }, actionLabel(m, to))) : [L.h("p", { class: "muted" }, t("noActions"))]);
      standbyRow.hidden = m.status !== "under_review";
      // The mission moved on (live, or from another screen): a half-filled step no longer applies.
      if (pending && pending.from !== m.status) closeForm();
    }

    function closeForm() {
      pending = null;
      form.hidden = true;
      form.reset();
      clearErrors(form);
      for (const b of buttons.querySelectorAll("button")) b.setAttribute("aria-expanded", "false");
    }

    function openForm(to) {
      const m = M.current();
      const label = actionLabel(m, to);
      form.reset();
      clearErrors(form);
      say(result, "");
      pending = { to, from: m.status, label, key: L.newKey(), confirming: false };
      form.dataset.to = to;
      title.textContent = label;
      const outcomes = outcomesFor(m.status, to);
      const outcome = fieldBox(form, "outcome");
      outcome.hidden = !outcomes;
      const select = outcome.querySelector("select");
      select.replaceChildren(select.options[0], ...(outcomes || []).map((code) =>
        L.h("option", { value: code }, (cfg.outcomeLabels || {})[code] || code)));
      if (outcomes && outcomes.length === 1) select.value = outcomes[0];
      fieldBox(form, "support_mode").hidden = !(cfg.supportModeRequired || []).includes(to);
      const mode = SUPPORT_TO_MODE[m.support];
      if (mode) for (const r of form.querySelectorAll('input[name="support_mode"]')) r.checked = r.value === mode;
      fieldBox(form, "transport_mode").hidden = !(cfg.transportModeAt || []).includes(to);
      fieldBox(form, "review_at").hidden = to !== "advice_given";
      fieldBox(form, "reason").hidden = !destructive.has(to);
      fieldBox(form, "note").hidden = destructive.has(to);
      confirmBox.hidden = true;
      back.textContent = backLabel;
      submit.textContent = label;
      submit.classList.toggle("danger", destructive.has(to));
      form.hidden = false;
      for (const b of buttons.querySelectorAll("button")) b.setAttribute("aria-expanded", b.dataset.to === to ? "true" : "false");
      const first = form.querySelector("[data-field]:not([hidden]) select, [data-field]:not([hidden]) input, [data-field]:not([hidden]) textarea");
      form.scrollIntoView({ block: "nearest" });
      if (first) first.focus();
    }

    /* What the step must carry, checked before anything is sent. */
    function collect() {
      clearErrors(form);
      const body = { to: pending.to, expected_status: pending.from };
      let ok = true;
      const need = (name, value, text) => {
        if (fieldBox(form, name).hidden) return;
        if (value) body[name] = value;
        else { fieldError(form, name, text); ok = false; }
      };
      need("outcome", form.elements.outcome.value, t("chooseOne"));
      need("support_mode", checked(form, "support_mode"), t("chooseOne"));
      need("transport_mode", checked(form, "transport_mode"), t("chooseOne"));
      need("reason", form.elements.reason.value.trim(), t("giveReason"));
      if (!fieldBox(form, "note").hidden && form.elements.note.value.trim()) body.note = form.elements.note.value.trim();
      if (!fieldBox(form, "review_at").hidden && form.elements.review_at.value) body.review_at = isoFromInput(form.elements.review_at.value);
      if (form.elements.occurred_at.value) body.occurred_at = isoFromInput(form.elements.occurred_at.value);
      if (!ok) {
        const first = form.querySelector(".invalid input, .invalid select, .invalid textarea");
        if (first) first.focus();
      }
      return ok ? body : null;
    }

    buttons.addEventListener("click", (ev) => {
      const button = ev.target.closest("button[data-to]");
      if (!button) return;
      if (pending && pending.to === button.dataset.to) closeForm(); else openForm(button.dataset.to);
    });

    back.addEventListener("click", () => {
      if (pending && pending.confirming) {   // "No, go back": to the form, nothing sent
        pending.confirming = false;
        confirmBox.hidden = true;
        submit.textContent = pending.label;
        back.textContent = backLabel;
        return;
      }
      closeForm();
    });

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (!pending) return;
      const body = collect();
      if (!body) return;
      if (destructive.has(pending.to) && !pending.confirming) {
        pending.confirming = true;
        document.getElementById("action-confirm-text").textContent = t("confirmEnd", { label: pending.label });
        confirmBox.hidden = false;
        submit.textContent = t("confirmYes", { label: pending.label });
        back.textContent = t("goBack");
        submit.focus();
        return;
      }
      submit.disabled = true;
      const answer = await send("POST", base + "transitions/", body, pending.key, result);
      submit.disabled = false;
      if (!answer) return;
      if (answer.ok) {
        const label = pending.label;
        closeForm();
        M.apply(answer.data.mission);
        M.addEvent(answer.data.event);
        say(result, `${t("done")} ${label}`);
      } else if (answer.status === 409) {
        closeForm();
        await conflict(answer.data, result);
      } else if (answer.status === 400) {
        if (pending.confirming) back.click();
        showErrors(form, answer.data, result);
      } else {
        say(result, answer.data.detail || t("error", { status: answer.status }), true);
      }
    });

    standbyButton.addEventListener("click", async () => {
      standbyButton.disabled = true;
      const answer = await send("POST", base + "standby/", {}, L.newKey(), result);
      standbyButton.disabled = false;
      if (!answer) return;
      if (answer.ok) {
        const d = answer.data;
        say(result, (d.sent_to || []).length ? t("standbySent", { names: d.sent_to.join(", ") })
          : (d.members || []).length ? t("standbyAlready", { names: d.members.join(", ") }) : t("standbyNobody"),
        !(d.members || []).length);
        M.reload().catch(() => {});
      } else if (answer.status === 409) {
        await conflict(answer.data, result);
      } else {
        say(result, answer.data.detail || t("error", { status: answer.status }), true);
      }
    });

    M.onChange(renderButtons);
    renderButtons(M.current());
  }

  /* --- paging: page again, page a named person, covered by phone (per role) ------------------ */

  const coverage = document.getElementById("coverage");
  if (panel && coverage) {
    const OPEN = new Set(["paging", "declined", "uncovered"]);

    function roleLabel(role) { return (cfg.roleLabels || {})[role] || role; }

    function controls(role) {
      const h = L.h;
      const people = (cfg.teamMembers || {})[role] || [];
      const options = (first) => [h("option", { value: "" }, first), ...people.map((p) => h("option", { value: p.id }, p.name))];
      const result = h("p", { class: "result", role: "status" });
      const box = h("div", { class: "paging-controls", role: "group", "aria-label": t("pagingControls", { role: roleLabel(role) }) },
        h("button", { type: "button", class: "repage secondary", "data-action": "repage" }, t("repage")),
        h("details", {},
          h("summary", {}, `${t("pagePerson")} / ${t("coverByPhone")}`),
          h("label", {}, t("personFor", { role: roleLabel(role) }), h("select", { name: "member" }, ...options(t("choosePerson")))),
          h("button", { type: "button", class: "page-person secondary", "data-action": "page" }, t("pagePerson")),
          h("label", {}, t("coverNote"), h("input", { type: "text", name: "note", autocomplete: "off" })),
          h("button", { type: "button", class: "cover secondary", "data-action": "cover" }, t("coverByPhone"))),
        result);
      box.addEventListener("click", async (ev) => {
        const button = ev.target.closest("button[data-action]");
        if (!button) return;
        const action = button.dataset.action;
        const member = box.querySelector("select[name=member]").value;
        const note = box.querySelector("input[name=note]").value.trim();
        if (action === "page" && !member) { say(result, t("choosePersonFirst"), true); return; }
        const body = action === "page" ? { member_id: Number(member) }
          : action === "cover" ? { member_id: member ? Number(member) : null, note } : {};
        button.disabled = true;
        const answer = await send("POST", `${base}alerts/${role}/${action}/`, body, L.newKey(), result);
        button.disabled = false;
        if (!answer) return;
        if (answer.ok) {
          const name = (people.find((p) => String(p.id) === member) || {}).name || "";
          say(result, t(action === "repage" ? "repaged" : action === "page" ? "paged" : "covered", { role: roleLabel(role), name }));
          M.reload().catch(() => {});
        } else {
          const data = answer.data || {};
          const detail = data.detail || (data.member_id ? [].concat(data.member_id).join(" ") : "");
          say(result, detail || t("error", { status: answer.status }), true);
        }
      });
      return box;
    }

    const showControls = (m) => {
      for (const row of coverage.querySelectorAll(":scope > li[data-role]")) {
        const slot = row.querySelector(".role-controls");
        if (!slot) continue;
        if (!slot.firstChild) slot.append(controls(row.dataset.role));
        const open = OPEN.has(row.dataset.state) && !(cfg.closed || []).includes(m.status);
        const box = slot.firstChild;
        box.querySelector(".repage").hidden = m.status !== "team_activated";
        for (const el of box.querySelectorAll("details")) el.hidden = !open;
        // The last answer stays readable after the role is covered; the buttons go.
        box.querySelector(".repage").hidden ||= !open;
      }
    };
    M.onChange(showControls);
    showControls(M.current());
  }

  /* --- undo -------------------------------------------------------------------------------- */

  const undoRow = document.getElementById("undo-row");
  if (undoRow) {
    const form = document.getElementById("undo-form");
    const result = form.querySelector(".result");
    let key = L.newKey();
    const show = (m) => { undoRow.hidden = !(cfg.undoable || []).includes(m.status); };
    M.onChange(show);
    show(M.current());
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const reason = form.elements.reason.value.trim();
      if (!reason) { fieldError(form, "reason", t("giveReason")); form.elements.reason.focus(); return; }
      const answer = await send("POST", base + "transitions/undo/", { reason }, key, result);
      if (!answer) return;
      if (answer.ok) {
        key = L.newKey();
        form.reset();
        M.apply(answer.data.mission);
        M.addEvent(answer.data.event);
        say(result, t("undoneBack", { status: answer.data.mission.status_label }));
      } else if (answer.status === 409) {
        key = L.newKey();
        await conflict(answer.data, result);
      } else if (answer.status === 400) {
        showErrors(form, answer.data, result);
      } else {
        say(result, answer.data.detail || t("error", { status: answer.status }), true);
      }
    });
  }

  /* --- corrections ------------------------------------------------------------------------- */

  const correction = document.getElementById("correction-form");
  if (correction) {
    const result = correction.querySelector(".result");
    const timeInput = correction.elements["value-time"];
    const choice = correction.elements["value-choice"];
    const current = fieldBox(correction, "value").querySelector(".current");
    const choices = {
      outcome: cfg.outcomeLabels, support_mode: cfg.supportModeLabels,
      outbound_transport_mode: cfg.transportModeLabels, return_transport_mode: cfg.transportModeLabels,
    };

    function recorded(m, field) {
      return field.endsWith("_at") ? (m.phase_times || {})[field] : m[field];
    }

    function prepare() {
      const field = correction.elements.field.value;
      const m = M.current();
      const isTime = field.endsWith("_at");
      timeInput.hidden = !field || !isTime;
      choice.hidden = !field || isTime;
      const now = field ? recorded(m, field) : null;
      current.textContent = field ? `(${M.valueText(field, now)})` : "";
      if (isTime) timeInput.value = now ? localInput(now) : "";
      if (field && !isTime) {
        choice.replaceChildren(...Object.entries(choices[field] || {}).map(([v, label]) => L.h("option", { value: v }, label)));
        choice.value = now || "";
      }
    }

    correction.elements.field.addEventListener("change", () => { clearErrors(correction); prepare(); });
    M.onChange(() => { if (correction.elements.field.value) current.textContent = `(${M.valueText(correction.elements.field.value, recorded(M.current(), correction.elements.field.value))})`; });

    correction.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(correction);
      const field = correction.elements.field.value;
      const value = field.endsWith("_at") ? isoFromInput(timeInput.value) : choice.value;
      const reason = correction.elements.reason.value.trim();
      let ok = true;
      if (!field) { fieldError(correction, "field", t("chooseOne")); ok = false; }
      else if (!value) { fieldError(correction, "value", t("giveValue")); ok = false; }
      if (!reason) { fieldError(correction, "reason", t("giveReason")); ok = false; }
      if (!ok) return;
      const answer = await send("POST", base + "corrections/", { field, value, reason }, null, result);
      if (!answer) return;
      if (answer.ok) {
        const p = answer.data.payload || {};
        M.addEvent(answer.data);
        correction.reset();
        prepare();
        say(result, t("corrected", { field: M.fieldLabel(p.field), old: M.valueText(p.field, p.old), new: M.valueText(p.field, p.new) }));
        M.reload().catch(() => {});
      } else if (answer.status === 400) {
        showErrors(correction, answer.data, result);
      } else {
        say(result, answer.data.detail || t("error", { status: answer.status }), true);
      }
    });
  }

  /* --- adverse events ---------------------------------------------------------------------- */

  const adverse = document.getElementById("adverse-form");
  if (adverse) {
    const result = adverse.querySelector(".result");
    const code = adverse.elements.code;
    const placeholder = code.options[0].cloneNode(true);
    let key = L.newKey();

    adverse.elements.category.addEventListener("change", () => {
      const codes = (cfg.adverseCodes || {})[adverse.elements.category.value] || {};
      code.replaceChildren(placeholder.cloneNode(true), ...Object.entries(codes).map(([v, label]) => L.h("option", { value: v }, label)));
      code.options[0].textContent = "—";
      code.disabled = !Object.keys(codes).length;
    });

    adverse.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(adverse);
      const body = { category: adverse.elements.category.value, code: code.value, severity: checked(adverse, "severity") };
      let ok = true;
      for (const name of ["category", "code", "severity"]) {
        if (!body[name]) { fieldError(adverse, name, t("chooseOne")); ok = false; }
      }
      if (!ok) return;
      if (adverse.elements.note.value.trim()) body.note = adverse.elements.note.value.trim();
      if (adverse.elements.occurred_at.value) body.occurred_at = isoFromInput(adverse.elements.occurred_at.value);
      const answer = await send("POST", base + "adverse-events/", body, key, result);
      if (!answer) return;
      if (answer.ok) {
        key = L.newKey();
        adverse.reset();
        code.disabled = true;
        say(result, `${t("done")} ${answer.data.code_label} (${answer.data.severity_label})`);
        M.reload().catch(() => {});
      } else if (answer.status === 400) {
        showErrors(adverse, answer.data, result);
      } else {
        say(result, answer.data.detail || t("error", { status: answer.status }), true);
      }
    });
  }
})();
