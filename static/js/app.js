// Small progressive enhancements; every page works without this file.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// Deadline countdowns: <time data-countdown datetime="ISO">; the server renders the starting text.
function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll("time[data-countdown]")) {
    const left = Math.max(0, Math.floor((Date.parse(el.getAttribute("datetime")) - now) / 1000));
    const d = Math.floor(left / 86400), h = Math.floor((left % 86400) / 3600);
    const m = Math.floor((left % 3600) / 60), s = left % 60;
    el.textContent = left === 0 ? "deadline passed" : (d ? `${d}d ${h}h ${m}m` : `${h}h ${m}m ${s}s`) + " left";
  }
}
setInterval(tick, 1000);
document.addEventListener("DOMContentLoaded", tick);

// Posting forms: a confirmation where the form asks for one (data-confirm), a busy state on the button
// while the post is on its way (data-busy says in words what is happening), and no second post from a
// second click meanwhile. Capture phase: this runs before htmx sends an hx-post form.
function markBusy(form, submitter) {
  form.dataset.busy = "true";
  const button = submitter || form.querySelector("button[type=submit], button:not([type])");
  if (!button) return;
  button.dataset.label = button.textContent;
  button.setAttribute("aria-busy", "true");
  button.textContent = button.dataset.busyText || "Working…";
}

function clearBusy(form) {
  delete form.dataset.busy;
  for (const button of form.querySelectorAll("button[aria-busy]")) {
    button.removeAttribute("aria-busy");
    if (button.dataset.label !== undefined) button.textContent = button.dataset.label;
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
  if (form.dataset.busy || (form.dataset.confirm && !window.confirm(form.dataset.confirm))) {
    event.preventDefault();
    event.stopPropagation();
    return;
  }
  if (!("download" in form.dataset)) markBusy(form, event.submitter); // a download leaves the page as it is
}, true);

// htmx posts end without a page load: the form is usable again (a swapped-in form is new anyway).
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt.closest ? event.detail.elt.closest("form") : null;
  if (form) clearBusy(form);
});
// A page shown again from the back-forward cache is not busy any more.
window.addEventListener("pageshow", () => document.querySelectorAll("form[data-busy]").forEach(clearBusy));

// "Select every submission": shown only where this script runs, ticks or clears the boxes it names.
function showSelectAll() {
  for (const el of document.querySelectorAll("[data-select-all]")) el.hidden = false;
}
document.addEventListener("DOMContentLoaded", showSelectAll);
document.addEventListener("htmx:afterSwap", showSelectAll);
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all-for]");
  if (!all || !all.form) return;
  for (const box of all.form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAllFor}"]`)) {
    box.checked = all.checked;
  }
});

// A live refresh of a part of the page waits while the person is filling in a form inside it (ticked
// boxes, typed text): the next event after they are done refreshes it.
document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  if (!elt.matches || !elt.matches("[hx-trigger*='live:']")) return;
  const busy = [...elt.querySelectorAll("form")].some((form) =>
    form.dataset.busy || [...form.elements].some((field) =>
      (field.type === "checkbox" && field.checked && !field.dataset.selectAllFor) ||
      ((field.type === "text" || field.type === "number" || field.tagName === "TEXTAREA") && field.value)));
  if (busy) event.preventDefault();
});
