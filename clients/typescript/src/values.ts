/**
 * The values of the protocol: bech32 addresses, amounts in atomic units, task ids and task types,
 * checked the way the node checks them (conformance/vectors: addresses, amounts, task_types).
 */

import { ArgumentError } from "./errors.js";

// --- addresses ---------------------------------------------------------------------------------------

/** The address prefix of the devnet (`tos` on mainnet). */
export const DEVNET_HRP = "tst";
export const MAINNET_HRP = "tos";

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const BECH32_CONST = 1; // BIP-173; bech32m would be 0x2bc830a3

/** A string that is not a valid address; `reason` is in the node's words. */
export class AddressError extends ArgumentError {
  constructor(reason: string, field = "address") {
    super(field, reason);
  }
}

function polymod(values: number[]): number {
  let checksum = 1;
  for (const value of values) {
    const top = checksum >>> 25;
    checksum = (((checksum & 0x1ffffff) << 5) ^ value) >>> 0;
    for (let bit = 0; bit < 5; bit++) {
      if ((top >>> bit) & 1) checksum = (checksum ^ (GENERATOR[bit] as number)) >>> 0;
    }
  }
  return checksum;
}

function hrpExpand(hrp: string): number[] {
  const high = [...hrp].map((char) => char.charCodeAt(0) >> 5);
  const low = [...hrp].map((char) => char.charCodeAt(0) & 31);
  return [...high, 0, ...low];
}

function convertBits(data: ArrayLike<number>, fromBits: number, toBits: number, pad: boolean): number[] {
  let accumulator = 0;
  let bits = 0;
  const result: number[] = [];
  const maxValue = (1 << toBits) - 1;
  for (let i = 0; i < data.length; i++) {
    const value = data[i] as number;
    accumulator = ((accumulator << fromBits) | value) & 0xffffff;
    bits += fromBits;
    while (bits >= toBits) {
      bits -= toBits;
      result.push((accumulator >> bits) & maxValue);
    }
  }
  if (pad) {
    if (bits > 0) result.push((accumulator << (toBits - bits)) & maxValue);
  } else if (bits >= fromBits || ((accumulator << (toBits - bits)) & maxValue) !== 0) {
    throw new AddressError("non-zero padding");
  }
  return result;
}

/** Encode bytes as classic bech32 (BIP-173) under `hrp`. */
export function bech32Encode(hrp: string, payload: Uint8Array): string {
  const words = convertBits(payload, 8, 5, true);
  const mod = polymod([...hrpExpand(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ BECH32_CONST;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...words, ...checksum].map((word) => CHARSET[word]).join("")}`;
}

/** Decode classic bech32 into its prefix and bytes; throws `AddressError` on any defect. */
export function bech32Decode(text: string): { hrp: string; payload: Uint8Array } {
  if (typeof text !== "string" || !/^[\x21-\x7e]*$/.test(text)) {
    throw new AddressError("an address is an ASCII string");
  }
  if (text.toLowerCase() !== text && text.toUpperCase() !== text) {
    throw new AddressError("mixed case");
  }
  const lower = text.toLowerCase();
  const separator = lower.lastIndexOf("1");
  if (separator < 1 || separator + 7 > lower.length || lower.length > 90) {
    throw new AddressError("malformed bech32 string");
  }
  const hrp = lower.slice(0, separator);
  const data: number[] = [];
  for (const char of lower.slice(separator + 1)) {
    const index = CHARSET.indexOf(char);
    if (index < 0) throw new AddressError("character outside the bech32 alphabet");
    data.push(index);
  }
  if (polymod([...hrpExpand(hrp), ...data]) !== BECH32_CONST) {
    throw new AddressError("bad checksum");
  }
  return { hrp, payload: Uint8Array.from(convertBits(data.slice(0, -6), 5, 8, false)) };
}

/** The address of a 32-byte ed25519 public key. */
export function addressFromPublicKey(publicKey: Uint8Array, hrp: string = DEVNET_HRP): string {
  if (publicKey.length !== 32) throw new AddressError("a public key is 32 bytes", "public_key");
  return bech32Encode(hrp, publicKey);
}

/** The 32-byte public key inside an address; throws `AddressError` unless it is valid for `hrp`. */
export function publicKeyFromAddress(address: string, hrp: string = DEVNET_HRP): Uint8Array {
  const decoded = bech32Decode(address);
  if (decoded.hrp !== hrp) throw new AddressError(`expected the '${hrp}' prefix, got '${decoded.hrp}'`);
  if (decoded.payload.length !== 32) throw new AddressError("an address holds a 32-byte public key");
  return decoded.payload;
}

/** The lower-case spelling of a valid address (the form the node answers with). */
export function normalizeAddress(address: string, hrp: string = DEVNET_HRP): string {
  return addressFromPublicKey(publicKeyFromAddress(address, hrp), hrp);
}

/** Check an address argument: bech32 with a 32-byte key under either network's prefix. */
export function checkAddress(address: unknown, field = "address"): string {
  if (typeof address !== "string") throw new AddressError("an address is a string", field);
  let decoded: { hrp: string; payload: Uint8Array };
  try {
    decoded = bech32Decode(address);
  } catch (error) {
    throw new AddressError((error as AddressError).reason, field);
  }
  if (decoded.hrp !== DEVNET_HRP && decoded.hrp !== MAINNET_HRP) {
    throw new AddressError(
      `expected the '${DEVNET_HRP}' or '${MAINNET_HRP}' prefix, got '${decoded.hrp}'`,
      field,
    );
  }
  if (decoded.payload.length !== 32) throw new AddressError("an address holds a 32-byte public key", field);
  return address.toLowerCase();
}

// --- amounts -----------------------------------------------------------------------------------------

/** 1 TOS = 10^8 atomic units. */
export const ATOMIC_PER_TOS = 100_000_000n;
/** The largest u64, 2^64 - 1. */
export const U64_MAX = (1n << 64n) - 1n;
/** No amount exceeds the chain's maximum supply: 184,000,000 TOS (docs/node-api.md, "Values"). */
export const MAX_SUPPLY = 184_000_000n * ATOMIC_PER_TOS;

/** An amount argument: a bigint, a safe non-negative integer, or a string of ASCII digits. */
export type AmountInput = bigint | number | string;

const DIGITS = /^[0-9]+$/;

/** An amount in atomic units as bigint, refusing negatives, fractions and anything beyond the maximum supply. */
export function toAtomic(value: AmountInput, field = "amount"): bigint {
  let atomic: bigint;
  if (typeof value === "bigint") {
    atomic = value;
  } else if (typeof value === "number") {
    if (!Number.isInteger(value))
      throw new ArgumentError(field, "an amount is a whole number of atomic units");
    if (!Number.isSafeInteger(value)) {
      throw new ArgumentError(field, "an amount beyond 2^53 must be a bigint or a decimal string");
    }
    atomic = BigInt(value);
  } else if (typeof value === "string") {
    if (!DIGITS.test(value)) throw new ArgumentError(field, "an amount is a string of decimal digits");
    atomic = BigInt(value);
  } else {
    throw new ArgumentError(field, "an amount is a bigint, an integer or a decimal string");
  }
  if (atomic < 0n) throw new ArgumentError(field, "an amount cannot be negative");
  if (atomic > MAX_SUPPLY) {
    throw new ArgumentError(
      field,
      `an amount is at most the maximum supply, ${MAX_SUPPLY} atomic (184,000,000 TOS)`,
    );
  }
  return atomic;
}

/** An amount as the node takes it in params: a decimal string. */
export function amountParam(value: AmountInput, field = "amount"): string {
  return toAtomic(value, field).toString();
}

const TOS_FIGURE = /^([0-9]+)(?:\.([0-9]{1,8}))?$/;

/** A TOS figure with at most 8 decimals ("1.5") in atomic units (150000000n). */
export function parseTos(text: string): bigint {
  const match = TOS_FIGURE.exec(typeof text === "string" ? text.trim() : "");
  if (match === null)
    throw new ArgumentError("amount", `not a TOS amount with at most 8 decimals: ${String(text)}`);
  const whole = BigInt(match[1] as string);
  const fraction = BigInt((match[2] ?? "").padEnd(8, "0"));
  return whole * ATOMIC_PER_TOS + fraction;
}

/** Atomic units as TOS text, trailing zeros trimmed ("1.5 TOS"). */
export function formatTos(atomic: bigint): string {
  const sign = atomic < 0n ? "-" : "";
  const magnitude = atomic < 0n ? -atomic : atomic;
  const whole = magnitude / ATOMIC_PER_TOS;
  const fraction = (magnitude % ATOMIC_PER_TOS).toString().padStart(8, "0").replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""} TOS`;
}

// --- ids ---------------------------------------------------------------------------------------------

const HASH_ID = /^[0-9a-fA-F]{64}$/;

/** Check a task, submission or other id: 64 hex characters (blake3-256). */
export function checkId(value: unknown, field: string): string {
  if (typeof value !== "string" || !HASH_ID.test(value)) {
    throw new ArgumentError(field, "an id is 64 hexadecimal characters");
  }
  return value.toLowerCase();
}

// --- task types --------------------------------------------------------------------------------------

/** The task type variants and the one detail each carries (docs/node-api.md, ai_publish_task). */
export const TASK_TYPE_DETAILS = {
  CodeAnalysis: "language",
  SecurityAudit: "scope",
  DataAnalysis: "data_type",
  AlgorithmOptimization: "domain",
  LogicReasoning: "complexity",
  GeneralTask: "category",
} as const;

export type TaskTypeName = keyof typeof TASK_TYPE_DETAILS;

/** A task type in its externally tagged form, `{"CodeAnalysis": {"language": "rust"}}`. */
export type TaskType = { [Name in TaskTypeName]?: Record<string, string | number> };

/** A task type as a caller may give it: a bare variant name or the tagged form (detail may be null). */
export type TaskTypeInput = TaskTypeName | { [name: string]: Record<string, unknown> | null };

export const DIFFICULTY_LEVELS = ["Beginner", "Intermediate", "Advanced", "Expert"] as const;
export type DifficultyLevel = (typeof DIFFICULTY_LEVELS)[number];

// --- the rules this package keeps (each checked against the node's, vectors/rules.json, in its tests) ---

/** Task statuses as the node names them (`ai_get_rules` → `statuses.all`). */
export const TASK_STATUSES = [
  "Published",
  "InProgress",
  "UnderValidation",
  "Completed",
  "Expired",
  "Cancelled",
] as const;
/** Statuses that still take participants and submissions (`statuses.open`); the node's rules win when read. */
export const OPEN_STATUSES: readonly string[] = ["Published", "InProgress"];
/**
 * A stake is between max(reward / min, stake_required) and reward / max (`ai_get_rules` → `stake`); the
 * auto-miner uses the node's divisors when it has read them.
 */
export const STAKE_DIVISORS = { min: 10n, max: 2n } as const;

function isTaskTypeName(name: string): name is TaskTypeName {
  return Object.hasOwn(TASK_TYPE_DETAILS, name);
}

/** The stored form of a task type, checked as the node checks it; `ArgumentError` names the field. */
export function normalizeTaskType(value: unknown, field = "task_type"): TaskType {
  const names = Object.keys(TASK_TYPE_DETAILS).join(", ");
  if (typeof value === "string") {
    if (isTaskTypeName(value)) return { [value]: {} };
  } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const [entry] = entries;
    if (entries.length === 1 && entry !== undefined) {
      const [name, inner] = entry;
      if (isTaskTypeName(name) && (inner === null || (typeof inner === "object" && !Array.isArray(inner)))) {
        const key = TASK_TYPE_DETAILS[name];
        const detail: Record<string, string | number> = {};
        for (const [other, detailValue] of Object.entries((inner ?? {}) as Record<string, unknown>)) {
          const where = `${field}.${name}.${other}`;
          if (other !== key) throw new ArgumentError(where, `${name} has no '${other}' detail`);
          if (key === "complexity") {
            if (
              typeof detailValue !== "number" ||
              !Number.isInteger(detailValue) ||
              detailValue < 1 ||
              detailValue > 10
            ) {
              throw new ArgumentError(where, "complexity is an integer from 1 to 10");
            }
          } else if (typeof detailValue !== "string" || [...detailValue].length > 64) {
            throw new ArgumentError(where, `${key} is a string of at most 64 characters`);
          }
          detail[other] = detailValue;
        }
        return { [name]: detail };
      }
    }
  }
  throw new ArgumentError(field, `a task type is one of ${names}, as a string or as {"Variant": {detail}}`);
}
