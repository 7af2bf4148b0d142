// The navigation's menu button and groups, relative times, the browser's time zone and the feed's
// filters. Progressive: without this file the navigation shows every group stacked and works.
"use strict";

(function () {
  document.documentElement.classList.add("js");

  // The browser's time zone, for the server to show times in it (a profile setting overrides it).
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const current = (document.cookie.match(/(?:^|; )tz=([^;]*)/) || [])[1];
    if (zone && decodeURIComponent(current || "") !== zone) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (error) {
    // No Intl time zone: the pages stay in UTC.
  }

  function groups() {
    return Array.from(document.querySelectorAll(".nav-groups details"));
  }

  function closeGroups(except) {
    for (const group of groups()) if (group !== except) group.open = false;
  }

  function setUp() {
    const button = document.querySelector(".menu-toggle");
    const nav = document.getElementById("main-nav");
    if (button && nav) {
      button.hidden = false;
      button.addEventListener("click", () => {
        const open = button.getAttribute("aria-expanded") !== "true";
        button.setAttribute("aria-expanded", String(open));
        if (open) nav.dataset.open = "";
        else delete nav.dataset.open;
        if (open) {
          // On a phone the current page's group starts open, so the person sees where they are.
          const current = nav.querySelector(".nav-group.current details");
          if (current) current.open = true;
          const first = nav.querySelector("a, summary");
          if (first) first.focus();
        }
      });
    }
    // One group open at a time on a desktop.
    for (const group of groups()) {
      group.addEventListener("toggle", () => {
        if (group.open && !phoneLayout()) closeGroups(group);
      });
    }
    tickTimes();
  }

  function phoneLayout() {
    const button = document.querySelector(".menu-toggle");
    return button ? getComputedStyle(button).display !== "none" : false;
  }

  // Escape closes an open group (or the phone menu) and puts the focus back on what opened it.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = groups().find((group) => group.open);
    if (open && !phoneLayout()) {
      open.open = false;
      open.querySelector("summary").focus();
      return;
    }
    const button = document.querySelector(".menu-toggle");
    if (button && button.getAttribute("aria-expanded") === "true") {
      button.click();
      button.focus();
    }
  });

  // A click outside the navigation, or focus leaving it, closes the desktop's open group.
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".nav-groups") && !phoneLayout()) closeGroups(null);
  });
  document.addEventListener("focusin", (event) => {
    if (!event.target.closest(".nav-groups") && !phoneLayout()) closeGroups(null);
  });

  // Relative times ("3 min ago"), kept current; the exact UTC time is each element's title.
  function relative(iso) {
    const seconds = (Date.now() - Date.parse(iso)) / 1000;
    const ahead = seconds < 0;
    const span = Math.abs(seconds);
    let words;
    if (span < 45) return "just now";
    if (span < 3600) words = Math.max(1, Math.round(span / 60)) + " min";
    else if (span < 86400) words = Math.round(span / 3600) + " h";
    else if (span < 30 * 86400) {
      const days = Math.round(span / 86400);
      words = days + (days === 1 ? " day" : " days");
    } else return null; // a date: the server's words stand
    return ahead ? "in " + words : words + " ago";
  }

  function tickTimes() {
    for (const el of document.querySelectorAll("time[data-relative]")) {
      const words = relative(el.getAttribute("datetime"));
      if (words !== null && el.textContent !== words) el.textContent = words;
    }
  }

  setInterval(tickTimes, 30000);
  document.addEventListener("htmx:afterSettle", tickTimes);

  // The live feed's filters: rows that arrive live are shown only when they match what is ticked.
  function feedFilter() {
    const form = document.getElementById("feed-filters");
    if (!form) return null;
    const types = Array.from(form.querySelectorAll('input[name="types"]:checked')).map((box) => box.value);
    const mine = form.querySelector('input[name="mine"]');
    return { types, mine: Boolean(mine && mine.checked) };
  }

  document.addEventListener("htmx:wsAfterMessage", () => {
    const filter = feedFilter();
    const rows = document.getElementById("feed-rows");
    if (!filter || !rows) return;
    const signal = document.getElementById("live-event");
    const concernsMe = signal ? (signal.dataset.refresh || "").split(" ").includes("wallet") : false;
    const row = rows.firstElementChild;
    if (!row || row.dataset.filtered !== undefined) return;
    row.dataset.filtered = "";
    const name = Array.from(row.classList).find((c) => c.startsWith("event-") && c !== "event");
    const type = name ? name.slice("event-".length) : "";
    if ((filter.types.length && !filter.types.includes(type)) || (filter.mine && !concernsMe)) row.remove();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
