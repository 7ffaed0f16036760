// The name that goes with each change. With logins on it is the signed-in account (the
// server records the account whatever this sends); otherwise the free-text name kept in
// this browser. Scripts send it in the JSON body's `user` field, never in a header: a
// header carries Latin-1 only, and fetch refuses "Ольга" or "Łukasz" there.
(function () {
  "use strict";
  var KEY = "workbench.user";
  var account = document.getElementById("account-name");
  var input = document.getElementById("user-name");
  window.workbenchUser = function () {
    if (account) return account.getAttribute("data-account") || "";
    try { return (localStorage.getItem(KEY) || "").trim(); } catch (e) { return ""; }
  };
  // Whether an account is signed in: the server then records it and ignores any name sent.
  window.workbenchSignedIn = function () { return !!account; };
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

// The session's CSRF token (from <meta name="csrf-token">): every write the page's scripts
// send carries it in the X-CSRF-Token header (see docs/security.md).
window.workbenchCsrfToken = function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
};
