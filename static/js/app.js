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
