"""Classic bech32 (BIP-173, not bech32m) for TOS addresses: HRP `tst` or `tos`, data = a 32-byte key."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_BECH32_CONST = 1  # bech32m would be 0x2BC830A3
DEVNET_HRP = "tst"
MAINNET_HRP = "tos"
ADDRESS_HRPS = (DEVNET_HRP, MAINNET_HRP)


class Bech32Error(ValueError):
    """A string that is not a valid bech32 TOS address."""


def _polymod(values: Iterable[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(_GENERATOR):
            chk ^= gen if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _checksum(hrp: str, data: Sequence[int]) -> list[int]:
    polymod = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ _BECH32_CONST
    return [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]


def convert_bits(data: Iterable[int], from_bits: int, to_bits: int, *, pad: bool) -> list[int]:
    """Regroup a sequence of `from_bits`-wide integers into `to_bits`-wide ones."""
    acc = 0
    bits = 0
    out: list[int] = []
    max_value = (1 << to_bits) - 1
    for value in data:
        if value < 0 or value >> from_bits:
            raise Bech32Error(f"value {value} does not fit in {from_bits} bits")
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & max_value)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & max_value)
    elif bits >= from_bits or ((acc << (to_bits - bits)) & max_value):
        raise Bech32Error("non-zero padding")
    return out


def encode(hrp: str, payload: bytes) -> str:
    """Encode bytes as bech32 with the given human-readable part."""
    data = convert_bits(payload, 8, 5, pad=True)
    return hrp + "1" + "".join(CHARSET[d] for d in [*data, *_checksum(hrp, data)])


def decode(text: str) -> tuple[str, bytes]:
    """Decode a bech32 string into (hrp, payload); raise Bech32Error when it is not valid."""
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        raise Bech32Error("invalid character")
    if text.lower() != text and text.upper() != text:
        raise Bech32Error("mixed case")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text) or len(text) > 90:
        raise Bech32Error("bad separator position or length")
    hrp = text[:pos]
    try:
        data = [CHARSET.index(c) for c in text[pos + 1 :]]
    except ValueError:
        raise Bech32Error("invalid data character") from None
    if _polymod([*_hrp_expand(hrp), *data]) != _BECH32_CONST:
        raise Bech32Error("bad checksum")
    return hrp, bytes(convert_bits(data[:-6], 5, 8, pad=False))


def encode_address(public_key: bytes, hrp: str = DEVNET_HRP) -> str:
    """The address of a 32-byte ed25519 public key."""
    if len(public_key) != 32:
        raise Bech32Error("a TOS public key is 32 bytes")
    return encode(hrp, public_key)


def decode_address(address: str, hrp: str | None = None) -> bytes:
    """The 32-byte public key inside an address; `hrp` None accepts `tst` and `tos`."""
    found, key = decode(address)
    allowed = ADDRESS_HRPS if hrp is None else (hrp,)
    if found not in allowed:
        raise Bech32Error(f"address prefix {found!r} is not one of {', '.join(allowed)}")
    if len(key) != 32:
        raise Bech32Error("a TOS address holds a 32-byte key")
    return key


def is_address(address: str, hrp: str | None = None) -> bool:
    """True when `address` is a well-formed TOS address."""
    try:
        decode_address(address, hrp)
    except Bech32Error:
        return False
    return True


def normalize_address(address: str, hrp: str | None = None) -> str:
    """The lower-case form of a valid address (the node's); raise `Bech32Error` when it is not one."""
    found, _ = decode(address)
    return encode(found, decode_address(address, hrp))
