// The live connection of logged-in pages (htmx's ws extension): the badge, the resume after a
// reconnect, and the refreshes an event asks for. A static file, because the CSP allows only 'self'.
"use strict";

(function () {
  const STALE_AFTER_MS = 10000;
  const FEED_ROWS_KEPT = 200;
  const LABELS = { connecting: "connecting", live: "live", reconnecting: "reconnecting", stale: "stale" };
  let lastSeq = null; // the newest event this page shows
  let healing = false; // a resume was sent after a gap; frames of the old chain are dropped meanwhile
  let staleTimer = null;
  let retries = 0; // reconnects this script started itself (see htmx:wsClose)

  // Full jitter, capped at 10 s: the extension's default lets a long outage stretch retries to a minute.
  htmx.config.wsReconnectDelay = (retries) => Math.random() * Math.min(10000, 500 * 2 ** retries);

  function badge(state) {
    const el = document.getElementById("live-status");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = LABELS[state];
  }

  function startStaleTimer() {
    if (staleTimer === null) staleTimer = setTimeout(() => badge("stale"), STALE_AFTER_MS);
  }

  function resume(socket) {
    socket.send(JSON.stringify({ type: "resume", since_seq: lastSeq }));
  }

  function signalIn(message) {
    const template = document.createElement("template");
    template.innerHTML = message;
    return template.content.querySelector("#live-event");
  }

  document.addEventListener("htmx:wsOpen", (event) => {
    if (lastSeq === null) lastSeq = Number(event.target.dataset.liveSeq) || 0; // the page's own seq
    clearTimeout(staleTimer);
    staleTimer = null;
    retries = 0;
    healing = false;
    badge("live");
    resume(event.detail.socketWrapper);
  });

  document.addEventListener("htmx:wsClose", (event) => {
    const code = event.detail.event.code;
    // 4401: logged out; 4400: a bad address. The extension does not retry those.
    if (code === 4401 || code === 4400) {
      clearTimeout(staleTimer);
      badge("stale");
      return;
    }
    badge("reconnecting");
    startStaleTimer();
    // The extension retries only after 1006 and 1011-1013; a server going away cleanly (1000, 1001,
    // a restart) must be retried too, or the page would stay disconnected.
    if (![1006, 1011, 1012, 1013].includes(code) && document.body.contains(event.target)) {
      retries += 1;
      setTimeout(() => event.detail.socketWrapper.reconnect(), htmx.config.wsReconnectDelay(retries));
    }
  });

  document.addEventListener("htmx:wsError", () => {
    badge("reconnecting");
    startStaleTimer();
  });

  document.addEventListener("htmx:wsBeforeMessage", (event) => {
    const signal = signalIn(event.detail.message);
    if (!signal) return;
    const { seq, prevSeq, flag } = signal.dataset;
    if (flag === "reload") {
      event.preventDefault();
      window.location.reload();
      return;
    }
    if (flag === "resync") return; // no new event: refresh everything (after the swap)
    if (Number(seq) <= lastSeq) {
      event.preventDefault(); // already shown
      return;
    }
    if (Number(prevSeq) > lastSeq) {
      // The server sent something this page never got: ask again from what it shows.
      event.preventDefault();
      if (!healing) {
        healing = true;
        badge("stale");
        resume(event.detail.socketWrapper);
      }
      return;
    }
    if (healing) {
      healing = false;
      badge("live");
    }
  });

  document.addEventListener("htmx:wsAfterMessage", () => {
    const signal = document.getElementById("live-event");
    if (!signal) return;
    if (signal.dataset.flag !== "resync") lastSeq = Math.max(lastSeq, Number(signal.dataset.seq));
    for (const what of (signal.dataset.refresh || "").split(" ").filter(Boolean)) {
      htmx.trigger(document.body, "live:" + what);
    }
    const rows = document.getElementById("feed-rows");
    if (rows) {
      document.getElementById("feed-empty")?.remove();
      while (rows.children.length > FEED_ROWS_KEPT) rows.lastElementChild.remove();
    }
  });
})();
