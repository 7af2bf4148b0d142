// The live connection of the pages that update in place (htmx's ws extension): the badge, the resume after
// a reconnect, the refreshes an event asks for, and noticing silence. A static file: the CSP allows 'self'.
//
// The relay sends a heartbeat every few seconds with the node's head seq and the seq it has sent every
// event up to. The badge says "delayed" when no heartbeat came for a few beats or the relay stays behind
// the node, and "reconnecting" when the connection itself stopped answering (a ping got no pong): the
// socket is then replaced, and the page resumes from what it shows.
//
// Sequencing is the server's (dashboard/livecursor.py, docs/live-updates.md): on one connection it sends
// every event the user may see once, in seq order, each frame naming the one before it. The page keeps
// only its own position (`lastSeq`, which outlives a connection): on every (re)connect it resumes from
// it, it applies a frame past it, and when a frame names one it does not have (`data-prev-seq` past
// `lastSeq`: a frame it never applied) it asks for a resume once and waits for the replay.
"use strict";

(function () {
  const STALE_AFTER_MS = 10000;
  const FEED_ROWS_KEPT = 200;
  const PONG_WITHIN_MS = 2000;
  const LABELS = {
    connecting: "connecting",
    live: "live",
    delayed: "delayed",
    reconnecting: "reconnecting",
    stale: "stale",
  };
  const TITLES = {
    connecting: "Connecting for live updates",
    live: "Updates arrive as they happen",
    delayed: "Updates are delayed: the dashboard is not hearing from the node right now",
    reconnecting: "The live connection was lost; reconnecting",
    stale: "Live updates stopped; reload the page to see the latest",
  };
  let lastSeq = null; // the newest event this page shows
  let healing = false; // a resume was sent after a gap; frames of the old chain are dropped meanwhile
  let staleTimer = null;
  let retries = 0; // reconnects this script started itself (see htmx:wsClose)
  let wrapper = null; // the extension's socket while it is open
  let socket = null; // the browser's WebSocket behind it
  let heardAt = 0; // any frame
  let beatAt = 0; // the last heartbeat
  let pingedAt = null;
  let lastHead = null; // the node's head seq in the previous heartbeat
  let behind = false; // the relay has not sent, by now, what the node had a beat ago

  // Full jitter, capped at 10 s: the extension's default lets a long outage stretch retries to a minute.
  htmx.config.wsReconnectDelay = (retries) => Math.random() * Math.min(10000, 500 * 2 ** retries);

  function element() {
    return document.getElementById("live-status");
  }

  function beatMs() {
    return Number(element()?.dataset.heartbeatMs) || 2000;
  }

  // No heartbeat for this long: the relay is silent, say "delayed".
  function silentAfterMs() {
    return 2.5 * beatMs();
  }

  function badge(state) {
    const el = element();
    if (!el) return;
    el.dataset.state = state;
    el.textContent = LABELS[state];
    el.title = TITLES[state];
  }

  // While the socket is open: live, unless the relay is silent or behind (or a gap is being replayed).
  function showOpenState() {
    if (healing) return;
    const silent = Date.now() - beatAt > silentAfterMs();
    badge(silent || behind ? "delayed" : "live");
  }

  function startStaleTimer() {
    if (staleTimer === null) staleTimer = setTimeout(() => badge("stale"), STALE_AFTER_MS);
  }

  function resume(target) {
    target.send(JSON.stringify({ type: "resume", since_seq: lastSeq }));
  }

  function signalIn(message) {
    const template = document.createElement("template");
    template.innerHTML = message;
    return template.content.querySelector("#live-event");
  }

  // The connection stopped answering: drop it without waiting for the browser to notice (it may take a
  // minute when the network is gone) and open another; its failures go through the extension's retries.
  function replaceSocket() {
    const old = socket;
    const target = wrapper;
    socket = wrapper = null;
    pingedAt = null;
    if (old) old.onclose = old.onerror = old.onmessage = null;
    badge("reconnecting");
    startStaleTimer();
    if (target) target.reconnect();
  }

  function watch() {
    if (!wrapper) return;
    const now = Date.now();
    if (pingedAt !== null && now - pingedAt > PONG_WITHIN_MS) {
      replaceSocket();
      return;
    }
    // Nothing at all for a beat and a half: ask whether the connection itself still works.
    if (pingedAt === null && now - heardAt > 1.5 * beatMs()) {
      pingedAt = now;
      wrapper.send(JSON.stringify({ type: "ping" }));
    }
    showOpenState();
  }

  setInterval(watch, 1000);

  document.addEventListener("htmx:wsOpen", (event) => {
    if (lastSeq === null) lastSeq = Number(event.target.dataset.liveSeq) || 0; // the page's own seq
    clearTimeout(staleTimer);
    staleTimer = null;
    retries = 0;
    healing = false;
    wrapper = event.detail.socketWrapper;
    socket = event.detail.event.target;
    heardAt = beatAt = Date.now(); // a beat's grace before the first heartbeat is due
    pingedAt = null;
    lastHead = null;
    behind = false;
    badge("live");
    resume(wrapper);
  });

  document.addEventListener("htmx:wsClose", (event) => {
    if (socket !== null && event.detail.event.target !== socket) return; // a socket already replaced
    wrapper = socket = null;
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
    if (wrapper) return; // an open socket's error is followed by its close
    badge("reconnecting");
    startStaleTimer();
  });

  function heartbeat(signal) {
    const head = Number(signal.dataset.head);
    const sent = Number(signal.dataset.sent);
    beatAt = Date.now();
    behind = head < 0 || (lastHead !== null && sent < lastHead);
    lastHead = head;
    showOpenState();
  }

  document.addEventListener("htmx:wsBeforeMessage", (event) => {
    heardAt = Date.now();
    const signal = signalIn(event.detail.message);
    if (!signal) return;
    const { seq, prevSeq, flag } = signal.dataset;
    if (flag === "pong" || flag === "heartbeat") {
      event.preventDefault(); // nothing to show: only what the badge says
      pingedAt = null;
      if (flag === "heartbeat") heartbeat(signal);
      return;
    }
    if (flag === "reload") {
      event.preventDefault();
      window.location.reload();
      return;
    }
    if (flag === "resync") return; // no new event: refresh everything (after the swap)
    const step = sequence(Number(seq), Number(prevSeq));
    if (step !== "apply") {
      event.preventDefault();
      if (step === "resume") {
        healing = true;
        badge("stale");
        resume(event.detail.socketWrapper);
      }
      return;
    }
    if (healing) {
      healing = false;
      showOpenState();
    }
  });

  // What to do with an event's frame: "apply" it, "drop" it (already shown, or a frame of the chain a
  // resume is replacing), or "resume" from what the page shows (it never got the frame this one names).
  function sequence(seq, prevSeq) {
    if (seq <= lastSeq) return "drop";
    if (prevSeq > lastSeq) return healing ? "drop" : "resume";
    return "apply";
  }

  document.addEventListener("htmx:wsAfterMessage", (event) => {
    // A frame without a signal (the header's unread count) refreshes nothing: the signal in the page is
    // the previous frame's, already handled.
    if (!signalIn(event.detail.message)) return;
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
