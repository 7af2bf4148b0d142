/**
 * Node events: their typed shapes, and `EventStream`, which follows `/ai/ws` across disconnects.
 *
 * The stream subscribes from a seq, hands out events in seq order, and after any disconnect (a node
 * restart, a dropped slow consumer, a network blip) reconnects with backoff and subscribes again after
 * the last seq it delivered, dropping replays: no event is skipped or repeated. The subscribe reply names
 * the node's chain id; when it changes, the node was reset (a new chain whose seqs start again at 1) and
 * the stream says so with `ChainReset` instead of silently skipping or replaying.
 *
 * Read it as an async iterator (`for await (const event of stream)`) or with handlers, as in the TOS
 * design's example (`stream.on("task_published", (data) => ...)`).
 */

import {
  ChainReset,
  NodeConnectionError,
  NodeResponseError,
  nodeError,
  ResyncRequired,
  TOSError,
} from "./errors.js";
import { parse as parseJson, stringify } from "./json.js";
import {
  amount,
  int,
  json,
  list,
  Malformed,
  mapOf,
  nullable,
  object,
  type Parser,
  parseReward,
  record,
  str,
} from "./records.js";
import type { DifficultyLevel, TaskType } from "./values.js";

// --- event shapes ----------------------------------------------------------------------------------------

const eventData = {
  task_published: record({
    task_id: str,
    publisher: str,
    title: str,
    task_type: json as Parser<unknown> as Parser<TaskType>,
    difficulty_level: str as Parser<DifficultyLevel>,
    reward_amount: amount,
    stake_required: amount,
    deadline: int,
    max_participants: int,
  }),
  participant_joined: record({
    task_id: str,
    participation_id: str,
    miner: str,
    stake_amount: amount,
    participants_count: int,
  }),
  submission_received: record({
    task_id: str,
    submission_id: str,
    submitter: str,
    answer_hash: str,
    submissions_count: int,
  }),
  validation_completed: record({
    task_id: str,
    submission_id: str,
    validation_id: str,
    validator: str,
    score: int,
    consensus_progress: record({ validations: int, required: int }),
  }),
  task_status_changed: record({ task_id: str, old_status: str, new_status: str }),
  task_completed: record({
    task_id: str,
    winner: nullable(str),
    winning_submission_id: nullable(str),
    final_scores: mapOf(nullable(int)),
    rewards: list(parseReward),
  }),
  task_expired: record({ task_id: str, refunded: amount }),
  task_cancelled: record({ task_id: str, publisher: str, refunded: amount }),
  reward_distributed: record(
    { task_id: nullable(str), recipient: str, amount, reward_type: str },
    { submission_id: str, reason: str, miner: str, payer: str },
  ),
  stake_slashed: record({ task_id: str, miner: str, amount, stake_amount: amount }),
  reputation_changed: record({
    address: str,
    old: int,
    new: int,
    delta: int,
    reason: str,
    task_id: nullable(str),
  }),
  miner_registered: record({
    miner_address: str,
    registration_fee: amount,
    reputation: int,
    specializations: list(str),
  }),
};

/** Every event the node sends, with the type of its `data` (amounts as bigint). */
export type EventMap = { [Name in keyof typeof eventData]: ReturnType<(typeof eventData)[Name]> };
export type EventName = keyof EventMap;
/** Every event name, in the node's order. */
export const EVENT_NAMES = Object.keys(eventData) as EventName[];

/** One node event: `{event, seq, topoheight, timestamp, data}`. */
export interface NodeEvent<Name extends EventName = EventName> {
  event: Name;
  seq: number;
  topoheight: number;
  timestamp: number;
  data: EventMap[Name];
}

/** Any event, discriminated by `event`: `if (e.event === "task_published") e.data.reward_amount`. */
export type AnyNodeEvent = { [Name in EventName]: NodeEvent<Name> }[EventName];

/** Check an event envelope and its data; events this package does not know keep their data as sent. */
export function parseEvent(value: unknown, path = "event"): AnyNodeEvent {
  const body = object(value, path);
  const name = str(body.event, `${path}.event`);
  const seq = int(body.seq, `${path}.seq`);
  const topoheight = int(body.topoheight, `${path}.topoheight`);
  const timestamp = int(body.timestamp, `${path}.timestamp`);
  const parseData = (eventData as Record<string, Parser<unknown>>)[name] ?? object;
  const data = parseData(body.data, `${path}.data`);
  return { event: name, seq, topoheight, timestamp, data } as AnyNodeEvent;
}

// --- the stream ------------------------------------------------------------------------------------------

/** The WebSocket this package needs: the browser's, Node 22's global one, or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike | Promise<WebSocketLike>;

/** What Node's `ws` adds to a WebSocket: pings, and a hard close. */
interface Pingable extends WebSocketLike {
  ping?: () => void;
  on?: (event: "pong", listener: () => void) => void;
  terminate?: () => void;
}

/** What to do when the node turns out to be on a new chain (a reset devnet). */
export type ChainResetPolicy =
  /** End the stream with `ChainReset` (the default): your cursor means nothing on the new chain. */
  | "error"
  /** Emit `chain_reset` and carry on from seq 0 of the new chain. */
  | "restart";

export interface EventStreamOptions {
  /** Deliver events after this seq; leave out for live events only. */
  sinceSeq?: number;
  /** The chain `sinceSeq` belongs to; a stream started from a stored cursor should give it. */
  chainId?: string;
  /** Event names to receive (default every event). */
  events?: readonly EventName[] | "*";
  onChainReset?: ChainResetPolicy;
  /** Give up after this many failed reconnects in a row (default: never). */
  maxReconnects?: number;
  /** Milliseconds to wait for a connection to open (default 5000). */
  connectTimeoutMs?: number;
  /**
   * Ping a quiet connection this often, and reconnect when nothing (no pong, no message) came back for
   * two intervals (default 15000; 0 turns it off). Only where the WebSocket can ping (Node's `ws`).
   */
  heartbeatMs?: number;
  /** Reconnect backoff: first delay and cap, in milliseconds (defaults 200 and 5000), with jitter. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Told when an `on(...)` handler throws (default `console.error`); the stream carries on. */
  onHandlerError?: (error: unknown, eventName: string) => void;
}

function reportHandlerError(error: unknown, eventName: string): void {
  console.error(`tos-ai: a handler for "${eventName}" threw; the event stream carries on:`, error);
}

/** Emitted when a `restart` stream moves to a new chain. */
export interface ChainResetNotice {
  oldChainId: string;
  newChainId: string;
  lastSeq: number | undefined;
}

type Handler = (data: never, event: never) => void;

interface Listeners {
  [name: string]: Set<Handler>;
}

/** `(data, event)` handlers per event name, plus the stream's own notices. */
export interface StreamHandlers {
  /** Every event. */
  "*": (data: EventMap[EventName], event: AnyNodeEvent) => void;
  /** The stream connected (and subscribed), first or again. */
  connected: (info: { headSeq: number; chainId: string; reconnects: number }) => void;
  /** The connection dropped; the stream reconnects by itself. */
  disconnected: (info: { reason: string; lastSeq: number | undefined }) => void;
  /** `onChainReset: "restart"`: the node is on a new chain and the stream follows it from seq 0. */
  chain_reset: (notice: ChainResetNotice) => void;
  /** The stream ended with an error (also thrown to an iterating reader). */
  error: (error: TOSError) => void;
}

type On = {
  [Name in EventName]: (data: EventMap[Name], event: NodeEvent<Name>) => void;
} & StreamHandlers;

function backoff(failures: number, baseMs: number, maxMs: number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(failures - 1, 0));
  return cap / 2 + Math.random() * (cap / 2);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Node events after a seq, in order, across reconnects (see the module comment). It starts on the first
 * `on(...)` or iteration, or on `start()`. `lastSeq` is the cursor to store with `chainId`.
 */
export class EventStream implements AsyncIterable<AnyNodeEvent> {
  /** The seq of the last event delivered (the cursor). */
  lastSeq: number | undefined;
  /** The chain the cursor belongs to (from the subscribe reply). */
  chainId: string | undefined;
  /** The node's head seq at the last (re)subscription. */
  headSeq: number | undefined;
  /** How many times the stream reconnected. */
  reconnects = 0;

  readonly #url: string;
  readonly #connect: WebSocketFactory;
  readonly #options: Required<
    Pick<EventStreamOptions, "connectTimeoutMs" | "heartbeatMs" | "reconnectBaseMs" | "reconnectMaxMs">
  > &
    EventStreamOptions;
  readonly #listeners: Listeners = {};
  readonly #queue: AnyNodeEvent[] = [];
  readonly #abort = new AbortController();
  #waiter: (() => void) | undefined;
  #failure: TOSError | undefined;
  #ended = false;
  #running: Promise<void> | undefined;
  #socket: WebSocketLike | undefined;
  #iterating = false;
  #requestId = 0;

  constructor(url: string, connect: WebSocketFactory, options: EventStreamOptions = {}) {
    this.#url = url;
    this.#connect = connect;
    this.#options = {
      connectTimeoutMs: 5000,
      heartbeatMs: 15_000,
      reconnectBaseMs: 200,
      reconnectMaxMs: 5000,
      ...options,
    };
    this.lastSeq = options.sinceSeq;
    this.chainId = options.chainId;
  }

  /** Call `handler(data, event)` for each event named `name` (or `"*"` for all), or for a stream notice. */
  on<Name extends keyof On>(name: Name, handler: On[Name]): this {
    const set = this.#listeners[name] ?? new Set<Handler>();
    this.#listeners[name] = set;
    set.add(handler as unknown as Handler);
    this.start();
    return this;
  }

  /** Remove a handler added with `on`. */
  off<Name extends keyof On>(name: Name, handler: On[Name]): this {
    this.#listeners[name]?.delete(handler as unknown as Handler);
    return this;
  }

  /** Start following the node (idempotent); resolves when the stream has ended. */
  start(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  /** Whether the stream has stopped for good (closed, or failed). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Stop: close the connection; an iterating reader finishes its loop. */
  close(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#abort.abort();
    this.#socket?.close(1000, "closed by the client");
    this.#wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AnyNodeEvent> {
    if (this.#iterating)
      throw new TOSError("an event stream has one reader; open another stream", "subscribe");
    this.#iterating = true;
    this.start();
    try {
      for (;;) {
        const next = this.#queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.#failure !== undefined) throw this.#failure;
        if (this.#ended) return;
        await new Promise<void>((resolve) => {
          this.#waiter = resolve;
        });
      }
    } finally {
      this.#iterating = false;
      this.close();
    }
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  #emit(name: string, ...args: unknown[]): void {
    const handlers = this.#listeners[name];
    if (handlers === undefined) return;
    for (const handler of handlers) {
      try {
        (handler as (...values: unknown[]) => void)(...args);
      } catch (error) {
        // A handler's bug must not stop the stream, nor the other handlers.
        (this.#options.onHandlerError ?? reportHandlerError)(error, name);
      }
    }
  }

  #deliver(event: AnyNodeEvent): void {
    this.lastSeq = event.seq;
    if (this.#iterating) {
      this.#queue.push(event);
      this.#wake();
    }
    this.#emit(event.event, event.data, event);
    this.#emit("*", event.data, event);
  }

  #fail(error: TOSError): void {
    this.#failure = error;
    this.#ended = true;
    this.#abort.abort();
    this.#emit("error", error);
    this.#wake();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#ended) {
      let reason: string;
      try {
        reason = await this.#session(() => {
          failures = 0;
        });
      } catch (error) {
        if (error instanceof TOSError && !(error instanceof NodeConnectionError)) {
          this.#fail(error);
          return;
        }
        reason = error instanceof Error ? error.message : String(error);
      }
      if (this.#ended) return;
      failures++;
      this.#emit("disconnected", { reason, lastSeq: this.lastSeq });
      const limit = this.#options.maxReconnects;
      if (limit !== undefined && failures > limit) {
        this.#fail(
          new NodeConnectionError("subscribe", this.#url, `${reason} (gave up after ${limit} reconnects)`),
        );
        return;
      }
      await sleep(
        backoff(failures, this.#options.reconnectBaseMs, this.#options.reconnectMaxMs),
        this.#abort.signal,
      );
      this.reconnects++;
    }
  }

  /** One connection: subscribe, deliver until it closes. Resolves with why it closed. */
  async #session(onSubscribed: () => void): Promise<string> {
    const socket = await this.#open();
    this.#socket = socket;
    if (this.#ended) {
      // Closed while the connection was opening.
      socket.close(1000, "closed by the client");
      return "closed";
    }
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const heartbeat = this.#heartbeat(socket, () => {
        // Nothing heard for two pings: the peer is gone without closing (a cut network, a frozen node).
        finish(() => resolve("no answer to pings"));
        (socket as Pingable).terminate?.() ?? socket.close(1000, "no answer to pings");
      });
      const finish = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        heartbeat.stop();
        socket.onmessage = socket.onclose = socket.onerror = null;
        this.#abort.signal.removeEventListener("abort", onAbort);
        outcome();
      };
      const onAbort = (): void => finish(() => resolve("closed"));
      this.#abort.signal.addEventListener("abort", onAbort, { once: true });
      socket.onclose = (event) =>
        finish(() => resolve(`connection closed (${event.code}${event.reason ? ` ${event.reason}` : ""})`));
      socket.onerror = () => {
        // An error event is followed by close; wait for it, but do not hang if it never comes.
        setTimeout(() => finish(() => resolve("connection error")), 1000);
      };
      socket.onmessage = (message) => {
        heartbeat.heard();
        try {
          if (this.#onMessage(message.data, onSubscribed) === "resubscribe") {
            // Nothing more from this subscription: it was made for the old chain's cursor.
            finish(() => resolve("resubscribing from the start of the new chain"));
            socket.close(1000, "resubscribing");
          }
        } catch (error) {
          finish(() => reject(error));
          socket.close(1000, "client error");
        }
      };
      this.#requestId++;
      const params: Record<string, unknown> = { events: this.#options.events ?? "*" };
      if (this.lastSeq !== undefined) params.since_seq = this.lastSeq;
      socket.send(stringify({ jsonrpc: "2.0", id: this.#requestId, method: "subscribe", params }));
    });
  }

  /**
   * Ping a quiet connection every `heartbeatMs` where the socket can (Node's `ws`; browsers answer the
   * server's pings themselves and expose none), and call `dead` when nothing came back for two.
   */
  #heartbeat(socket: WebSocketLike, dead: () => void): { heard: () => void; stop: () => void } {
    const pingable = socket as Pingable;
    const every = this.#options.heartbeatMs;
    if (typeof pingable.ping !== "function" || typeof pingable.on !== "function" || !(every > 0)) {
      return { heard: () => undefined, stop: () => undefined };
    }
    let last = Date.now();
    const heard = (): void => {
      last = Date.now();
    };
    pingable.on("pong", heard);
    const timer = setInterval(() => {
      if (Date.now() - last > 2 * every) {
        clearInterval(timer);
        dead();
        return;
      }
      try {
        pingable.ping?.();
      } catch {
        // Not open (any more): the close event says what happened.
      }
    }, every);
    return { heard, stop: () => clearInterval(timer) };
  }

  async #open(): Promise<WebSocketLike> {
    const socket = await this.#connect(this.#url);
    if (socket.readyState === 1) return socket;
    return new Promise<WebSocketLike>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(
          new NodeConnectionError(
            "subscribe",
            this.#url,
            `no connection within ${this.#options.connectTimeoutMs} ms`,
          ),
        );
      }, this.#options.connectTimeoutMs);
      socket.onopen = () => {
        clearTimeout(timer);
        resolve(socket);
      };
      socket.onerror = () => {
        clearTimeout(timer);
        reject(new NodeConnectionError("subscribe", this.#url, "the connection failed"));
      };
      socket.onclose = (event) => {
        clearTimeout(timer);
        reject(new NodeConnectionError("subscribe", this.#url, `the connection closed (${event.code})`));
      };
    });
  }

  #onMessage(raw: unknown, onSubscribed: () => void): "resubscribe" | undefined {
    const text = typeof raw === "string" ? raw : new TextDecoder().decode(raw as ArrayBuffer);
    let body: Record<string, unknown>;
    try {
      body = object(parseJson(text), "message");
    } catch (error) {
      throw new NodeResponseError(
        "subscribe",
        "message",
        error instanceof Malformed ? error.reason : "not valid JSON",
      );
    }
    try {
      if (!("event" in body) && ("result" in body || "error" in body)) {
        if (this.#onReply(body) === "resubscribe") return "resubscribe";
        onSubscribed();
        return undefined;
      }
      const name = body.event;
      if (name === "subscription_dropped") return undefined; // the node closes next; we resume after lastSeq
      if (name === "resync_required") {
        throw new ResyncRequired(int(body.oldest_seq, "oldest_seq"), this.lastSeq);
      }
      const event = parseEvent(body, "event");
      // A replay of what was delivered already (the node replays after since_seq; be safe anyway).
      if (this.lastSeq === undefined || event.seq > this.lastSeq) this.#deliver(event);
      return undefined;
    } catch (error) {
      if (error instanceof Malformed) throw new NodeResponseError("subscribe", error.path, error.reason);
      throw error;
    }
  }

  #onReply(body: Record<string, unknown>): "resubscribe" | undefined {
    if (body.error !== undefined) {
      const error = object(body.error, "error");
      throw nodeError(
        "subscribe",
        int(error.code, "error.code"),
        str(error.message, "error.message"),
        error.data,
      );
    }
    const result = object(body.result, "result");
    const headSeq = int(result.head_seq, "result.head_seq");
    const chainId = str(result.chain_id, "result.chain_id");
    const known = this.chainId;
    this.headSeq = headSeq;
    if (known !== undefined && known !== chainId) {
      const notice = { oldChainId: known, newChainId: chainId, lastSeq: this.lastSeq };
      if (this.#options.onChainReset !== "restart") {
        throw new ChainReset(known, chainId, this.lastSeq);
      }
      // Follow the new chain from its start: subscribe again from seq 0.
      this.chainId = chainId;
      this.lastSeq = 0;
      this.#emit("chain_reset", notice);
      return "resubscribe";
    }
    this.chainId = chainId;
    // Live only: from now on, resume after the head the node reported.
    this.lastSeq ??= headSeq;
    this.#emit("connected", { headSeq, chainId, reconnects: this.reconnects });
    return undefined;
  }
}
