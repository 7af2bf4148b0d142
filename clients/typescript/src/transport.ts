/**
 * The one JSON-RPC transport under the client: request ids, bodies, timeouts, reply checks, error
 * mapping, and retries for reads only (with exponential backoff and jitter). HTTP is `fetch`.
 */

import {
  NodeConnectionError,
  NodeHTTPError,
  NodeResponseError,
  NodeRPCError,
  NodeTimeoutError,
  nodeError,
  RateLimited,
  type TOSError,
} from "./errors.js";
import { parse as parseJson, stringify } from "./json.js";
import { Malformed, type Parser } from "./records.js";

/** Reads: safe to send twice, so they are retried (connection errors, timeouts, 429/5xx, -32007). */
export const READ_METHODS: ReadonlySet<string> = new Set([
  "get_network_info",
  "ai_get_network_info",
  "ai_list_active_tasks",
  "ai_get_task_details",
  "ai_get_miner_stats",
  "ai_get_events",
  "ai_get_rules",
  "get_info",
  "get_version",
  "get_balance",
  "get_nonce",
  "get_ai_mining_statistics",
  "get_ai_mining_task",
  "get_ai_mining_miner",
  "get_ai_mining_active_tasks",
  "get_ai_mining_state",
  "dev_accounts",
  "rpc.discover",
]);

/** Writes made in an account's name: signed when the client has a wallet, else sent with `from`. */
export const ACCOUNT_WRITES: ReadonlySet<string> = new Set([
  "ai_publish_task",
  "ai_register_miner",
  "ai_participate_task",
  "ai_submit_solution",
  "ai_validate_submission",
  "ai_cancel_task",
]);

/** How reads are retried. Writes are never retried: a write may have happened even if its reply was lost. */
export interface RetryPolicy {
  /** Tries in all, the first included (default 4; 1 turns retries off). */
  attempts: number;
  /** First backoff in milliseconds (default 250); it doubles per try up to `maxDelayMs`, half of it random. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A node's `retry_after` beyond this is not waited for: the error is thrown (default 10000). */
  maxRetryAfterMs: number;
  /** HTTP statuses worth another try (default 429, 500, 502, 503, 504). */
  statuses: ReadonlySet<number>;
  /** The methods that may be retried (default `READ_METHODS`). */
  methods: ReadonlySet<string>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  maxRetryAfterMs: 10_000,
  statuses: new Set([429, 500, 502, 503, 504]),
  methods: READ_METHODS,
};

/** Milliseconds before retry number `attempt` (1-based), with jitter: half fixed, half random. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(attempt - 1, 0));
  return cap / 2 + Math.random() * (cap / 2);
}

/** Milliseconds to wait before trying `method` again after `attempt` failed tries, or undefined to give up. */
export function retryDelayMs(
  policy: RetryPolicy,
  method: string,
  error: TOSError,
  attempt: number,
): number | undefined {
  if (!policy.methods.has(method) || attempt >= policy.attempts) return undefined;
  let hintSeconds: number | undefined;
  if (error instanceof RateLimited) {
    hintSeconds = error.retryAfter;
  } else if (error instanceof NodeHTTPError && policy.statuses.has(error.status)) {
    hintSeconds = error.retryAfter;
  } else if (!(error instanceof NodeConnectionError || error instanceof NodeTimeoutError)) {
    return undefined;
  }
  const hintMs = hintSeconds === undefined ? 0 : hintSeconds * 1000;
  if (hintMs > policy.maxRetryAfterMs) return undefined;
  return Math.max(hintMs, backoffMs(policy, attempt));
}

export interface TransportOptions {
  /** Milliseconds to wait for a reply (default 15000). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy> | false;
  /** The `fetch` to use (default the global one). */
  fetch?: typeof fetch;
  /** Extra HTTP headers for every request. */
  headers?: Record<string, string>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** JSON-RPC over HTTP POST to one node URL. */
export class Transport {
  readonly url: string;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly #fetch: typeof fetch;
  readonly #headers: Record<string, string>;
  #nextId = 1;

  constructor(url: string, options: TransportOptions = {}) {
    this.url = url;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.retry =
      options.retry === false ? { ...DEFAULT_RETRY, attempts: 1 } : { ...DEFAULT_RETRY, ...options.retry };
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#headers = { "content-type": "application/json", ...options.headers };
  }

  /** Call `method`; reads on the retry list are retried, everything else is sent once. */
  async call<T>(method: string, params: object | undefined, parse: Parser<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send(method, params, parse);
      } catch (error) {
        const delay =
          error instanceof NodeRPCError || error instanceof NodeResponseError || isTransportError(error)
            ? retryDelayMs(this.retry, method, error, attempt)
            : undefined;
        if (delay === undefined) throw error;
        await sleep(delay);
      }
    }
  }

  /** One request and its checked reply. */
  async send<T>(method: string, params: object | undefined, parse: Parser<T>): Promise<T> {
    const id = this.#nextId++;
    const request: Record<string, unknown> = { jsonrpc: "2.0", id, method };
    if (params !== undefined) request.params = params;
    const body = stringify(request);
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(this.url, {
        method: "POST",
        headers: this.#headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
        throw new NodeTimeoutError(method, this.url, this.timeoutMs);
      }
      throw new NodeConnectionError(method, this.url, describe(error), { cause: error });
    }
    return this.reply(method, id, response.status, text, response.headers.get("retry-after"), parse);
  }

  /** The parsed result of an HTTP reply, or the matching error. */
  reply<T>(
    method: string,
    id: number,
    status: number,
    text: string,
    retryAfter: string | null,
    parse: Parser<T>,
  ): T {
    let body: unknown;
    let isJson = true;
    try {
      body = parseJson(text);
    } catch {
      isJson = false;
    }
    const envelope =
      isJson && typeof body === "object" && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : undefined;
    if (
      status < 500 &&
      envelope !== undefined &&
      typeof envelope.error === "object" &&
      envelope.error !== null
    ) {
      throw this.#error(method, id, envelope);
    }
    if (status !== 200) {
      const seconds = retryAfter === null ? undefined : Number(retryAfter);
      throw new NodeHTTPError(
        method,
        status,
        text,
        seconds !== undefined && Number.isFinite(seconds) ? seconds : undefined,
      );
    }
    if (!isJson) throw new NodeResponseError(method, "body", "not valid JSON");
    if (envelope === undefined) throw new NodeResponseError(method, "body", "expected a JSON-RPC object");
    if (envelope.jsonrpc !== "2.0") {
      throw new NodeResponseError(method, "jsonrpc", `expected "2.0", got ${show(envelope.jsonrpc)}`);
    }
    if (envelope.id !== id)
      throw new NodeResponseError(method, "id", `expected ${id}, got ${show(envelope.id)}`);
    if (!("result" in envelope)) throw new NodeResponseError(method, "result", "missing");
    try {
      return parse(envelope.result, "result");
    } catch (error) {
      if (error instanceof Malformed) throw new NodeResponseError(method, error.path, error.reason);
      throw error;
    }
  }

  #error(method: string, id: number, envelope: Record<string, unknown>): TOSError {
    const error = envelope.error as Record<string, unknown>;
    const { code, message } = error;
    if (typeof code !== "number" || !Number.isInteger(code)) {
      return new NodeResponseError(method, "error.code", "expected an integer");
    }
    if (typeof message !== "string")
      return new NodeResponseError(method, "error.message", "expected a string");
    if (envelope.id !== id && envelope.id !== null) {
      return new NodeResponseError(method, "id", `expected ${id}, got ${show(envelope.id)}`);
    }
    return nodeError(method, code, message, error.data);
  }
}

function isTransportError(error: unknown): error is TOSError {
  return error instanceof NodeConnectionError || error instanceof NodeTimeoutError;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : "";
    return `${error.message}${detail}`;
  }
  return String(error);
}

function show(value: unknown): string {
  try {
    return value === undefined ? "nothing" : stringify(value);
  } catch {
    return String(value);
  }
}
