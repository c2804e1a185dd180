// The live dosing page, progressively enhanced (the page works without it; the CSP
// forbids inline scripts, so everything is here):
// - every time input of a phase form gets a large "Now" button that fills the clinic's
//   current time (the zone comes from data-zone on the page);
// - the ~40-minute vitals badge turns "due now" and "OVERDUE" as time passes, and the
//   minutes monitored count up, without reloading.
(function () {
  "use strict";

  function clinicTime(zone) {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(new Date());
    const get = (type) => parts.find((p) => p.type === type).value;
    return `${get("hour")}:${get("minute")}`;
  }

  function addNowButtons(page) {
    const zone = page.dataset.zone || undefined;
    page.querySelectorAll(".time-input input[type=time]").forEach((input) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-outline-secondary now-button";
      button.textContent = "Now";
      button.title = "Set to the current time";
      button.addEventListener("click", () => {
        input.value = clinicTime(zone);
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
      input.insertAdjacentElement("afterend", button);
    });
  }

  const LABELS = { upcoming: "due", due: "due now", overdue: "OVERDUE" };

  function tick(page) {
    const now = Date.now();
    page.querySelectorAll("[data-due-at]").forEach((el) => {
      if (el.dataset.state === "done") return;
      const due = Date.parse(el.dataset.dueAt);
      const overdue = Date.parse(el.dataset.overdueAt);
      const state = now >= overdue ? "overdue" : now >= due ? "due" : "upcoming";
      if (state !== el.dataset.state) {
        el.dataset.state = state;
        const badge = el.querySelector(".due-state");
        if (badge) badge.textContent = LABELS[state];
      }
    });
    page.querySelectorAll("[data-since]").forEach((el) => {
      if (el.dataset.until) return;  // closed: the recorded minutes stand
      const minutes = Math.max(0, Math.floor((now - Date.parse(el.dataset.since)) / 60000));
      el.textContent = String(minutes);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const page = document.querySelector(".dosing-page");
    if (!page) return;
    addNowButtons(page);
    tick(page);
    window.setInterval(() => tick(page), 20000);
  });
})();
