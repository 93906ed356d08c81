/* Referral form: live decision support as the doctor types (server-side, /api/v1/referrals/assess/),
   then one POST to /api/v1/referrals/ and on to the referral's page. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("referral-config").textContent);
  const form = document.getElementById("referral-form");
  const body = document.getElementById("assessment-body");
  const formError = document.getElementById("form-error");
  const DEBOUNCE_MS = 300;
  let timer = null, latest = 0;

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /* Form → JSON: empty means "not given" and is left out, never sent as 0 or false. */
  function values() {
    const data = {};
    for (const input of form.querySelectorAll("[name][data-kind]")) {
      if (input.type === "radio" && !input.checked) continue;
      const raw = input.value.trim();
      if (raw === "") continue;
      const kind = input.dataset.kind;
      if (kind === "bool") data[input.name] = raw === "true";
      else if (kind === "datetime") {
        // datetime-local is the phone's local time; the API wants it with its UTC offset.
        const at = new Date(raw);
        data[input.name] = isNaN(at.getTime()) ? raw : at.toISOString();
      }
      else if (kind === "int") data[input.name] = Number.isInteger(Number(raw)) ? Number(raw) : raw;
      else if (kind === "float") data[input.name] = raw.includes(",") || isNaN(Number(raw)) ? raw.replace(",", ".") : Number(raw);
      else data[input.name] = raw;
    }
    if (!("pao2" in data) && !("paco2" in data)) delete data.gas_unit;
    return data;
  }

  function clearErrors() {
    for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    formError.hidden = true;
  }

  function showErrors(errors) {
    let unplaced = [];
    for (const [name, messages] of Object.entries(errors)) {
      const text = Array.isArray(messages) ? messages.join(" ") : String(messages);
      const slot = form.querySelector(`.field-error[data-for="${name}"]`);
      const input = form.querySelector(`[name="${name}"]`);
      if (input) input.setAttribute("aria-invalid", "true");
      if (slot) slot.textContent = text; else unplaced.push(text);
    }
    if (unplaced.length) { formError.textContent = unplaced.join(" "); formError.hidden = false; }
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

  async function assess() {
    const ticket = ++latest;
    const data = values();
    // Contact fields are not needed to score; the server ignores them anyway.
    delete data.referring_physician; delete data.callback_phone; delete data.note; delete data.referring_hospital;
    delete data.kind; delete data.patient_reference; delete data.occurred_at;
    let result;
    try { result = await post(cfg.assessUrl, data); } catch (e) { return; }  // offline: keep the last answer
    if (ticket !== latest) return;  // a newer keystroke already asked
    clearErrors();
    if (result.status === 200) {
      window.ReferralAssessment.render(body, result.json, cfg.labels);
      body.dataset.state = "ok";
    } else if (result.status === 400) {
      showErrors(result.json);
      body.dataset.state = "invalid";
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(assess, DEBOUNCE_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  const unit = form.querySelector('[name="gas_unit"]');
  if (unit) unit.addEventListener("change", () => {
    for (const el of form.querySelectorAll(".gas-unit")) el.textContent = unit.value;
  });

  const texts = cfg.texts || {};
  function fill(text, values) {
    for (const [k, v] of Object.entries(values || {})) text = String(text).split("%(" + k + ")s").join(String(v));
    return text;
  }

  /* 409 possible_duplicate: name the open mission(s), link each, and let the doctor say it is
     another patient. Nothing typed is lost: the form stays as it is. */
  const warning = document.getElementById("duplicate-warning");
  function showDuplicates(body) {
    document.getElementById("duplicate-title").textContent = texts.duplicateTitle || "";
    document.getElementById("duplicate-detail").textContent = body.detail || "";
    const links = document.getElementById("duplicate-links");
    links.replaceChildren(...(body.duplicates || []).map((d) => {
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

  async function send(confirmNotDuplicate) {
    const button = document.getElementById("submit-referral");
    const anyway = document.getElementById("send-anyway");
    button.disabled = anyway.disabled = true;
    clearTimeout(timer);
    latest += 1;  // a scoring answer still on its way must not wipe the errors of this send
    clearErrors();
    const data = values();
    if (confirmNotDuplicate) data.confirm_not_duplicate = true;
    try {
      const result = await post(cfg.createUrl, data);
      if (result.status === 201) {
        location.href = cfg.detailUrl.replace("/0/", "/" + result.json.mission_id + "/");
        return;
      }
      warning.hidden = true;
      if (result.status === 409 && result.json.code === "possible_duplicate") { showDuplicates(result.json); return; }
      if (result.status === 400) showErrors(result.json);
      else { formError.textContent = result.json.detail || fill(texts.sendFailed, { status: result.status }); formError.hidden = false; }
      const first = form.querySelector("[aria-invalid]");
      if (first) first.scrollIntoView({ block: "center" });
    } catch (err) {
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
  schedule();
})();
