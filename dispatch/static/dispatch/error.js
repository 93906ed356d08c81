/* Error pages: offer "Go back" only when the user came here from one of our own pages. */
(function () {
  "use strict";
  const back = document.getElementById("error-back");
  if (!back || !document.referrer.startsWith(window.location.origin + "/") || window.history.length < 2) return;
  back.hidden = false;
  back.addEventListener("click", () => window.history.back());
})();
