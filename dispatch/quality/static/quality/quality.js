/* The quality page's charts, drawn with the vendored Chart.js from the page's json_script block.
   Every number drawn is also in a table under its chart (server-rendered). Each canvas gets
   data-points (how many values it drew) once drawn, so a test can see a chart really has data. */
(function () {
  "use strict";
  var source = document.getElementById("quality-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;

  // Okabe–Ito: told apart with every common colour vision deficiency.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#000000"];
  var SEVERITY = { minor: "#56B4E9", major: "#E69F00", fatal: "#D55E00" };
  // Good endings in blues, deaths in vermilion, the rest in muted tones.
  var OUTCOME_COLOURS = {
    on_ecmo: "#0072B2", without_ecmo: "#56B4E9", died: "#D55E00",
    aborted: "#E69F00", cancelled: "#999999", declined_or_advice: "#CC79A7",
  };

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#333";
  // Axis and tooltip numbers as the page writes them (12,5 on a Slovene page), not as the browser would.
  Chart.defaults.locale = document.documentElement.lang || undefined;

  function minutesAxis(title) {
    return { beginAtZero: true, title: { display: true, text: title } };
  }
  function countAxis(title, stacked) {
    return { beginAtZero: true, stacked: !!stacked, ticks: { precision: 0 }, title: { display: true, text: title } };
  }
  function countPoints(datasets) {
    var n = 0;
    datasets.forEach(function (set) {
      set.data.forEach(function (value) { if (value !== null && value !== undefined) n += 1; });
    });
    return n;
  }
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, config);
    canvas.dataset.points = String(countPoints(config.data.datasets));
  }

  var months = data.monthLabels;

  draw("chart-medians", {
    type: "line",
    data: {
      labels: months,
      datasets: data.medians.keys.map(function (key, i) {
        return {
          label: data.intervalLabels[key],
          data: data.medians.rows.map(function (row) { return row.values[key]; }),
          borderColor: PALETTE[i % PALETTE.length],
          backgroundColor: PALETTE[i % PALETTE.length],
          spanGaps: true,
          tension: 0.2,
          pointRadius: 4,
        };
      }),
    },
    options: {
      scales: { y: minutesAxis(gettext("Median (minutes)")) },
      plugins: {
        tooltip: {
          callbacks: {
            afterLabel: function (item) {
              var key = data.medians.keys[item.datasetIndex];
              return "n = " + data.medians.rows[item.dataIndex].n[key];
            },
          },
        },
      },
    },
  });

  draw("chart-histogram", {
    type: "bar",
    data: {
      labels: data.histogram.labels,
      datasets: [{
        label: data.intervalLabels.referral_to_flow,
        data: data.histogram.counts,
        backgroundColor: PALETTE[0],
        categoryPercentage: 1.0,
        barPercentage: 0.95,
      }],
    },
    options: {
      plugins: { legend: { display: false } },
      scales: {
        x: { title: { display: true, text: gettext("Minutes from the first call to ECMO flow") } },
        y: countAxis(gettext("Missions")),
      },
    },
  });

  draw("chart-outcomes", {
    type: "bar",
    data: {
      labels: months,
      datasets: data.outcomes.families.map(function (family, i) {
        return {
          label: data.outcomes.labels[family],
          data: data.outcomes.rows.map(function (row) { return row.counts[family]; }),
          backgroundColor: OUTCOME_COLOURS[family] || PALETTE[i % PALETTE.length],
        };
      }),
    },
    options: { scales: { x: { stacked: true }, y: countAxis(gettext("Closed missions"), true) } },
  });

  var severities = Object.keys(data.adverse.severities);
  draw("chart-adverse", {
    type: "bar",
    data: {
      labels: data.adverse.rows.map(function (row) { return data.adverse.categories[row.category]; }),
      datasets: severities.map(function (severity) {
        return {
          label: data.adverse.severities[severity],
          data: data.adverse.rows.map(function (row) { return row.counts[severity]; }),
          backgroundColor: SEVERITY[severity] || PALETTE[6],
        };
      }),
    },
    options: { scales: { x: { stacked: true }, y: countAxis(gettext("Adverse events"), true) } },
  });

  if (data.paging) {
    draw("chart-paging", {
      type: "bar",
      data: {
        labels: data.paging.map(function (row) { return row.label; }),
        datasets: [
          {
            label: gettext("Median"),
            data: data.paging.map(function (row) { return row.median; }),
            backgroundColor: PALETTE[0],
          },
          {
            label: gettext("p90"),
            data: data.paging.map(function (row) { return row.p90; }),
            backgroundColor: PALETTE[1],
          },
          {
            label: gettext("Median until the role was covered"),
            data: data.paging.map(function (row) { return row.covered_median; }),
            backgroundColor: PALETTE[2],
          },
        ],
      },
      options: {
        indexAxis: "y",
        scales: { x: minutesAxis(gettext("Minutes from page to acceptance")) },
      },
    });
  }
})();
