// The composer: Ctrl+Enter (or Cmd+Enter) sends; the history events in the conversation can be hidden.
for (const form of document.querySelectorAll("form[data-composer]")) {
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}
const errors = document.getElementById("composer-errors");
if (errors) errors.focus();

const toggle = document.querySelector("[data-toggle-events]");
if (toggle) {
  const apply = () => document.body.classList.toggle("hide-events", !toggle.checked);
  toggle.addEventListener("change", apply);
  apply();
}
