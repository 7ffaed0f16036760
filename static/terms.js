// Terminology pages: one-click "+ glossary" without leaving the results, and "/" to search.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.classList.contains("add-term")) return;
  event.preventDefault();
  const button = form.querySelector("button");
  const data = Object.fromEntries(new FormData(form));
  delete data.csrf_token;  // sent in the header: the JSON body holds the entry only
  button.disabled = true;
  try {
    const response = await fetch(form.action.replace(/\/glossary$/, "/glossary.json"), {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": window.workbenchCsrfToken()},
      body: JSON.stringify(data),
    });
    const body = await response.json();
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
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  if (event.key === "/" && !typing) {
    const search = document.querySelector("input[type=search]");
    if (search) { event.preventDefault(); search.focus(); search.select(); }
  }
});
