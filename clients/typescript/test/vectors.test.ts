/** Scenario step 0: every file of clients/conformance/vectors, no node needed. */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ArgumentError,
  ATOMIC_PER_TOS,
  addressFromPublicKey,
  canonicalBytes,
  canonicalJson,
  DIFFICULTY_LEVELS,
  EVENT_NAMES,
  formatTos,
  MAX_SUPPLY,
  NodeRPCError,
  NonceMismatch,
  nodeError,
  normalizeAddress,
  normalizeTaskType,
  OPEN_STATUSES,
  PermissionDenied,
  parseJson,
  parseTos,
  publicKeyFromAddress,
  STAKE_DIVISORS,
  signingPayload,
  stakeRange,
  TASK_STATUSES,
  TASK_TYPE_DETAILS,
  type TaskSummary,
  toAtomic,
  verifySignature,
  Wallet,
  WrongChain,
} from "../src/index.js";
import { parseRules } from "../src/records.js";
import { fromHex, toHex } from "../src/wallet.js";
import { sameAsSent, vector } from "./support.js";

interface Cases<T> {
  cases: T[];
}

const decoder = new TextDecoder();

describe("canonical_json.json", () => {
  const { cases } = vector<Cases<{ name: string; input: string; canonical: string }>>("canonical_json");
  for (const item of cases) {
    test(item.name, () => {
      const bytes = canonicalBytes(parseJson(item.input));
      assert.deepEqual(bytes, new TextEncoder().encode(item.canonical));
    });
  }
});

interface SigningCase {
  name: string;
  private_key: string;
  public_key: string;
  address: string;
  method: string;
  params: string;
  nonce: number;
  chain_id: string;
  network: string;
  signed_bytes: string;
  signature: string;
  auth: Record<string, unknown>;
}

describe("signing.json", () => {
  const { cases } = vector<Cases<SigningCase>>("signing");
  for (const item of cases) {
    test(item.name, async () => {
      const wallet = await Wallet.fromPrivateKey(item.private_key);
      assert.equal(wallet.publicKeyHex, item.public_key);
      assert.equal(wallet.address, item.address);
      const params = parseJson(item.params) as Record<string, unknown>;
      const chain = { chainId: item.chain_id, network: item.network };
      const payload = signingPayload(item.method, params, item.nonce, chain);
      assert.equal(decoder.decode(payload), item.signed_bytes);
      const signed = await wallet.signParams(item.method, params, item.nonce, chain);
      assert.deepEqual(signed.auth, item.auth);
      assert.equal(signed.auth.signature, item.signature);
      // Every bound field changes the bytes, so the node's check fails for any of them.
      const variants: Array<[string, Uint8Array]> = [
        ["method", signingPayload(`${item.method}_x`, params, item.nonce, chain)],
        ["nonce", signingPayload(item.method, params, item.nonce + 1, chain)],
        [
          "chain_id",
          signingPayload(item.method, params, item.nonce, { ...chain, chainId: "0000000000000000" }),
        ],
        ["network", signingPayload(item.method, params, item.nonce, { ...chain, network: "mainnet" })],
        ["params", signingPayload(item.method, { ...params, extra: 1 }, item.nonce, chain)],
      ];
      for (const [what, bytes] of variants) {
        assert.equal(
          await verifySignature(wallet.publicKey, bytes, item.signature),
          false,
          `changing ${what}`,
        );
      }
      assert.equal(await verifySignature(wallet.publicKey, payload, item.signature), true);
    });
  }
});

interface AddressCase {
  name: string;
  address: string;
  valid: boolean;
  normalized?: string;
  public_key?: string;
  reason?: string;
}

describe("addresses.json", () => {
  const { cases } = vector<Cases<AddressCase>>("addresses");
  for (const item of cases) {
    test(item.name, () => {
      if (item.valid) {
        assert.equal(normalizeAddress(item.address), item.normalized);
        const key = publicKeyFromAddress(item.address);
        assert.equal(toHex(key), item.public_key);
        assert.equal(addressFromPublicKey(fromHex(item.public_key ?? "")), item.normalized);
      } else {
        assert.throws(
          () => normalizeAddress(item.address),
          (error: unknown) => error instanceof ArgumentError && error.reason === item.reason,
        );
      }
    });
  }
});

describe("amounts.json", () => {
  const data = vector<{
    atomic: Array<{ input: unknown; valid: boolean; atomic?: string }>;
    tos_to_atomic: Array<{ tos: string; atomic: string | null }>;
    format: Array<{ atomic: string; text: string }>;
  }>("amounts");
  test("atomic amounts: bigint, integer or decimal string up to the maximum supply", () => {
    for (const item of data.atomic) {
      if (item.valid) {
        assert.equal(
          toAtomic(item.input as string | number | bigint).toString(),
          item.atomic,
          String(item.input),
        );
      } else {
        assert.throws(() => toAtomic(item.input as string), ArgumentError, String(item.input));
      }
    }
  });
  test("integers beyond 2^53 must come as bigint or string, never a lossy number", () => {
    assert.equal(toAtomic(18_400_000_000_000_000n), 18_400_000_000_000_000n);
    assert.throws(
      () => toAtomic(18_400_000_000_000_000),
      ArgumentError,
      "a number past 2^53 may have lost digits",
    );
    assert.throws(() => toAtomic(-1n), ArgumentError);
    assert.throws(() => toAtomic(18_400_000_000_000_001n), ArgumentError);
  });
  test("TOS figures to atomic units", () => {
    for (const item of data.tos_to_atomic) {
      if (item.atomic === null) assert.throws(() => parseTos(item.tos), ArgumentError, item.tos);
      else assert.equal(parseTos(item.tos).toString(), item.atomic, item.tos);
    }
  });
  test("atomic units as TOS text", () => {
    for (const item of data.format) assert.equal(formatTos(BigInt(item.atomic)), item.text);
  });
});

describe("task_types.json", () => {
  const data = vector<{
    cases: Array<{ name: string; input: unknown; valid: boolean; normalized?: unknown; field?: string }>;
    detail_keys: Record<string, string>;
  }>("task_types");
  for (const item of data.cases) {
    test(item.name, () => {
      if (item.valid) {
        assert.deepEqual(normalizeTaskType(item.input), item.normalized);
      } else {
        assert.throws(
          () => normalizeTaskType(item.input),
          (error: unknown) => error instanceof ArgumentError && error.field === item.field,
        );
      }
    });
  }
  test("every variant takes its one detail key", () => {
    for (const [variant, key] of Object.entries(data.detail_keys)) {
      const value = key === "complexity" ? 3 : "x";
      assert.deepEqual(normalizeTaskType({ [variant]: { [key]: value } }), { [variant]: { [key]: value } });
    }
  });
});

describe("errors.json", () => {
  const { errors } = vector<{ errors: Array<{ code: number; kind: string; rule: string | null }> }>("errors");
  for (const item of errors) {
    test(`${item.code}${item.rule ? ` (${item.rule})` : ""} is ${item.kind}`, () => {
      const data = item.rule
        ? { rule: item.rule, expected: item.rule === "nonce" ? 7 : "abc" }
        : { field: "x" };
      const error = nodeError("ai_publish_task", item.code, "refused", data);
      assert.equal(error.kind, item.kind);
      assert.ok(error instanceof NodeRPCError);
      assert.equal(error.code, item.code);
      assert.equal(error.nodeMessage, "refused");
      assert.deepEqual(error.data, data);
      assert.equal(error.method, "ai_publish_task");
      assert.match(error.message, /^ai_publish_task: refused/);
      if (item.kind === "nonce_mismatch" || item.kind === "wrong_chain")
        assert.ok(error instanceof PermissionDenied);
      if (error instanceof NonceMismatch) assert.equal(error.expected, 7);
      if (error instanceof WrongChain) assert.equal(error.expected, "abc");
    });
  }
  test("an unknown code is a generic node error keeping code, message and data", () => {
    const error = nodeError("get_info", -32099, "odd", { a: 1 });
    assert.equal(error.constructor, NodeRPCError);
    assert.equal(error.kind, "node_error");
    assert.equal(error.code, -32099);
    assert.deepEqual(error.data, { a: 1 });
  });
});

describe("rules.json", () => {
  const { rules } = vector<{ rules: Record<string, unknown> }>("rules");
  const parsed = parseRules(rules, "result");

  test("it reads as Rules: amounts and the stake divisors as bigint, the rest as sent", () => {
    assert.equal(parsed.amounts.max_supply, 18_400_000_000_000_000n);
    assert.equal(parsed.stake.min_divisor, 10n);
    assert.ok(sameAsSent(parsed, rules));
  });

  test("the rules this package keeps are the node's", () => {
    assert.deepEqual(
      parsed.difficulty_levels.map((level) => level.name),
      [...DIFFICULTY_LEVELS],
    );
    assert.equal(parsed.amounts.atomic_per_tos, ATOMIC_PER_TOS);
    assert.equal(parsed.amounts.max_supply, MAX_SUPPLY);
    assert.deepEqual(Object.fromEntries(parsed.task_types.map((type) => [type.name, type.detail])), {
      ...TASK_TYPE_DETAILS,
    });
    assert.deepEqual(parsed.statuses.all, [...TASK_STATUSES]);
    assert.deepEqual(parsed.statuses.open, [...OPEN_STATUSES]);
    assert.deepEqual(parsed.stake, { min_divisor: STAKE_DIVISORS.min, max_divisor: STAKE_DIVISORS.max });
    assert.deepEqual([...EVENT_NAMES].sort(), [...parsed.events].sort());
  });

  test("the stake range follows the divisors it is given", () => {
    const task = { reward_amount: 12_345_678_901n, stake_required: 0n } as TaskSummary;
    assert.deepEqual(stakeRange(task), { min: 1_234_567_890n, max: 6_172_839_450n });
    assert.deepEqual(stakeRange(task, parsed), stakeRange(task));
    assert.deepEqual(stakeRange(task, { stake: { min_divisor: 4n, max_divisor: 3n } }), {
      min: 3_086_419_725n,
      max: 4_115_226_300n,
    });
    assert.deepEqual(stakeRange({ ...task, stake_required: 2_000_000_000n }), {
      min: 2_000_000_000n,
      max: 6_172_839_450n,
    });
  });
});

describe("canonical JSON beyond the vectors", () => {
  test("fractions are written as Python's repr writes them (the node re-serialises with it)", () => {
    const cases: Array<[number, string]> = [
      [0.67, "0.67"],
      [1e-7, "1e-07"],
      [1.5e-10, "1.5e-10"],
      [0.0001, "0.0001"],
      [0.00001, "1e-05"],
      [123.456, "123.456"],
      [-2.5, "-2.5"],
      [1234567890123.5, "1234567890123.5"],
    ];
    for (const [value, text] of cases) assert.equal(canonicalJson(value), text);
  });
  test("integers are written with every digit, never an exponent", () => {
    assert.equal(canonicalJson(1e21), "1000000000000000000000");
    assert.equal(canonicalJson(2 ** 53 + 2), "9007199254740994");
    assert.equal(canonicalJson(-0), "0");
    assert.equal(canonicalJson(123456789012345678901234567890n), "123456789012345678901234567890");
  });
  test("undefined members are left out, as JSON.stringify does", () => {
    assert.equal(canonicalJson({ b: undefined, a: [undefined, 1] }), '{"a":[null,1]}');
  });
  test("what cannot be JSON is refused", () => {
    assert.throws(() => canonicalJson(Number.NaN), TypeError);
    assert.throws(() => canonicalJson({ f: () => 1 }), TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => canonicalJson(cyclic), TypeError);
  });
  test("the lossless reader keeps big integers and a __proto__ key as data", () => {
    const value = parseJson(
      '{"__proto__":{"x":1},"n":12345678901234567890,"f":1.5,"s":9007199254740991}',
    ) as Record<string, unknown>;
    assert.equal(value.n, 12345678901234567890n);
    assert.equal(value.s, 9007199254740991);
    assert.equal(value.f, 1.5);
    assert.deepEqual(Object.keys(value), ["__proto__", "n", "f", "s"]);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.throws(() => parseJson('{"a":12345678901234567890,}'), SyntaxError);
  });
});
