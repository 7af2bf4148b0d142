/**
 * Per-account nonces for signed writes: one lock per account, so concurrent calls take nonces one after
 * another, and what each refusal means for the next nonce (the node spends a nonce on every request whose
 * signature and nonce check out, whatever the method then does).
 */

import {
  AlreadyDone,
  InsufficientFunds,
  InvalidContent,
  NonceMismatch,
  NotAccepting,
  RateLimited,
  type TOSError,
  UnknownEntity,
} from "./errors.js";

// Refusals made after the signature and nonce were checked: the nonce is spent.
const SPENDING = [UnknownEntity, InsufficientFunds, NotAccepting, InvalidContent, AlreadyDone, RateLimited];

/** The nonce state of one account, valid while its lock is held. */
export interface NonceSlot {
  /** The next nonce, when known; undefined means: ask the node. */
  readonly nonce: number | undefined;
  /** Record what a write signed with `used` did (`error` undefined: it succeeded). */
  settle(used: number, error: TOSError | undefined): void;
}

export class NonceBook {
  readonly #next = new Map<string, number>();
  readonly #locks = new Map<string, Promise<void>>();

  /** Run `work` holding `address`'s lock; calls for one account run one at a time, in call order. */
  async withAccount<T>(address: string, work: (slot: NonceSlot) => Promise<T>): Promise<T> {
    const previous = this.#locks.get(address) ?? Promise.resolve();
    let release = (): void => {};
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.#locks.set(address, tail);
    await previous;
    const book = this.#next;
    const slot: NonceSlot = {
      get nonce() {
        return book.get(address);
      },
      settle(used, error) {
        if (error === undefined || SPENDING.some((kind) => error instanceof kind)) {
          book.set(address, used + 1);
        } else if (error instanceof NonceMismatch && error.expected !== undefined) {
          book.set(address, error.expected);
        } else {
          // Unknown whether the node counted it (a timeout, a broken connection, a bad signature...):
          // ask the node before the next write.
          book.delete(address);
        }
      },
    };
    try {
      return await work(slot);
    } finally {
      release();
      if (this.#locks.get(address) === tail) this.#locks.delete(address);
    }
  }

  /** Forget every nonce (the chain changed: the accounts of before are gone). */
  forgetAll(): void {
    this.#next.clear();
  }
}
