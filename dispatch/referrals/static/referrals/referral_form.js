/* Referral form: live decision support as the doctor types (server-side, /api/v1/referrals/assess/),
   then one POST to /api/v1/referrals/ and on to the referral's page. Every mistake is shown at once,
   at its field and in a summary; nothing the scoring does afterwards takes a mistake away. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("referral-config").textContent);
  const CI = window.ClinicalInput;
  const form = document.getElementById("referral-form");
  const body = document.getElementById("assessment-body");
  const invalidNote = document.getElementById("assessment-invalid");
  const barText = document.getElementById("score-bar-text");
  const formError = document.getElementById("form-error");
  const summary = document.getElementById("error-summary");
  const labels = cfg.labels || {};
  const CONTACT = ["referring_physician", "callback_phone", "note", "referring_hospital", "kind", "patient_reference", "occurred_at"];
  const DEBOUNCE_MS = 300;
  let timer = null, latest = 0, attempted = false;
  // Mistakes found when sending (client and server), and those found while typing, per field.
  let sendErrors = {}, typingErrors = {};

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function display() {
    const errors = Object.assign({}, typingErrors, sendErrors);
    return CI.showErrors(form, errors, { summary: attempted ? summary : null, labels });
  }

  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(data),
    });
    let json = {};
    try { json = await response.json(); } catch (e) { json = {}; }
    return { status: response.status, json };
  }

  function names(list) { return list.map((n) => labels[n] || n).join(", "); }

  /* Score what is valid; name what is not counted. A mistake in one field never freezes the panel. */
  async function assess() {
    const ticket = ++latest;
    const { data, errors } = CI.collect(form, cfg);
    for (const name of CONTACT) delete data[name];
    const required = gettext("This field is required.");
    const invalid = Object.keys(errors).filter((n) => !CONTACT.includes(n) && errors[n][0] !== required);
    // What the form itself can tell while typing (no "required" until the doctor sends).
    typingErrors = Object.fromEntries(Object.entries(errors).filter(([, m]) => m[0] !== required));
    display();
    let result;
    try {
      result = await post(cfg.assessUrl, data);
      if (result.status === 400 && ticket === latest) {
        // Checks only the server makes (e.g. a PaO2 above what the FiO2 allows): score without those.
        for (const name of Object.keys(result.json)) { delete data[name]; if (!invalid.includes(name)) invalid.push(name); }
        if (Object.keys(result.json).includes("gas_unit")) { delete data.pao2; delete data.paco2; }
        result = await post(cfg.assessUrl, data);
      }
    } catch (e) { return; }  // offline: keep the last answer
    if (ticket !== latest) return;  // a newer keystroke already asked
    if (result.status !== 200) return;
    window.ReferralAssessment.render(body, result.json, labels);
    barText.textContent = window.ReferralAssessment.summaryText(result.json, labels)
      + (invalid.length ? " · " + interpolate(gettext("not counted: %s"), [names(invalid)]) : "");
    invalidNote.hidden = !invalid.length;
    invalidNote.textContent = invalid.length
      ? interpolate(gettext("Not counted until corrected: %s. The scores use the other values."), [names(invalid)]) : "";
    body.dataset.state = invalid.length ? "partial" : "ok";
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(assess, DEBOUNCE_MS);
  }

  /* A field the doctor changed is checked again: its own mistake goes or stays, the others stay. */
  function recheck(input) {
    if (!input || !input.name) return;
    const related = input.name === "gas_unit" ? ["pao2", "paco2"] : input.name === "support" ? [] : [input.name];
    for (const name of related) {
      const el = form.querySelector(`[name="${name}"]`);
      delete sendErrors[name];
      delete typingErrors[name];
      if (!el) continue;
      const r = CI.read(form, el, cfg);
      if (r.error) typingErrors[name] = [r.error];
      else if (r.empty && el.required && attempted) sendErrors[name] = [gettext("This field is required.")];
    }
    if (input.name === "ventilation_days" || input.name === "ventilation_hours") {
      delete sendErrors.ventilation_days; delete sendErrors.ventilation_hours;
    }
    display();
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", (e) => { recheck(e.target); schedule(); });
  const unit = form.querySelector('[name="gas_unit"]');
  if (unit) unit.addEventListener("change", () => {
    for (const el of form.querySelectorAll(".gas-unit")) el.textContent = unit.value;
  });
  const support = form.querySelector('[name="support"]');
  function supportChanged() { CI.applySupport(form, support.value); }
  support.addEventListener("change", supportChanged);

  const texts = cfg.texts || {};
  function fill(text, values) {
    for (const [k, v] of Object.entries(values || {})) text = String(text).split("%(" + k + ")s").join(String(v));
    return text;
  }

  /* 409 possible_duplicate: name the open mission(s), link each, and let the doctor say it is
     another patient. Nothing typed is lost: the form stays as it is. */
  const warning = document.getElementById("duplicate-warning");
  function showDuplicates(answer) {
    document.getElementById("duplicate-title").textContent = texts.duplicateTitle || "";
    document.getElementById("duplicate-detail").textContent = answer.detail || "";
    const links = document.getElementById("duplicate-links");
    links.replaceChildren(...(answer.duplicates || []).map((d) => {
      const a = document.createElement("a");
      a.href = cfg.missionUrl.replace("/0/", "/" + d.id + "/");
      a.target = "_blank";
      a.dataset.missionId = d.id;
      a.textContent = fill(texts.duplicateOpen, { code: d.code, status: (cfg.statusLabels || {})[d.status] || d.status });
      const li = document.createElement("li");
      li.append(a);
      return li;
    }));
    document.getElementById("send-anyway").textContent = texts.sendAnyway || "";
    warning.hidden = false;
    warning.scrollIntoView({ block: "center" });
  }

  function focusFirst(first) {
    if (first) { first.focus({ preventScroll: true }); first.scrollIntoView({ block: "center" }); }
    else if (!summary.hidden) summary.focus();
  }

  async function send(confirmNotDuplicate) {
    const button = document.getElementById("submit-referral");
    const anyway = document.getElementById("send-anyway");
    button.disabled = anyway.disabled = true;
    attempted = true;
    formError.hidden = true;
    const { data, errors } = CI.collect(form, cfg);
    // A value the form cannot read goes as typed: the server names it too, with everything else.
    for (const name of Object.keys(errors)) {
      const input = form.querySelector(`[name="${name}"]`);
      if (input && input.value.trim() !== "") data[name] = input.value.trim();
    }
    if (confirmNotDuplicate) data.confirm_not_duplicate = true;
    try {
      const result = await post(cfg.createUrl, data);
      if (result.status === 201) {
        location.href = cfg.detailUrl.replace("/0/", "/" + result.json.mission_id + "/");
        return;
      }
      warning.hidden = true;
      if (result.status === 409 && result.json.code === "possible_duplicate") { showDuplicates(result.json); return; }
      sendErrors = Object.assign({}, errors, result.status === 400 ? result.json : {});
      typingErrors = {};
      if (result.status !== 400) {
        formError.textContent = result.json.detail || fill(texts.sendFailed, { status: result.status });
        formError.hidden = false;
      }
      focusFirst(display());
    } catch (err) {
      sendErrors = errors;
      focusFirst(display());
      formError.textContent = texts.offline || "";
      formError.hidden = false;
    } finally {
      button.disabled = anyway.disabled = false;
    }
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); send(false); });
  document.getElementById("send-anyway").addEventListener("click", () => send(true));
  // The first call cannot lie in the future: the picker offers nothing after now.
  const firstCall = form.querySelector('[name="occurred_at"]');
  if (firstCall) {
    const now = new Date();
    now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    firstCall.max = now.toISOString().slice(0, 16);
  }
  supportChanged();
  schedule();
})();
