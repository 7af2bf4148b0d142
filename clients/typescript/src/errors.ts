/**
 * Every way a call to a node can fail, as one hierarchy under `TOSError`.
 *
 * `NodeRPCError` keeps what the node said (method, code, message, data); there is one subclass per kind
 * of conformance/vectors/errors.json, so callers test what they mean (`error instanceof InsufficientFunds`
 * or `error.kind === "insufficient_funds"`). Local checks of arguments throw `ArgumentError` before
 * anything is sent.
 */

import { stringify } from "./json.js";

/** Base class of every error this package throws. */
export class TOSError extends Error {
  /** The node method the error is about, when there is one. */
  readonly method: string | undefined;

  constructor(message: string, method?: string, options?: { cause?: unknown }) {
    super(method ? `${method}: ${message}` : message, options);
    this.method = method;
    this.name = new.target.name;
  }
}

/** An argument refused before anything was sent (a malformed amount, address, id or task type). */
export class ArgumentError extends TOSError {
  constructor(
    /** The argument or field at fault, in the node's dotted form (`task_data.reward_amount`). */
    readonly field: string,
    readonly reason: string,
    method?: string,
  ) {
    super(`${field}: ${reason}`, method);
  }
}

/** The node could not be reached, or the connection broke before a reply arrived. */
export class NodeConnectionError extends TOSError {
  constructor(
    method: string | undefined,
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach the node at ${url}: ${reason}`, method, options);
  }
}

/** The node did not answer within the timeout. */
export class NodeTimeoutError extends TOSError {
  constructor(
    method: string | undefined,
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`the node at ${url} did not answer within ${timeoutMs} ms`, method);
  }
}

/** The node answered with something that is not a valid reply for this method. */
export class NodeResponseError extends TOSError {
  constructor(
    method: string | undefined,
    /** Where in the reply (`result.tasks[3].reward_amount`). */
    readonly field: string,
    readonly reason: string,
  ) {
    super(`malformed reply from the node: ${field}: ${reason}`, method);
  }
}

/** The node answered with an HTTP status that carries no JSON-RPC reply (429, 5xx, ...). */
export class NodeHTTPError extends NodeResponseError {
  constructor(
    method: string | undefined,
    readonly status: number,
    readonly body: string,
    /** Seconds, from a `Retry-After` header. */
    readonly retryAfter: number | undefined,
  ) {
    const snippet = body.trim().replace(/\s+/g, " ").slice(0, 200);
    super(method, "http status", `HTTP ${status}${snippet ? `: ${snippet}` : ""}`);
  }
}

/** The kinds of conformance/vectors/errors.json. */
export type ErrorKind =
  | "parse_error"
  | "invalid_request"
  | "method_not_found"
  | "invalid_params"
  | "internal_error"
  | "unknown_entity"
  | "insufficient_funds"
  | "not_accepting"
  | "permission_denied"
  | "nonce_mismatch"
  | "wrong_chain"
  | "invalid_content"
  | "already_done"
  | "rate_limited"
  | "node_error";

/** The node refused the call with a JSON-RPC error; the subclass says which kind. */
export class NodeRPCError extends TOSError {
  static readonly kind: ErrorKind = "node_error";
  static readonly title: string = "node error";

  constructor(
    method: string | undefined,
    readonly code: number,
    /** The node's own words. */
    readonly nodeMessage: string,
    readonly data: unknown = undefined,
  ) {
    const title = (new.target as typeof NodeRPCError).title;
    const extra = data === undefined || data === null || isEmpty(data) ? "" : `, data ${safeJson(data)}`;
    super(`${nodeMessage} (${title}, code ${code}${extra})`, method);
  }

  /** The kind of conformance/vectors/errors.json this error is. */
  get kind(): ErrorKind {
    return (this.constructor as typeof NodeRPCError).kind;
  }

  /** `data.rule`, the rule the node named, if any. */
  get rule(): string | undefined {
    return dataString(this.data, "rule");
  }

  /** `data.field`, the parameter the node named, if any. */
  get field(): string | undefined {
    return dataString(this.data, "field");
  }
}

function isEmpty(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}

function safeJson(value: unknown): string {
  try {
    return stringify(value);
  } catch {
    return String(value);
  }
}

function dataString(data: unknown, key: string): string | undefined {
  if (typeof data === "object" && data !== null) {
    const value = (data as Record<string, unknown>)[key];
    return typeof value === "string" ? value : undefined;
  }
  return undefined;
}

/** -32700: the request was not valid JSON. */
export class ParseError extends NodeRPCError {
  static override readonly kind: ErrorKind = "parse_error";
  static override readonly title: string = "parse error";
}

/** -32600: not a valid JSON-RPC request (or a body or batch too big). */
export class InvalidRequest extends NodeRPCError {
  static override readonly kind: ErrorKind = "invalid_request";
  static override readonly title: string = "invalid request";
}

/** -32601: the node has no such method. */
export class MethodNotFound extends NodeRPCError {
  static override readonly kind: ErrorKind = "method_not_found";
  static override readonly title: string = "method not found";
}

/** -32602: a parameter has the wrong type or shape; `field` names it. */
export class InvalidParams extends NodeRPCError {
  static override readonly kind: ErrorKind = "invalid_params";
  static override readonly title: string = "invalid params";
}

/** -32603: the node failed; the request changed nothing. */
export class InternalError extends NodeRPCError {
  static override readonly kind: ErrorKind = "internal_error";
  static override readonly title: string = "internal node error";
}

/** -32001: the task or submission named does not exist. */
export class UnknownEntity extends NodeRPCError {
  static override readonly kind: ErrorKind = "unknown_entity";
  static override readonly title: string = "unknown task or submission";
}

/** -32002: the balance is too low, or a stake is outside its allowed range. */
export class InsufficientFunds extends NodeRPCError {
  static override readonly kind: ErrorKind = "insufficient_funds";
  static override readonly title: string = "insufficient funds";
}

/** -32003: the task does not take this action now (status, deadline, full). */
export class NotAccepting extends NodeRPCError {
  static override readonly kind: ErrorKind = "not_accepting";
  static override readonly title: string = "task not accepting this action";
}

/** -32004: this account may not do this (someone else's task, own task, reputation, signature...). */
export class PermissionDenied extends NodeRPCError {
  static override readonly kind: ErrorKind = "permission_denied";
  static override readonly title: string = "permission denied";
}

/** -32004 with `data.rule == "nonce"`: the signed nonce was not the account's next; nothing was spent. */
export class NonceMismatch extends PermissionDenied {
  static override readonly kind: ErrorKind = "nonce_mismatch";
  static override readonly title: string = "wrong nonce";

  /** The nonce the node expected (`data.expected`). */
  get expected(): number | undefined {
    const value = (this.data as Record<string, unknown> | undefined)?.expected;
    return typeof value === "number" && Number.isInteger(value) ? value : undefined;
  }
}

/** -32004 with `data.rule == "chain_id"`: signed for another chain than the node's; nothing was spent. */
export class WrongChain extends PermissionDenied {
  static override readonly kind: ErrorKind = "wrong_chain";
  static override readonly title: string = "signed for another chain";

  /** The node's chain id (`data.expected`). */
  get expected(): string | undefined {
    const value = (this.data as Record<string, unknown> | undefined)?.expected;
    return typeof value === "string" ? value : undefined;
  }
}

/** -32005: a length, score or amount breaks a content rule. */
export class InvalidContent extends NodeRPCError {
  static override readonly kind: ErrorKind = "invalid_content";
  static override readonly title: string = "invalid content";
}

/** -32006: done before (second participation, validation, registration). */
export class AlreadyDone extends NodeRPCError {
  static override readonly kind: ErrorKind = "already_done";
  static override readonly title: string = "already done";
}

/** -32007: too many actions of this kind; `retryAfter` says how many seconds to wait. */
export class RateLimited extends NodeRPCError {
  static override readonly kind: ErrorKind = "rate_limited";
  static override readonly title: string = "rate limited";

  /** Seconds to wait (`data.retry_after`). */
  get retryAfter(): number | undefined {
    const value = (this.data as Record<string, unknown> | undefined)?.retry_after;
    return typeof value === "number" ? value : undefined;
  }
}

const BY_CODE = new Map<number, typeof NodeRPCError>([
  [-32700, ParseError],
  [-32600, InvalidRequest],
  [-32601, MethodNotFound],
  [-32602, InvalidParams],
  [-32603, InternalError],
  [-32001, UnknownEntity],
  [-32002, InsufficientFunds],
  [-32003, NotAccepting],
  [-32004, PermissionDenied],
  [-32005, InvalidContent],
  [-32006, AlreadyDone],
  [-32007, RateLimited],
]);

/** The most specific `NodeRPCError` for a JSON-RPC error object. */
export function nodeError(
  method: string | undefined,
  code: number,
  message: string,
  data?: unknown,
): NodeRPCError {
  let ErrorClass = BY_CODE.get(code) ?? NodeRPCError;
  if (ErrorClass === PermissionDenied) {
    const rule = dataString(data, "rule");
    if (rule === "nonce") ErrorClass = NonceMismatch;
    else if (rule === "chain_id") ErrorClass = WrongChain;
  }
  return new ErrorClass(method, code, message, data);
}

/** The event stream cannot resume: the node no longer keeps the events after `sinceSeq`. */
export class ResyncRequired extends TOSError {
  constructor(
    readonly oldestSeq: number,
    readonly sinceSeq: number | undefined,
  ) {
    const after = sinceSeq === undefined ? "" : `after seq ${sinceSeq} `;
    super(
      `the node no longer keeps the events ${after}(its oldest is ${oldestSeq}); reload state from reads and subscribe again`,
      "subscribe",
    );
  }
}

/** The node is on another chain than the one a cursor (or a signature) came from: a reset devnet. */
export class ChainReset extends TOSError {
  constructor(
    readonly oldChainId: string,
    readonly newChainId: string,
    /** The last seq delivered on the old chain. */
    readonly lastSeq: number | undefined,
  ) {
    super(
      `the node's chain changed from ${oldChainId} to ${newChainId} (a reset chain): seqs start again at 1 and ` +
        `accounts from before are gone; subscribe again from seq 0 of the new chain`,
      "subscribe",
    );
  }
}

/** A private key or wallet that cannot be used. */
export class WalletError extends TOSError {}
