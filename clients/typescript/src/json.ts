/**
 * JSON the way the node reads and signs it.
 *
 * - `stringify` writes canonical JSON: keys sorted by Unicode code point at every depth, no whitespace,
 *   strings escaped only for `"`, `\` and U+0000–U+001F, integers (numbers or bigints) in plain decimal,
 *   fractions as Python's `repr` writes them (`1e-07`, not JS's `1e-7`), since the node re-serialises
 *   what it parsed with Python's `json.dumps` before checking a signature. The client sends request
 *   bodies in this same form, so the bytes it signs are the bytes the node reconstructs.
 * - `parse` reads JSON keeping every digit: integers beyond 2^53 become `bigint`, everything else is
 *   what `JSON.parse` gives. Replies without long digit runs take `JSON.parse`'s fast path.
 */

/** A JSON value as this package reads and writes it (integers beyond 2^53 as bigint). */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Compare two strings by Unicode code point (not by UTF-16 unit, which is what `<` does). */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      return codePointRank(x) - codePointRank(y);
    }
  }
  return a.length - b.length;
}

// UTF-16 order equals code point order except that surrogates (U+D800–DFFF, which encode U+10000 and up)
// sort below U+E000–FFFF; moving them above that block restores code point order.
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** A fraction as Python's `repr(float)` writes it: shortest round-trip digits, `e-05` style exponents. */
export function pythonFloat(value: number): string {
  if (!Number.isFinite(value)) {
    throw new TypeError(`JSON has no ${value}`);
  }
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const exponent = Number(exponentText);
  let text: string;
  if (exponent >= -4 && exponent < 16) {
    if (exponent >= 0) {
      const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
      const fraction = digits.slice(exponent + 1);
      text = `${whole}.${fraction || "0"}`;
    } else {
      text = `0.${"0".repeat(-exponent - 1)}${digits}`;
    }
  } else {
    const rest = digits.slice(1);
    const sign = exponent < 0 ? "-" : "+";
    text = `${digits[0]}${rest ? `.${rest}` : ""}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return negative ? `-${text}` : text;
}

function writeNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new TypeError(`JSON has no ${value}`);
  }
  if (Number.isInteger(value)) {
    // Every digit of the double, never an exponent: the node reads it back as the same integer.
    return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  }
  return pythonFloat(value);
}

/** Canonical JSON text of `value` (see the module comment). `undefined` members are left out. */
export function stringify(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, new Set());
  return parts.join("");
}

const encoder = new TextEncoder();

/** Canonical JSON as UTF-8 bytes: what is signed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(stringify(value));
}

function write(value: unknown, out: string[], seen: Set<object>): void {
  switch (typeof value) {
    case "string":
      out.push(JSON.stringify(value));
      return;
    case "number":
      out.push(writeNumber(value));
      return;
    case "bigint":
      out.push(value.toString());
      return;
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "object":
      break;
    default:
      throw new TypeError(`cannot write a ${typeof value} as JSON`);
  }
  if (value === null) {
    out.push("null");
    return;
  }
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === "function") {
    write(withJson.toJSON(), out, seen);
    return;
  }
  if (seen.has(value)) {
    throw new TypeError("cannot write a cyclic structure as JSON");
  }
  seen.add(value);
  if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, index) => {
      if (index > 0) out.push(",");
      write(item === undefined || typeof item === "function" ? null : item, out, seen);
    });
    out.push("]");
  } else {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort(compareCodePoints);
    out.push("{");
    keys.forEach((key, index) => {
      if (index > 0) out.push(",");
      out.push(JSON.stringify(key), ":");
      write(record[key], out, seen);
    });
    out.push("}");
  }
  seen.delete(value);
}

/** A JSON text that is not valid JSON. */
export class JsonSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = "JsonSyntaxError";
  }
}

// 16 digits in a row may exceed 2^53 (9007199254740992); shorter runs never do.
const LONG_DIGITS = /\d{16}/;

/** Parse JSON text, keeping integers beyond 2^53 exact as bigint (see the module comment). */
export function parse(text: string): JsonValue {
  if (!LONG_DIGITS.test(text)) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch (error) {
      // Fall through: the lossless parser reports where the text goes wrong.
      void error;
    }
  }
  return new LosslessParser(text).document();
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class LosslessParser {
  private at = 0;

  constructor(private readonly text: string) {}

  document(): JsonValue {
    const value = this.value();
    this.space();
    if (this.at < this.text.length) this.fail("unexpected text after the value");
    return value;
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(message, this.at);
  }

  private space(): void {
    const text = this.text;
    while (this.at < text.length) {
      const char = text.charCodeAt(this.at);
      if (char === 0x20 || char === 0x0a || char === 0x0d || char === 0x09) this.at++;
      else break;
    }
  }

  private value(): JsonValue {
    this.space();
    const char = this.text[this.at];
    switch (char) {
      case "{":
        return this.object();
      case "[":
        return this.array();
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      default:
        if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) return this.number();
        return this.fail(char === undefined ? "unexpected end of JSON" : `unexpected character ${char}`);
    }
  }

  private literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.at)) this.fail(`expected ${word}`);
    this.at += word.length;
    return value;
  }

  private object(): JsonValue {
    const result: Record<string, JsonValue> = {};
    this.at++;
    this.space();
    if (this.text[this.at] === "}") {
      this.at++;
      return result;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail("expected a string key");
      const key = this.string();
      this.space();
      if (this.text[this.at] !== ":") this.fail("expected ':'");
      this.at++;
      const item = this.value();
      // A "__proto__" key is data, not the object's prototype.
      Object.defineProperty(result, key, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.space();
      const next = this.text[this.at++];
      if (next === "}") return result;
      if (next !== ",") this.fail("expected ',' or '}'");
    }
  }

  private array(): JsonValue {
    const result: JsonValue[] = [];
    this.at++;
    this.space();
    if (this.text[this.at] === "]") {
      this.at++;
      return result;
    }
    for (;;) {
      result.push(this.value());
      this.space();
      const next = this.text[this.at++];
      if (next === "]") return result;
      if (next !== ",") this.fail("expected ',' or ']'");
    }
  }

  private string(): string {
    const start = this.at;
    let end = start + 1;
    const text = this.text;
    // Find the closing quote; let JSON.parse handle the escapes of that one token.
    for (;;) {
      const char = text.charCodeAt(end);
      if (Number.isNaN(char)) this.fail("unterminated string");
      if (char === 0x22) break;
      if (char === 0x5c) end++;
      else if (char < 0x20) {
        this.at = end;
        this.fail("control character in a string");
      }
      end++;
    }
    this.at = end + 1;
    try {
      return JSON.parse(text.slice(start, end + 1)) as string;
    } catch {
      this.at = start;
      return this.fail("invalid string escape");
    }
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail("invalid number");
    const token = match[0];
    this.at += token.length;
    if (match[1] === undefined && match[2] === undefined) {
      const asNumber = Number(token);
      return Number.isSafeInteger(asNumber) ? asNumber : BigInt(token);
    }
    return Number(token);
  }
}
