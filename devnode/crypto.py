"""Pure helpers for addresses, keys, hashes and request signatures.

Nothing here knows about the node's state, so the client package (`tos_ai/`) can mirror it byte for byte:

- Addresses are classic bech32 (BIP-173, checksum constant 1, *not* bech32m) with HRP `tst` on the devnet
  (`tos` on mainnet). The data part is the 32-byte ed25519 public key regrouped into 5-bit words.
- Hashes are blake3-256 written as 64 lowercase hex characters.
- A signed request carries `"auth": {"address", "nonce", "chain_id", "signature"}` in its params; the
  signature is ed25519, hex, over `canonical_json({"chain_id": c, "method": m, "network": w, "nonce": n,
  "params": params_without_auth})`, so a request signed for one chain is refused by every other one (the
  idea of EIP-155): `c` is the node's chain id and `w` its network name, both from `get_info`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import blake3
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

DEVNET_HRP = "tst"
MAINNET_HRP = "tos"
DEVNET_NETWORK = "devnet"  # the network name get_info reports and signatures cover

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {char: index for index, char in enumerate(_CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_BECH32_CONST = 1  # BIP-173; bech32m would be 0x2BC830A3


class AddressError(ValueError):
    """A string that is not a valid address for the expected network."""


def _polymod(values: Sequence[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit in range(5):
            if (top >> bit) & 1:
                checksum ^= _GENERATOR[bit]
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(char) >> 5 for char in hrp] + [0] + [ord(char) & 31 for char in hrp]


def _create_checksum(hrp: str, data: Sequence[int]) -> list[int]:
    polymod = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ _BECH32_CONST
    return [(polymod >> 5 * (5 - index)) & 31 for index in range(6)]


def convert_bits(data: Sequence[int], from_bits: int, to_bits: int, *, pad: bool) -> list[int]:
    """Regroup a sequence of `from_bits`-bit integers into `to_bits`-bit integers (BIP-173)."""
    accumulator = 0
    bits = 0
    result: list[int] = []
    max_value = (1 << to_bits) - 1
    for value in data:
        if value < 0 or value >> from_bits:
            raise AddressError("value out of range for regrouping")
        accumulator = (accumulator << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            result.append((accumulator >> bits) & max_value)
    if pad:
        if bits:
            result.append((accumulator << (to_bits - bits)) & max_value)
    elif bits >= from_bits or ((accumulator << (to_bits - bits)) & max_value):
        raise AddressError("non-zero padding")
    return result


def bech32_encode(hrp: str, payload: bytes) -> str:
    """Encode bytes as classic bech32 under `hrp`."""
    words = convert_bits(payload, 8, 5, pad=True)
    return hrp + "1" + "".join(_CHARSET[word] for word in [*words, *_create_checksum(hrp, words)])


def bech32_decode(text: str) -> tuple[str, bytes]:
    """Decode classic bech32 into (hrp, bytes); raise AddressError on any defect."""
    if not isinstance(text, str) or not text.isascii():
        raise AddressError("an address is an ASCII string")
    if text.lower() != text and text.upper() != text:
        raise AddressError("mixed case")
    text = text.lower()
    separator = text.rfind("1")
    if separator < 1 or separator + 7 > len(text) or len(text) > 90:
        raise AddressError("malformed bech32 string")
    hrp, data_part = text[:separator], text[separator + 1 :]
    if any(char not in _CHARSET_INDEX for char in data_part):
        raise AddressError("character outside the bech32 alphabet")
    data = [_CHARSET_INDEX[char] for char in data_part]
    if _polymod([*_hrp_expand(hrp), *data]) != _BECH32_CONST:
        raise AddressError("bad checksum")
    return hrp, bytes(convert_bits(data[:-6], 5, 8, pad=False))


def address_from_public_key(public_key: bytes, hrp: str = DEVNET_HRP) -> str:
    """The address of a 32-byte ed25519 public key."""
    if len(public_key) != 32:
        raise AddressError("a public key is 32 bytes")
    return bech32_encode(hrp, public_key)


def public_key_from_address(address: str, hrp: str = DEVNET_HRP) -> bytes:
    """The 32-byte public key inside an address; raise AddressError unless it is valid for `hrp`."""
    found_hrp, payload = bech32_decode(address)
    if found_hrp != hrp:
        raise AddressError(f"expected the '{hrp}' prefix, got '{found_hrp}'")
    if len(payload) != 32:
        raise AddressError("an address holds a 32-byte public key")
    return payload


@functools.lru_cache(maxsize=4096)
def normalize_address(address: str, hrp: str = DEVNET_HRP) -> str:
    """The canonical (lowercase) spelling of a valid address (cached: checking bech32 in Python is slow,
    and the same few addresses come back on every request; invalid ones raise and are not cached)."""
    return address_from_public_key(public_key_from_address(address, hrp), hrp)


def blake3_hex(data: bytes) -> str:
    """blake3-256 of `data` as 64 lowercase hex characters."""
    return blake3.blake3(data).hexdigest()


def canonical_json(value: object) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes that are hashed and signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signing_payload(
    method: str, params: Mapping[str, Any], nonce: int, *, chain_id: str, network: str = DEVNET_NETWORK
) -> bytes:
    """The bytes a signed request signs: `params` must not contain `auth`."""
    return canonical_json(
        {"chain_id": chain_id, "method": method, "network": network, "nonce": nonce, "params": dict(params)}
    )


def derive_dev_key(seed: str, index: int) -> SigningKey:
    """Dev account `index`: its ed25519 seed is blake3("<seed>:<index>")."""
    return SigningKey(blake3.blake3(f"{seed}:{index}".encode()).digest())


def sign_request(
    key: SigningKey,
    method: str,
    params: Mapping[str, Any],
    nonce: int,
    *,
    chain_id: str,
    network: str = DEVNET_NETWORK,
    hrp: str = DEVNET_HRP,
) -> dict[str, Any]:
    """Return `params` with an `auth` object added, as a client would send them."""
    bare = {name: value for name, value in params.items() if name != "auth"}
    payload = signing_payload(method, bare, nonce, chain_id=chain_id, network=network)
    signature = key.sign(payload).signature.hex()
    address = address_from_public_key(bytes(key.verify_key), hrp)
    return {
        **bare,
        "auth": {"address": address, "nonce": nonce, "chain_id": chain_id, "signature": signature},
    }


def verify_signature(public_key: bytes, payload: bytes, signature_hex: str) -> bool:
    """True when `signature_hex` is a valid ed25519 signature of `payload` by `public_key`."""
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    if len(signature) != 64:
        return False
    try:
        VerifyKey(public_key).verify(payload, signature)
    except (BadSignatureError, ValueError):
        return False
    return True
