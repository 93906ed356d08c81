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
      const raw = input.value.trim();
      if (raw === "") continue;
      const kind = input.dataset.kind;
      if (kind === "bool") data[input.name] = raw === "true";
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

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = document.getElementById("submit-referral");
    button.disabled = true;
    clearErrors();
    try {
      const result = await post(cfg.createUrl, values());
      if (result.status === 201) {
        location.href = cfg.detailUrl.replace("/0/", "/" + result.json.mission_id + "/");
        return;
      }
      if (result.status === 400) showErrors(result.json);
      else { formError.textContent = result.json.detail || "Sending failed (" + result.status + "); please try again."; formError.hidden = false; }
      const first = form.querySelector("[aria-invalid]");
      if (first) first.scrollIntoView({ block: "center" });
    } catch (err) {
      formError.textContent = "No connection; nothing was sent. Please try again.";
      formError.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  schedule();
})();
