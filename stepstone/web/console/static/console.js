// Progressive enhancement only: the console works without this file.
// Shows times in the reader's local time zone (the server renders UTC) and keeps UTC in a tooltip.
(function () {
  "use strict";
  var pad = function (n, w) { return String(n).padStart(w || 2, "0"); };
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var d = new Date(el.getAttribute("datetime"));
    if (isNaN(d.getTime())) { return; }
    el.title = el.textContent;
    el.textContent = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
  });
  var footer = document.querySelector("footer");
  if (footer) { footer.textContent = "stepstone console · local times (hover for UTC)"; }
  // Stop is not undoable: ask first.
  document.querySelectorAll("button.danger").forEach(function (button) {
    button.form.addEventListener("submit", function (event) {
      if (!window.confirm("Stop this execution?")) { event.preventDefault(); }
    });
  });
})();
