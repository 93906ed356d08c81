/* Renders the decision-support answer of /api/v1/referrals/assess/ (and of a saved referral), in the
   page's language. Exposes window.ReferralAssessment.render(container, assessment, labels) and
   summaryText(assessment) for the phone's score bar. */
(function () {
  "use strict";
  const lang = document.documentElement.lang || "sl";

  const NAMES = { murray: gettext("Murray lung injury score"), resp: gettext("RESP score"), save: gettext("SAVE score"),
    preserve: gettext("PRESERVE score (as reproduced by Klinzing 2015)") };
  const SHORT = { murray: "Murray", resp: "RESP", save: "SAVE", preserve: "PRESERVE" };
  const STATUS = { met: gettext("met"), not_met: gettext("not met"), undeterminable: gettext("cannot be decided yet") };
  const CLASSES = { severe: gettext("severe"), not_severe: gettext("not severe") };
  const EOLIA = {
    pf_lt_50_over_3h: gettext("PaO2/FiO2 < 50 mmHg for > 3 h"),
    pf_lt_80_over_6h: gettext("PaO2/FiO2 < 80 mmHg for > 6 h"),
    ph_lt_7_25_paco2_ge_60_over_6h: gettext("pH < 7.25 with PaCO2 ≥ 60 mmHg for > 6 h (RR 35/min, plateau ≤ 32 cmH2O)"),
  };
  const CONTRA = {
    prolonged_ventilation: gettext("Mechanical ventilation > 7–10 days"),
    anticoagulation_contraindicated: gettext("Contraindication to anticoagulation"),
    severe_coagulopathy: gettext("Severe coagulopathy"),
    advanced_age: gettext("Advanced age (60 years or older)"),
    weight_over_125_kg: gettext("Weight > 125 kg"),
    moribund_multiorgan_failure: gettext("Moribund with multiorgan failure"),
    prolonged_cardiac_arrest: gettext("Prolonged cardiac arrest"),
    severe_anoxic_brain_injury: gettext("Severe anoxic brain injury"),
    massive_intracranial_haemorrhage: gettext("Massive intracranial haemorrhage"),
    chronic_respiratory_failure_no_transplant: gettext("Chronic respiratory failure without transplant option"),
    malignancy_poor_prognosis: gettext("Malignancy with poor prognosis"),
    uncontrolled_bleeding: gettext("Uncontrolled bleeding"),
    terminal_illness: gettext("Terminal illness"),
    end_stage_organ_failure_no_transplant: gettext("End-stage organ failure without transplant option"),
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  function fmt(value) {
    if (value === null || value === undefined) return "—";
    return Number(value).toLocaleString(lang, { maximumFractionDigits: 2 });
  }

  /* The contraindication's detail in the page's language: numbers come from the server's English text. */
  function detail(item) {
    const text = item.detail || "";
    let m;
    if ((m = text.match(/^([\d.]+) years$/))) return interpolate(gettext("%s years"), [fmt(Number(m[1]))]);
    if ((m = text.match(/^ventilated ([\d.]+) days$/))) return interpolate(gettext("ventilated %s days"), [fmt(Number(m[1]))]);
    if ((m = text.match(/^([\d.]+) kg$/))) return fmt(Number(m[1])) + " kg";
    if (text === "flow times not given") return gettext("flow times not given");
    return text.replace(/no-flow ([\d.]+) min/, (_, n) => interpolate(gettext("no-flow %s min"), [fmt(Number(n))]))
      .replace(/low-flow ([\d.]+) min/, (_, n) => interpolate(gettext("low-flow %s min"), [fmt(Number(n))]));
  }

  function nameList(names, labels) {
    return names.map((n) => labels[n] || n).join(", ");
  }

  function scoreRow(s, labels) {
    const parts = [el("span", { class: "score-name" }, NAMES[s.name] || s.name), " ",
      el("strong", { class: "score-value" }, fmt(s.score))];
    if (s.risk_class) parts.push(" ", el("span", { class: "score-class" }, s.name === "murray" ? (CLASSES[s.risk_class] || s.risk_class) : interpolate(gettext("class %s"), [s.risk_class])));
    if (s.predicted_survival_percent !== null) parts.push(" ", el("span", { class: "muted" }, interpolate(gettext("(survival %s %)"), [s.predicted_survival_percent])));
    const li = el("li", { "data-score": s.name, "data-complete": s.complete ? "true" : "false" }, ...parts);
    if (s.inputs_missing.length) li.append(el("div", { class: "missing muted" }, interpolate(gettext("Missing: %s"), [nameList(s.inputs_missing, labels)])));
    else if (s.score === null && s.note) li.append(el("div", { class: "muted" }, s.note));
    return li;
  }

  function summaryText(a) {
    const parts = a.relevant_scores.map((name) => SHORT[name] + " " + fmt(a.scores[name].score));
    if (a.support) parts.push(interpolate(gettext("missing %s"), [a.missing[a.support].all.length]));
    else parts.push(gettext("choose the support"));
    return parts.join(" · ");
  }

  function render(container, a, labels) {
    labels = labels || {};
    const support = a.support;
    const out = [];
    const scores = el("ul", { class: "scores", id: "scores" });
    for (const name of a.relevant_scores) scores.append(scoreRow(a.scores[name], labels));
    out.push(el("h3", {}, gettext("Scores")), scores);
    if (a.derived.pf_ratio !== null || a.derived.bmi !== null) {
      out.push(el("p", { class: "derived" }, "PaO2/FiO2 ", el("strong", { id: "pf-ratio" }, fmt(a.derived.pf_ratio)), " mmHg · " + gettext("BMI") + " ", fmt(a.derived.bmi)));
    }
    if (!support || support === "vv") {
      const e = a.criteria.vv_eolia;
      const list = el("ul", { class: "criteria" });
      for (const c of e.criteria) {
        const li = el("li", { "data-status": c.status }, EOLIA[c.id] || c.label, ": ", STATUS[c.status] || c.status);
        if (c.inputs_missing.length) li.append(el("span", { class: "muted" }, " (" + interpolate(gettext("needs %s"), [nameList(c.inputs_missing, labels)]) + ")"));
        list.append(li);
      }
      out.push(el("h3", {}, gettext("EOLIA entry criteria (VV):") + " ", el("span", { id: "eolia-status", "data-status": e.status }, STATUS[e.status] || e.status)), list);
    }
    if (support) {
      const c = a.contraindications.by_support[support];
      const items = Object.fromEntries(a.contraindications.items.map((i) => [i.id, i]));
      const label = (id) => (CONTRA[id] || items[id].label) + (items[id].detail ? " (" + detail(items[id]) + ")" : "");
      const list = el("ul", { class: "contraindications", id: "contraindications" });
      for (const id of c.absolute_present) list.append(el("li", { class: "absolute", "data-id": id }, interpolate(gettext("Absolute: %s"), [label(id)])));
      for (const id of c.relative_present) list.append(el("li", { class: "relative", "data-id": id }, interpolate(gettext("Relative: %s"), [label(id)])));
      for (const id of c.judgement) list.append(el("li", { class: "judgement", "data-id": id }, interpolate(gettext("To judge: %s"), [label(id)])));
      if (!list.children.length) list.append(el("li", { class: "muted" }, gettext("None flagged so far.")));
      out.push(el("h3", {}, gettext("Contraindications")), list);
      const missing = a.missing[support].all;
      const ml = el("ul", { class: "missing-list", id: "missing-for-decision", "data-count": String(missing.length) });
      for (const name of missing) ml.append(el("li", { "data-field": name }, labels[name] || name));
      out.push(el("h3", {}, gettext("Missing for the decision") + " ", el("span", { class: "badge", id: "missing-count" }, String(missing.length))),
        missing.length ? ml : el("p", { class: "ok" }, gettext("Nothing missing.")));
    } else {
      out.push(el("p", { class: "muted" }, gettext("Choose the requested support to see contraindications and what is missing.")));
    }
    out.push(el("p", { class: "muted small" }, gettext("Scores and criteria support the decision; they never make it.")));
    container.replaceChildren(...out);
  }

  window.ReferralAssessment = { render, summaryText };
})();
