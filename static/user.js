// The translator's display name: kept in this browser, sent with every edit.
// Also the session's CSRF token (from <meta name="csrf-token">), sent with every write.
(function () {
  "use strict";
  window.workbenchCsrfToken = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };
  var KEY = "workbench.user";
  var input = document.getElementById("user-name");
  window.workbenchUser = function () {
    try { return (localStorage.getItem(KEY) || "").trim(); } catch (e) { return ""; }
  };
  if (!input) return;
  input.value = window.workbenchUser();
  input.addEventListener("input", function () {
    try { localStorage.setItem(KEY, input.value.trim()); } catch (e) { /* private mode */ }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" || event.key === "Escape") { input.blur(); }
    event.stopPropagation();
  });
})();
