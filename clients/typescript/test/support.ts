/**
 * What the tests share: the conformance folder (vectors, scenario.json), the node the harness started,
 * its control endpoint, and small waiting helpers.
 *
 * Tests that need the node skip when run outside the harness (`npm test` on its own), and fail when
 * TOS_CONFORMANCE=1 says the node must be there.
 */

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { parseJson } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
/** clients/typescript, wherever the compiled test runs from. */
export const PACKAGE_DIR = resolve(here, "..", "..");
export const REPO_ROOT = resolve(PACKAGE_DIR, "..", "..");
export const CONFORMANCE_DIR = process.env.TOS_CONFORMANCE_DIR ?? join(REPO_ROOT, "clients", "conformance");

/** A vector file, read losslessly: an integer beyond 2^53 in it arrives as bigint, every digit kept. */
export function vector<T = Record<string, unknown>>(name: string): T {
  return parseJson(readFileSync(join(CONFORMANCE_DIR, "vectors", `${name}.json`), "utf8")) as T;
}

/** scenario.json, as data (amounts as decimal strings). */
// biome-ignore lint/suspicious/noExplicitAny: the scenario is data read from JSON; steps index it freely.
export const scenario: any = JSON.parse(readFileSync(join(CONFORMANCE_DIR, "scenario.json"), "utf8"));

export const NODE_URL = process.env.TOS_NODE_URL;
export const NODE_WS_URL = process.env.TOS_NODE_WS_URL;
export const CONTROL_URL = process.env.TOS_CONFORMANCE_CONTROL;
const REQUIRED = process.env.TOS_CONFORMANCE === "1";

/** The node's URL; skips the test outside the harness, fails it when the harness promised a node. */
export function nodeUrl(t: TestContext): string | undefined {
  if (NODE_URL !== undefined && NODE_URL !== "") return NODE_URL;
  if (REQUIRED)
    throw new Error("TOS_CONFORMANCE=1 but TOS_NODE_URL is not set: the harness must start a node");
  t.skip("needs a devnode: run `make test-clients` (clients/conformance/harness.py)");
  return undefined;
}

/** POST the harness's control endpoint (`restart`, `reset`, `stop`, `start`). */
export async function control(
  action: "restart" | "reset" | "stop" | "start",
  body: object = {},
): Promise<unknown> {
  if (CONTROL_URL === undefined) throw new Error("TOS_CONFORMANCE_CONTROL is not set");
  const reply = await fetch(`${CONTROL_URL}/${action}`, { method: "POST", body: JSON.stringify(body) });
  const data = (await reply.json()) as unknown;
  if (!reply.ok) throw new Error(`control ${action} failed: ${JSON.stringify(data)}`);
  return data;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Poll `check` until it returns something other than undefined/false, or fail after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`,
      );
    }
    await sleep(everyMs);
  }
}

/** Where the TOS design's examples are: read from there by the tests, never copied into the repository. */
export const DESIGN_EXAMPLES_CANDIDATES = [
  process.env.TOS_DESIGN_EXAMPLES,
  "/work/shared/spec/tos-design-examples.md",
  join(REPO_ROOT, "..", "shared", "spec", "tos-design-examples.md"),
].filter((path): path is string => typeof path === "string" && path !== "");

/** The member of an `ai_get_rules` reply at a dotted path (`rate_limits.per_window`). */
export function member(rules: unknown, path: string): unknown {
  let value = rules;
  for (const name of path.split(".")) value = (value as Record<string, unknown>)[name];
  return value;
}

/** A copy of an `ai_get_rules` reply without the members at these dotted paths (the configurable ones). */
export function without(rules: unknown, paths: readonly string[]): unknown {
  const copy = structuredClone(rules) as Record<string, unknown>;
  for (const path of paths) {
    const dot = path.lastIndexOf(".");
    const parent = (dot < 0 ? copy : member(copy, path.slice(0, dot))) as Record<string, unknown>;
    delete parent[path.slice(dot + 1)];
  }
  return copy;
}

/** Whether a typed reply holds what the raw one does: its bigints are the raw digits, the rest equal. */
export function sameAsSent(typed: unknown, raw: unknown): boolean {
  if (typeof typed === "bigint")
    return (typeof raw === "string" || typeof raw === "number") && BigInt(raw) === typed;
  if (Array.isArray(typed)) {
    return (
      Array.isArray(raw) && raw.length === typed.length && typed.every((item, i) => sameAsSent(item, raw[i]))
    );
  }
  if (typeof typed === "object" && typed !== null) {
    if (typeof raw !== "object" || raw === null) return false;
    const keys = Object.keys(typed);
    return (
      keys.length === Object.keys(raw).length &&
      keys.every((key) =>
        sameAsSent((typed as Record<string, unknown>)[key], (raw as Record<string, unknown>)[key]),
      )
    );
  }
  return typed === raw;
}
