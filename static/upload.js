/* The upload page: imports run as background jobs, followed with a progress bar.
   A submitted form is sent to /import.json (so the form, its files and its name stay as
   they are if the import is refused); the job is then polled until it ends, and the
   page of the finished job (its result, with links) is opened. Without JavaScript the
   forms post normally and the job page refreshes itself. */
(function () {
  "use strict";

  var POLL_MS = 1000;

  function messageBox(kind, text) {
    var box = document.createElement("div");
    box.className = "message " + kind;
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    if (kind === "error") {
      var strong = document.createElement("strong");
      strong.textContent = "Nothing was imported.";
      box.appendChild(strong);
      box.appendChild(document.createTextNode(" " + text));
    } else {
      box.textContent = text;
    }
    return box;
  }

  function clearMessages() {
    var old = document.querySelectorAll("main > .message, main > section.job");
    for (var i = 0; i < old.length; i++) old[i].remove();
  }

  function showBefore(node) {
    var heading = document.querySelector("main > h1");
    heading.parentNode.insertBefore(node, heading.nextSibling);
  }

  function progressSection(job) {
    var section = document.createElement("section");
    section.className = "job";
    section.setAttribute("aria-live", "polite");
    var title = document.createElement("h2");
    title.textContent = "Importing " + job.name;
    var line = document.createElement("p");
    var bar = document.createElement("progress");
    bar.max = 1;
    bar.value = job.progress || 0;
    var stage = document.createElement("span");
    stage.className = "job-stage";
    stage.textContent = " " + (job.stage || "");
    line.appendChild(bar);
    line.appendChild(stage);
    var hint = document.createElement("p");
    hint.className = "hint";
    var link = document.createElement("a");
    link.href = job.page;
    link.textContent = "the import's page";
    hint.appendChild(document.createTextNode("The import goes on if you leave this page; "));
    hint.appendChild(link);
    hint.appendChild(document.createTextNode(" shows how it ended."));
    section.appendChild(title);
    section.appendChild(line);
    section.appendChild(hint);
    return section;
  }

  function update(section, job) {
    var bar = section.querySelector("progress");
    var stage = section.querySelector(".job-stage");
    if (bar) bar.value = job.progress || 0;
    if (stage) stage.textContent = " " + (job.stage || "");
  }

  function poll(url, section, onEnd) {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (job.state === "queued" || job.state === "running") {
          update(section, job);
          window.setTimeout(function () { poll(url, section, onEnd); }, POLL_MS);
        } else {
          onEnd(job);
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(url, section, onEnd); }, 3 * POLL_MS);
      });
  }

  // The page's name (login off) goes with the import, in the form: a header takes Latin-1
  // only. With an account signed in the server records the account.
  function fillUser(form) {
    var field = form.querySelector("input.user-field");
    if (!field || !window.workbenchUser) return;
    field.value = window.workbenchSignedIn && window.workbenchSignedIn() ? "" : window.workbenchUser();
  }

  function submitInBackground(form, event) {
    fillUser(form);
    if (!window.fetch || !window.FormData || !form.dataset.json) return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    clearMessages();
    function refused(text) {
      clearMessages();
      showBefore(messageBox("error", text));
      if (button) button.disabled = false;
    }
    fetch(form.dataset.json, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"Accept": "application/json"}
    })
      .then(function (response) {
        return response.json().catch(function () {
          return {ok: false, error: "The server answered " + response.status + "."};
        });
      })
      .then(function (body) {
        if (!body.ok) { refused(body.error || "The import was refused."); return; }
        var section = progressSection(body.job);
        showBefore(section);
        poll(body.job.url, section, function (job) {
          if (job.state === "done") {
            window.location.assign(job.page);
          } else {
            refused(job.error || "The import did not finish.");
          }
        });
      })
      .catch(function () {
        refused("The server could not be reached. Check the connection and try again.");
      });
  }

  var forms = document.querySelectorAll("#pair-form, #compilation-form");
  for (var i = 0; i < forms.length; i++) {
    (function (form) {
      form.addEventListener("submit", function (event) { submitInBackground(form, event); });
    })(forms[i]);
  }

  // The page of a job still running (opened from a link, or without JavaScript first).
  var running = document.querySelector("section.job[data-job-url]");
  if (running) {
    poll(running.dataset.jobUrl, running, function () { window.location.reload(); });
  }
})();
