/* Reading and checking the referral's inputs, shared by the referral form and the referrer's update form.
   Numbers are typed as text: "7,5" and "7.5" are both 7.5. Every mistake is found at once and shown
   at its field, with a summary that links to each field. Exposes window.ClinicalInput. */
(function () {
  "use strict";
  const lang = document.documentElement.lang || "sl";

  function num(value) {
    return Number(value).toLocaleString(lang, { maximumFractionDigits: 2 });
  }

  /* "7,5" / "7.5" / " 7 " → 7.5 / 7; "7,5,1", "7a", "" → NaN. */
  function parseNumber(raw) {
    const text = String(raw).trim().replace(/\s/g, "");
    if (!/^[-+]?(\d+([.,]\d*)?|[.,]\d+)$/.test(text)) return NaN;
    return Number(text.replace(",", "."));
  }

  function visible(input) {
    return !input.closest("[hidden]");
  }

  function gasUnit(form) {
    const unit = form.querySelector('[name="gas_unit"]');
    return unit ? unit.value : "mmHg";
  }

  /* One input's value, or { error } when it cannot be read or is out of range. Empty → { empty: true }. */
  function read(form, input, cfg) {
    const raw = input.value.trim();
    const kind = input.dataset.kind;
    if (raw === "") return { empty: true };
    if (kind === "bool") return { value: raw === "true" };
    if (kind === "int" && input.tagName === "SELECT") return { value: Number(raw) };
    if (kind === "datetime") {
      const at = new Date(raw);
      return isNaN(at.getTime()) ? { error: gettext("Enter a date and time.") } : { value: at.toISOString() };
    }
    if (kind !== "int" && kind !== "float" && kind !== "fio2") return { value: raw };
    const value = parseNumber(raw);
    if (isNaN(value)) return { error: gettext("Enter a number, e.g. 7,5 or 7.5.") };
    if (kind === "int" && !Number.isInteger(value)) return { error: gettext("Enter a whole number.") };
    if (kind === "fio2") {
      if ((value >= 0.21 && value <= 1) || (value >= 21 && value <= 100)) return { value };
      return { error: gettext("FiO2 must be between 0.21 and 1.0 (fraction) or between 21 and 100 (%).") };
    }
    let low = input.dataset.low, high = input.dataset.high, unit = input.dataset.unit || "";
    if (low === undefined || low === "" || high === undefined || high === "") return { value };
    low = Number(low); high = Number(high);
    if (input.dataset.gas) {
      unit = gasUnit(form);
      if (unit === "kPa") { low = Math.round(low / cfg.mmhgPerKpa * 10) / 10; high = Math.round(high / cfg.mmhgPerKpa * 10) / 10; }
    }
    if (value < low || value > high) {
      return { error: interpolate(gettext("%(label)s must be between %(low)s and %(high)s%(unit)s."),
        { label: input.dataset.label || input.name, low: num(low), high: num(high), unit: unit ? " " + unit : "" }, true) };
    }
    return { value };
  }

  /* Values and mistakes of every visible input. Required and empty is a mistake; other empties are "not known". */
  function collect(form, cfg) {
    const data = {}, errors = {};
    for (const input of form.querySelectorAll("[name][data-kind]")) {
      if (input.type === "radio" && !input.checked) continue;
      if (!visible(input)) continue;
      const r = read(form, input, cfg);
      if (r.empty) {
        if (input.required) errors[input.name] = [gettext("This field is required.")];
        continue;
      }
      if (r.error) errors[input.name] = [r.error];
      else data[input.name] = r.value;
    }
    if (!("pao2" in data) && !("paco2" in data) && !("pao2" in errors) && !("paco2" in errors)) delete data.gas_unit;
    return { data, errors };
  }

  /* Only what changed since the page was drawn (data-initial), for the update form: null clears. */
  function changed(form, cfg) {
    const { data, errors } = collect(form, cfg);
    const out = {};
    for (const input of form.querySelectorAll("[name][data-kind]")) {
      if (!visible(input) || input.dataset.always) continue;
      const before = input.dataset.initial || "";
      if (input.value.trim() === before) continue;
      out[input.name] = input.name in data ? data[input.name] : null;
    }
    const gas = form.querySelector('[name="gas_unit"]');
    if (gas && (gas.value !== (gas.dataset.initial || gas.value) || "pao2" in out || "paco2" in out)) {
      for (const name of ["pao2", "paco2"]) if (name in data) out[name] = data[name];
      out.gas_unit = gas.value;
    }
    if ("ventilation_days" in out || "ventilation_hours" in out) {
      out.ventilation_days = "ventilation_days" in data ? data.ventilation_days : null;
      out.ventilation_hours = "ventilation_hours" in data ? data.ventilation_hours : null;
    }
    return { data: out, errors };
  }

  /* The kinds of support a field counts for: hide the others' fields, and sections left empty. */
  function applySupport(form, support) {
    for (const field of form.querySelectorAll(".field[data-supports]")) {
      const supports = field.dataset.supports.split(" ").filter(Boolean);
      field.hidden = Boolean(support) && supports.length > 0 && !supports.includes(support);
    }
    for (const section of form.querySelectorAll("fieldset.clinical-section")) {
      section.hidden = !section.querySelector(".field:not([hidden])");
    }
  }

  /* Show mistakes: at each field (aria-invalid, message), and in the summary with a link to each. */
  function showErrors(form, errors, opts) {
    const labels = (opts && opts.labels) || {};
    for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    const summary = opts && opts.summary;
    const items = [];
    const unplaced = [];
    for (const [name, messages] of Object.entries(errors)) {
      const text = Array.isArray(messages) ? messages.join(" ") : typeof messages === "object" ? Object.values(messages).flat().join(" ") : String(messages);
      const slot = form.querySelector(`.field-error[data-for="${name}"]`);
      const input = form.querySelector(`[name="${name}"]`);
      if (input) input.setAttribute("aria-invalid", "true");
      if (slot) slot.textContent = text;
      if (input && visible(input)) items.push({ input, name, text });
      else unplaced.push((labels[name] ? labels[name] + ": " : "") + text);
    }
    if (!summary) return null;
    const list = summary.querySelector("ul");
    const order = Array.from(form.querySelectorAll("[name]"));
    items.sort((a, b) => order.indexOf(a.input) - order.indexOf(b.input));
    list.replaceChildren(...items.map(({ input, name, text }) => {
      const a = document.createElement("a");
      a.href = "#" + input.id;
      a.textContent = (labels[name] || input.dataset.label || name) + ": " + text;
      a.addEventListener("click", (e) => { e.preventDefault(); input.focus(); input.scrollIntoView({ block: "center" }); });
      const li = document.createElement("li");
      li.append(a);
      return li;
    }), ...unplaced.map((text) => { const li = document.createElement("li"); li.textContent = text; return li; }));
    const count = items.length + unplaced.length;
    summary.querySelector("h2").textContent = interpolate(
      ngettext("%s field to correct before sending:", "%s fields to correct before sending:", count), [count]);
    summary.hidden = count === 0;
    return items.length ? items[0].input : null;
  }

  window.ClinicalInput = { parseNumber, read, collect, changed, applySupport, showErrors, visible };
})();
