// Keyboard shortcuts (UI-5): j/k move, x selects, Enter opens, ? shows the help, / focuses the handle search.
// Single-key shortcuts can be turned off (WCAG 2.1.4); the choice is saved on the user's profile (so it holds
// on every device; the page says it in data-shortcuts) and mirrored in this browser (localStorage).
const KEY = "parlons.shortcuts";
const help = document.getElementById("shortcut-help");
const enabled = () => (help ? help.dataset.shortcuts !== "off" : localStorage.getItem(KEY) !== "off");
const toggle = document.getElementById("shortcuts-enabled");
const helpButton = document.getElementById("shortcut-help-button");

function saveShortcuts(on) {
  if (help) help.dataset.shortcuts = on ? "on" : "off";
  localStorage.setItem(KEY, on ? "on" : "off");
  const form = document.getElementById("shortcuts-form");
  if (!form) return;
  fetch(form.action, {
    method: "POST",
    body: new FormData(form),
    headers: { "X-Requested-With": "fetch" },
    credentials: "same-origin",
  }).catch(() => {});
}

function openHelp() {
  if (help && !help.open) help.showModal();
}

if (toggle) {
  toggle.checked = enabled();
  toggle.addEventListener("change", () => saveShortcuts(toggle.checked));
}
if (helpButton) helpButton.addEventListener("click", openHelp);

function rows() {
  return [...document.querySelectorAll("#ticket-list tr[data-ticket-url]")];
}

function current() {
  return document.querySelector("#ticket-list tr.is-current");
}

function move(step) {
  const all = rows();
  if (!all.length) return;
  const index = all.indexOf(current());
  const next = all[Math.min(all.length - 1, Math.max(0, index + step))] || all[0];
  all.forEach((row) => row.classList.remove("is-current"));
  next.classList.add("is-current");
  const link = next.querySelector("a.ticket-link");
  (link || next).focus();
}

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true'], dialog");
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) || !enabled()) return;
  switch (event.key) {
    case "j":
      move(1);
      break;
    case "k":
      move(-1);
      break;
    case "x": {
      const box = current() && current().querySelector("input[type=checkbox]");
      if (box) box.click();
      break;
    }
    case "Enter": {
      const row = current();
      if (row && event.target === document.body) window.location.assign(row.dataset.ticketUrl);
      else return;
      break;
    }
    case "?":
      openHelp();
      break;
    case "/": {
      const search = document.getElementById("id_handle");
      if (!search) return;
      const panel = search.closest("details");
      if (panel) panel.open = true;
      search.focus();
      break;
    }
    default:
      return;
  }
  event.preventDefault();
});
