// Small behaviours the dashboard needs beyond htmx; loaded from this server (CSP: no inline script).
document.addEventListener("DOMContentLoaded", function () {
  // Show schedule times in the browser's zone: <time data-local="ISO">.
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var d = new Date(el.getAttribute("data-local"));
    if (!isNaN(d)) { el.textContent = d.toLocaleString(); }
  });
});
