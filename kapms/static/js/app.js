// Small progressive enhancements. No inline scripts: the CSP forbids them.
// (Confirmation dialogs: confirm.js; the patient search box: patient-search.js.)
document.addEventListener("DOMContentLoaded", () => {
  // Forms disable their submit buttons once sent, so a double click sends once.
  document.querySelectorAll("form[method=post]").forEach((form) => {
    form.addEventListener("submit", () => {
      setTimeout(() => form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; }), 0);
    });
  });
  // Copy buttons: data-copy names the element whose text (or value) goes to the clipboard.
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.hidden = false; // shown only where the script runs
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      const text = source.value !== undefined ? source.value : source.textContent.trim();
      const label = button.textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch (error) {
        source.select && source.select(); // the clipboard is refused: select it to copy by hand
        button.textContent = "Press Ctrl+C to copy";
      }
      setTimeout(() => { button.textContent = label; }, 2500);
    });
  });
});

// Keyboard shortcuts: an element with data-shortcut="n" is followed (or pressed) when that
// key is typed outside a field (aria-keyshortcuts tells screen readers).
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
  if (event.target.closest("input, textarea, select, [contenteditable], dialog")) return;
  const target = document.querySelector(`[data-shortcut="${CSS.escape(event.key)}"]`);
  if (!target) return;
  event.preventDefault();
  target.click();
});
