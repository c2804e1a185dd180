// The confirmation step in a dialog on the page (kapms/web/confirm.py does it on a page of
// its own without JavaScript). A form (or one of its submit buttons) with data-confirm asks
// that question first; data-confirm-yes labels the button that goes ahead. Saying yes adds
// confirmed=yes and sends the form with the button that was pressed.
document.addEventListener("DOMContentLoaded", () => {
  let dialog = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-question");
    const question = document.createElement("p");
    question.id = "confirm-dialog-question";
    question.className = "lead";
    const buttons = document.createElement("div");
    buttons.className = "d-flex flex-wrap gap-2 justify-content-end";
    const yes = document.createElement("button");
    yes.type = "button";
    yes.className = "btn btn-danger";
    yes.dataset.role = "yes";
    const no = document.createElement("button");
    no.type = "button";
    no.className = "btn btn-outline-secondary";
    no.textContent = "No, go back";
    no.addEventListener("click", () => dialog.close());
    buttons.append(yes, no);
    dialog.append(question, buttons);
    document.body.append(dialog);
  }

  function ask(form, submitter, text, label) {
    if (!dialog) build();
    dialog.querySelector("p").textContent = text;
    const old = dialog.querySelector("[data-role=yes]");
    const yes = old.cloneNode(false); // drop the previous form's listener
    yes.textContent = label || "Yes, go ahead";
    old.replaceWith(yes);
    yes.addEventListener("click", () => {
      let field = form.querySelector("input[name=confirmed]");
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = "confirmed";
        form.append(field);
      }
      field.value = "yes";
      dialog.close();
      if (form.requestSubmit) form.requestSubmit(submitter || undefined);
      else form.submit();
    });
    dialog.addEventListener("close", () => { if (submitter) submitter.focus(); }, { once: true });
    dialog.showModal();
    yes.focus();
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const submitter = event.submitter;
    const source = submitter && submitter.dataset.confirm ? submitter : form;
    const text = source.dataset ? source.dataset.confirm : null;
    if (!text) return;
    const confirmed = form.querySelector("input[name=confirmed]");
    if (confirmed && confirmed.value === "yes") return;
    event.preventDefault();
    event.stopImmediatePropagation(); // app.js must not disable the buttons yet
    ask(form, submitter, text, source.dataset.confirmYes);
  }, true);
});
