/* The member's roster page: the test page's delivery status follows the provider's callbacks
   (read from /api/v1/roster/test-pages/ every 2 s until every test page has a final status). */
(function () {
  "use strict";
  var list = document.getElementById("test-pages");
  if (!list) return;
  var url = list.getAttribute("data-url");
  var timer = null;

  function stamp(root) {
    root.querySelectorAll(".when[data-iso]").forEach(function (el) {
      el.textContent = window.EcmoClock.time(el.getAttribute("data-iso"));
    });
  }

  function render(pages) {
    if (!pages.length) return;
    list.textContent = "";
    pages.forEach(function (page) {
      var li = document.createElement("li");
      li.setAttribute("data-id", page.id);
      li.setAttribute("data-status", page.status);
      li.setAttribute("data-final", page.final ? "true" : "false");
      var when = document.createElement("span");
      when.className = "when";
      when.setAttribute("data-iso", page.created_at);
      var status = document.createElement("span");
      status.className = "status status-" + page.status;
      status.textContent = page.status_label;
      li.append(when, " ", status);
      if (page.error) {
        var error = document.createElement("span");
        error.className = "error";
        error.textContent = " " + page.error;
        li.append(error);
      }
      list.append(li);
    });
    stamp(list);
  }

  function pending() {
    return list.querySelector('[data-final="false"]') !== null;
  }

  function poll() {
    timer = null;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (pages) {
        if (pages) render(pages);
      })
      .catch(function () { /* offline for a moment: the next round tries again */ })
      .finally(function () {
        if (pending()) timer = window.setTimeout(poll, 2000);
      });
  }

  stamp(list);
  if (pending()) timer = window.setTimeout(poll, 1000);
})();
