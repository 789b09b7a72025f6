// Canned responses in the composer (BEY-4), by keyboard: "/" at the start of a line or after a space in the
// reply box (or the "Insert a canned response" button) opens a combobox; typing filters the listbox, the arrow
// keys move, Enter inserts the text (in the ticket's language or the one chosen, placeholders already filled by
// the server), Escape closes and gives back the "/" typed. Follows the WAI-ARIA combobox pattern with
// aria-activedescendant, so focus stays in the search field.
for (const root of document.querySelectorAll(".canned[data-canned-url]")) {
  const target = document.getElementById(root.dataset.target);
  const openButton = root.querySelector(".canned-open");
  const picker = root.querySelector(".canned-picker");
  const search = root.querySelector("#canned-search");
  const language = root.querySelector("#canned-language");
  const list = root.querySelector("#canned-options");
  const status = root.querySelector("#canned-status");
  const shortcutsOn = () => {
    const help = document.getElementById("shortcut-help");
    return !help || help.dataset.shortcuts !== "off";
  };
  let results = [];
  let active = -1;
  let start = null; // where the text goes in the reply box
  let end = null;
  let fromSlash = false;
  let timer = null;
  let request = 0;

  function say(text) {
    status.textContent = text;
  }

  function setActive(index) {
    const items = [...list.children];
    active = items.length ? (index + items.length) % items.length : -1;
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === active)));
    if (active >= 0) {
      search.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    } else {
      search.removeAttribute("aria-activedescendant");
    }
  }

  function render() {
    list.replaceChildren();
    results.forEach((result, i) => {
      const item = document.createElement("li");
      item.id = `canned-option-${result.id}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.lang = result.lang;
      const name = document.createElement("span");
      name.className = "canned-name";
      name.textContent = result.name;
      item.append(name);
      if (result.shortcut) item.append(` /${result.shortcut}`);
      const preview = document.createElement("span");
      preview.className = "canned-preview";
      preview.textContent = result.text;
      item.append(preview);
      item.addEventListener("mousedown", (event) => event.preventDefault());
      item.addEventListener("click", () => choose(i));
      list.append(item);
    });
    search.setAttribute("aria-expanded", String(results.length > 0));
    setActive(results.length ? 0 : -1);
    if (!results.length) say(root.dataset.textNone);
    else if (results.length === 1) say(root.dataset.textCountOne);
    else say(root.dataset.textCountMany.replace("{n}", results.length));
  }

  async function load() {
    const mine = ++request;
    const url = new URL(root.dataset.cannedUrl, window.location.href);
    url.searchParams.set("q", search.value.trim());
    if (language.value) url.searchParams.set("language", language.value);
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok || mine !== request) return;
      results = (await response.json()).results;
      render();
    } catch (error) {
      // Network trouble: the list stays as it was; the agent can still type the reply.
    }
  }

  function open(viaSlash) {
    fromSlash = viaSlash;
    start = target.selectionStart;
    end = target.selectionEnd;
    picker.hidden = false;
    openButton.setAttribute("aria-expanded", "true");
    search.value = "";
    load();
    search.focus();
  }

  function close(restoreSlash) {
    picker.hidden = true;
    openButton.setAttribute("aria-expanded", "false");
    search.setAttribute("aria-expanded", "false");
    search.removeAttribute("aria-activedescendant");
    results = [];
    list.replaceChildren();
    target.focus();
    if (restoreSlash && fromSlash) insert("/");
    else if (start !== null) target.setSelectionRange(start, end);
  }

  function insert(text) {
    const before = target.value.slice(0, start ?? target.value.length);
    const after = target.value.slice(end ?? target.value.length);
    target.value = before + text + after;
    const caret = before.length + text.length;
    target.setSelectionRange(caret, caret);
    target.dispatchEvent(new Event("input", { bubbles: true })); // character counters listen to this
  }

  function choose(index) {
    const result = results[index];
    if (!result) return;
    fromSlash = false;
    close(false);
    insert(result.text);
    say(root.dataset.textInserted);
  }

  target.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || !shortcutsOn()) return;
    const before = target.value.slice(0, target.selectionStart);
    if (before !== "" && !/\s$/.test(before)) return; // a "/" inside a word or an address stays a "/"
    event.preventDefault();
    open(true);
  });
  openButton.addEventListener("click", () => (picker.hidden ? open(false) : close(false)));
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(load, 120);
  });
  language.addEventListener("change", load);
  search.addEventListener("keydown", (event) => {
    switch (event.key) {
      case "ArrowDown":
        setActive(active + 1);
        break;
      case "ArrowUp":
        setActive(active - 1);
        break;
      case "Home":
        setActive(0);
        break;
      case "End":
        setActive(results.length - 1);
        break;
      case "Enter":
        if (active >= 0) choose(active);
        break; // never submits the reply form
      case "Escape":
        close(true);
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  });
  picker.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close(true);
    }
  });
}
