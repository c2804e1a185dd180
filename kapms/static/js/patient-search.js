// The patient search box in the navigation, enhanced: suggestions as you type, chosen with
// the arrow keys and Enter (the ARIA 1.2 combobox pattern). Without this script the box is
// a plain GET form that opens the results page. "/" anywhere outside a field focuses it.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.nav-search[data-suggest]");
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  const list = document.createElement("ul");
  const status = document.createElement("div");
  list.id = "patient-search-suggestions";
  list.className = "search-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Search results");
  list.hidden = true;
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.append(list, status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-keyshortcuts", "/");

  let asked = 0; // the latest request; older answers are dropped
  let timer = null;
  let active = -1;

  const options = () => Array.from(list.querySelectorAll("[role=option]"));

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach((el, i) => el.setAttribute("aria-selected", i === active ? "true" : "false"));
    input.setAttribute("aria-activedescendant", all[active].id);
    all[active].scrollIntoView({ block: "nearest" });
  }

  function option(id, text, detail, url) {
    const li = document.createElement("li");
    li.id = id;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.url = url;
    li.textContent = text;
    if (detail) {
      const small = document.createElement("small");
      small.textContent = detail;
      li.append(small);
    }
    return li;
  }

  function show(data, text) {
    list.replaceChildren();
    data.results.forEach((r, i) => list.append(option(`patient-suggestion-${i}`, r.name, r.detail, r.url)));
    if (data.results.length) {
      list.append(option("patient-suggestion-all", data.more ? "All results…" : "Show as a list", "", data.all));
      status.textContent = `${data.results.length}${data.more ? " or more" : ""} patients found. Arrow keys to choose.`;
    } else {
      const empty = document.createElement("li");
      empty.className = "search-empty";
      empty.textContent = `No patient you may see matches “${text}”.`;
      list.append(empty);
      status.textContent = empty.textContent;
    }
    active = -1;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  async function ask() {
    const text = input.value.trim();
    if (text.length < 2) { close(); status.textContent = ""; return; }
    const mine = ++asked;
    try {
      const url = `${form.dataset.suggest}?q=${encodeURIComponent(text)}`;
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok || mine !== asked) return;
      show(await response.json(), text);
    } catch (error) {
      close(); // the results page still works: Enter submits the form
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && options().length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) { ask(); return; }
      event.preventDefault();
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      window.location.assign(options()[active].dataset.url);
    } else if (event.key === "Escape") {
      if (!list.hidden) { event.preventDefault(); close(); }
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
  list.addEventListener("click", (event) => {
    const li = event.target.closest("[role=option]");
    if (li) window.location.assign(li.dataset.url);
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
    }
  });
});
