/* Renders the decision-support answer of /api/v1/referrals/assess/ (and of a saved referral).
   Exposes window.ReferralAssessment.render(container, assessment, labels). */
(function () {
  "use strict";

  const NAMES = { murray: "Murray lung injury score", resp: "RESP score", save: "SAVE score",
    preserve: "PRESERVE score (as reproduced by Klinzing 2015)" };
  const STATUS = { met: "met", not_met: "not met", undeterminable: "cannot be decided yet" };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  function fmt(value) {
    if (value === null || value === undefined) return "—";
    return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, "");
  }

  function nameList(names, labels) {
    return names.map((n) => labels[n] || n).join(", ");
  }

  function scoreRow(s, labels) {
    const parts = [el("span", { class: "score-name" }, NAMES[s.name] || s.name), " ",
      el("strong", { class: "score-value" }, fmt(s.score))];
    if (s.risk_class) parts.push(" ", el("span", { class: "score-class" }, s.name === "murray" ? s.risk_class.replace("_", " ") : "class " + s.risk_class));
    if (s.predicted_survival_percent !== null) parts.push(" ", el("span", { class: "muted" }, `(survival ${s.predicted_survival_percent} %)`));
    const li = el("li", { "data-score": s.name, "data-complete": s.complete ? "true" : "false" }, ...parts);
    if (s.inputs_missing.length) li.append(el("div", { class: "missing muted" }, "Missing: " + nameList(s.inputs_missing, labels)));
    else if (s.score === null && s.note) li.append(el("div", { class: "muted" }, s.note));
    return li;
  }

  function render(container, a, labels) {
    labels = labels || {};
    const support = a.support;
    const out = [];
    const scores = el("ul", { class: "scores", id: "scores" });
    for (const name of a.relevant_scores) scores.append(scoreRow(a.scores[name], labels));
    out.push(el("h3", {}, "Scores"), scores);
    if (a.derived.pf_ratio !== null || a.derived.bmi !== null) {
      out.push(el("p", { class: "derived" }, "PaO2/FiO2 ", el("strong", { id: "pf-ratio" }, fmt(a.derived.pf_ratio)), " mmHg · BMI ", fmt(a.derived.bmi)));
    }
    if (!support || support === "vv") {
      const e = a.criteria.vv_eolia;
      const list = el("ul", { class: "criteria" });
      for (const c of e.criteria) {
        const li = el("li", { "data-status": c.status }, c.label, ": ", STATUS[c.status] || c.status);
        if (c.inputs_missing.length) li.append(el("span", { class: "muted" }, " (needs " + nameList(c.inputs_missing, labels) + ")"));
        list.append(li);
      }
      out.push(el("h3", {}, "EOLIA entry criteria (VV): ", el("span", { id: "eolia-status", "data-status": e.status }, STATUS[e.status] || e.status)), list);
    }
    if (support) {
      const c = a.contraindications.by_support[support];
      const items = Object.fromEntries(a.contraindications.items.map((i) => [i.id, i]));
      const list = el("ul", { class: "contraindications", id: "contraindications" });
      for (const id of c.absolute_present) list.append(el("li", { class: "absolute" }, "Absolute: " + items[id].label));
      for (const id of c.relative_present) list.append(el("li", { class: "relative" }, "Relative: " + items[id].label + (items[id].detail ? " (" + items[id].detail + ")" : "")));
      for (const id of c.judgement) list.append(el("li", { class: "judgement" }, "To judge: " + items[id].label + (items[id].detail ? " (" + items[id].detail + ")" : "")));
      if (!list.children.length) list.append(el("li", { class: "muted" }, "None flagged so far."));
      out.push(el("h3", {}, "Contraindications"), list);
      const missing = a.missing[support].all;
      const ml = el("ul", { class: "missing-list", id: "missing-for-decision", "data-count": String(missing.length) });
      for (const name of missing) ml.append(el("li", { "data-field": name }, labels[name] || name));
      out.push(el("h3", {}, "Missing for the decision ", el("span", { class: "badge", id: "missing-count" }, String(missing.length))),
        missing.length ? ml : el("p", { class: "ok" }, "Nothing missing."));
    } else {
      out.push(el("p", { class: "muted" }, "Choose the requested support to see contraindications and what is missing."));
    }
    out.push(el("p", { class: "muted small" }, a.disclaimer));
    container.replaceChildren(...out);
  }

  window.ReferralAssessment = { render };
})();
