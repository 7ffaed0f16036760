// Terminology pages: one-click "+ glossary" without leaving the results, and "/" to search.
// Without JavaScript every form still posts to its HTML route and lands on an HTML page.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  const user = form.querySelector("input.user-field");
  if (user && window.workbenchUser) user.value = window.workbenchUser();
  if (!form.classList.contains("add-term")) return;
  event.preventDefault();
  const button = form.querySelector("button");
  const data = Object.fromEntries(new FormData(form));
  delete data.csrf_token;  // sent in the header: the JSON body holds the entry only
  button.disabled = true;
  try {
    const response = await fetch(form.dataset.json || form.action.replace(/\/glossary$/, "/glossary.json"), {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRF-Token": window.workbenchCsrfToken()},
      body: JSON.stringify(data),
    });
    const body = await response.json().catch(() => ({}));
    if (response.status === 409 && body.existing) {
      // The pair is there already: say so, and leave its note alone.
      button.textContent = "✓ already in glossary";
      button.title = body.existing.note ? `Its note: ${body.existing.note}` : body.error;
      button.classList.add("added");
      return;
    }
    if (!response.ok) throw new Error(body.message || body.error || response.statusText);
    button.textContent = "✓ in glossary";
    button.classList.add("added");
  } catch (error) {
    button.disabled = false;
    button.textContent = "retry";
    button.title = String(error);
  }
});

document.addEventListener("keydown", (event) => {
  // Esc on "Already in the glossary" cancels (Enter keeps both notes: it has the focus).
  const cancel = document.querySelector("section.duplicate a.cancel");
  if (event.key === "Escape" && cancel) { event.preventDefault(); cancel.click(); return; }
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  if (event.key === "/" && !typing) {
    const search = document.querySelector("input[type=search]");
    if (search) { event.preventDefault(); search.focus(); search.select(); }
  }
});
