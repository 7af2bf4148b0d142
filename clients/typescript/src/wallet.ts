/**
 * An ed25519 wallet that signs requests exactly as the node checks them.
 *
 * signature = ed25519(seed, canonical JSON of {chain_id, method, network, nonce, params without auth}).
 * Signing is @noble/ed25519's (audited, no dependencies, the same code in Node.js and every browser);
 * its async API hashes with WebCrypto's SHA-512, which Node.js 20 and browsers provide.
 */

import * as ed from "@noble/ed25519";
import { WalletError } from "./errors.js";
import { canonicalBytes } from "./json.js";
import { addressFromPublicKey, DEVNET_HRP } from "./values.js";

/** The network name signatures cover on a devnode (`get_info`'s `network`). */
export const DEVNET_NETWORK = "devnet";

/** What a signature binds besides the method, params and nonce: `get_info`'s chain id and network. */
export interface ChainBinding {
  chainId: string;
  network: string;
}

/** The `auth` object a signed write carries in its params. */
export interface Auth {
  address: string;
  nonce: number;
  chain_id: string;
  signature: string;
}

export function toHex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}

export function fromHex(text: string, what = "hex"): Uint8Array {
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new WalletError(`${what} must be an even number of hexadecimal characters`);
  }
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** The bytes a signed request signs; `params` must not contain `auth`. */
export function signingPayload(
  method: string,
  params: object,
  nonce: number,
  chain: ChainBinding,
): Uint8Array {
  return canonicalBytes({ chain_id: chain.chainId, method, network: chain.network, nonce, params });
}

/** One account's key: generate one, or import a 32-byte ed25519 seed. */
export class Wallet {
  readonly #seed: Uint8Array;
  /** The 32-byte ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The account's bech32 address. */
  readonly address: string;

  private constructor(seed: Uint8Array, publicKey: Uint8Array, hrp: string) {
    this.#seed = seed;
    this.publicKey = publicKey;
    this.address = addressFromPublicKey(publicKey, hrp);
  }

  /** A new random key (from the platform's cryptographic random source). */
  static async generate(options: { hrp?: string } = {}): Promise<Wallet> {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    return Wallet.fromPrivateKey(seed, options);
  }

  /** Import a 32-byte ed25519 seed, as hex (64 characters) or bytes. */
  static async fromPrivateKey(key: string | Uint8Array, options: { hrp?: string } = {}): Promise<Wallet> {
    const seed = typeof key === "string" ? fromHex(key.trim(), "a private key") : Uint8Array.from(key);
    if (seed.length !== 32) {
      throw new WalletError(`an ed25519 private key (seed) is 32 bytes, got ${seed.length}`);
    }
    const publicKey = await ed.getPublicKeyAsync(seed);
    return new Wallet(seed, publicKey, options.hrp ?? DEVNET_HRP);
  }

  /** The 32-byte seed as hex: keep it secret. */
  exportPrivateKey(): string {
    return toHex(this.#seed);
  }

  /** The public key as hex. */
  get publicKeyHex(): string {
    return toHex(this.publicKey);
  }

  /** An ed25519 signature of `message`, as hex (128 characters). */
  async sign(message: Uint8Array): Promise<string> {
    return toHex(await ed.signAsync(message, this.#seed));
  }

  /** The `auth` object for `method` with `params` (without auth) at `nonce`, bound to `chain`. */
  async authFor(method: string, params: object, nonce: number, chain: ChainBinding): Promise<Auth> {
    const signature = await this.sign(signingPayload(method, params, nonce, chain));
    return { address: this.address, nonce, chain_id: chain.chainId, signature };
  }

  /** `params` with `auth` added, as a signed write sends them (an `auth` already there is replaced). */
  async signParams<P extends object>(
    method: string,
    params: P,
    nonce: number,
    chain: ChainBinding,
  ): Promise<Omit<P, "auth"> & { auth: Auth }> {
    const { auth: _ignored, ...bare } = params as P & { auth?: unknown };
    return { ...bare, auth: await this.authFor(method, bare, nonce, chain) };
  }

  /** Keep the seed out of logs and `JSON.stringify`. */
  toJSON(): { address: string } {
    return { address: this.address };
  }
}

/** Whether `signature` (hex) is a valid ed25519 signature of `message` by `publicKey`. */
export async function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: string,
): Promise<boolean> {
  try {
    return await ed.verifyAsync(fromHex(signature, "a signature"), message, publicKey);
  } catch {
    return false;
  }
}
