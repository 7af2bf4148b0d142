/**
 * A standing check on canonical JSON, the class of bug that breaks every signature: thousands of random
 * values (astral and control characters, keys that sort differently by UTF-16 unit and by code point,
 * fractions from 1e-300 to 1e15, integers beyond 2^53) written by this package must read back, through
 * Python's `json` (what the node uses), as the very same canonical text. Seeded, so a failure repeats.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { canonicalJson, type JsonValue, parseJson } from "../src/index.js";

const SEED = Number(process.env.TOS_PROPERTY_SEED ?? 20261201);
const CASES = Number(process.env.TOS_PROPERTY_CASES ?? 3000);

/** xorshift32: small, seeded, good enough to spread cases. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

const ALPHABET = [
  "a",
  "B",
  "z",
  "0",
  " ",
  '"',
  "\\",
  "/",
  "\n",
  "\r",
  "\t",
  "\b",
  "\f",
  "\u0000",
  "\u001f",
  "\u007f",
  "é",
  "ß",
  "数",
  "\u2028",
  "\uff61",
  "\ue000",
  "\ufffd",
  "😀",
  "🚀",
  "𝄞",
];

function randomValue(next: () => number, depth: number): JsonValue {
  const pick = Math.floor(next() * (depth > 3 ? 6 : 8));
  const text = (): string => {
    let out = "";
    const length = Math.floor(next() * 6);
    for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
    return out;
  };
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return text();
    case 3: {
      // A fraction anywhere from 1e-300 to 1e15, or a small decimal like the ones people type.
      if (next() < 0.5) return Math.round(next() * 1e6) / 10 ** Math.ceil(next() * 6) + 0.5 ** 20;
      const value = (next() + 0.1) * 10 ** Math.floor(next() * 315 - 300);
      return Number.isInteger(value) ? value + 0.5 : value;
    }
    case 4: {
      const roll = next();
      if (roll < 0.3) return Math.floor(next() * 2 ** 31) - 2 ** 30;
      if (roll < 0.6)
        return BigInt(Math.floor(next() * 2 ** 52)) * 2n ** BigInt(Math.floor(next() * 20)) + 2n ** 53n;
      return 10 ** Math.floor(16 + next() * 5); // integer-valued doubles from 1e16 to 1e20
    }
    case 5:
      return -Math.floor(next() * 1e9);
    case 6: {
      const items: JsonValue[] = [];
      const length = Math.floor(next() * 4);
      for (let i = 0; i < length; i++) items.push(randomValue(next, depth + 1));
      return items;
    }
    default: {
      const object: Record<string, JsonValue> = {};
      const length = Math.floor(next() * 5);
      for (let i = 0; i < length; i++) object[text()] = randomValue(next, depth + 1);
      return object;
    }
  }
}

const PYTHON_CANONICAL = `
import json, sys
texts = json.load(sys.stdin)
out = [json.dumps(json.loads(t), sort_keys=True, separators=(",", ":"), ensure_ascii=False) for t in texts]
json.dump(out, sys.stdout, ensure_ascii=True)
`;

test("canonical JSON written here reads back through Python's json as the same text", (t) => {
  const python = process.env.TOS_PYTHON ?? "python3";
  const probe = spawnSync(python, ["--version"]);
  if (probe.error !== undefined) {
    t.skip(`needs ${python} to compare with the node's json module`);
    return;
  }
  const next = generator(SEED);
  const texts: string[] = [];
  for (let i = 0; i < CASES; i++) texts.push(canonicalJson(randomValue(next, 0)));
  const run = spawnSync(python, ["-c", PYTHON_CANONICAL], { input: JSON.stringify(texts), encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const fromPython = JSON.parse(run.stdout) as string[];
  for (let i = 0; i < texts.length; i++) {
    assert.equal(fromPython[i], texts[i], `case ${i} (seed ${SEED})`);
  }
});

test("reading canonical text back gives the same canonical text (lossless for integers of any size)", () => {
  const next = generator(SEED + 1);
  for (let i = 0; i < CASES; i++) {
    const text = canonicalJson(randomValue(next, 0));
    assert.equal(canonicalJson(parseJson(text)), text, `case ${i} (seed ${SEED + 1})`);
  }
});
