/* The record page's print button: the browser's own print dialog, with the print stylesheet. */
(function () {
  "use strict";
  var button = document.getElementById("record-print");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
