"""The bech32 module: BIP-173 test vectors and TOS addresses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tos_ai import decode_address, encode_address, is_address
from tos_ai.bech32 import Bech32Error, decode, encode

VALID_BIP173 = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
]
INVALID_BIP173 = ["pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "A1G7SGD8", "10a06t8", "1qzzfhee"]


@pytest.mark.parametrize("text", VALID_BIP173)
def test_it_accepts_the_bip173_valid_strings(text: str) -> None:
    hrp, _ = decode(text)
    assert hrp == text.lower()[: text.lower().rfind("1")]


@pytest.mark.parametrize("text", INVALID_BIP173)
def test_it_rejects_the_bip173_invalid_strings(text: str) -> None:
    with pytest.raises(Bech32Error):
        decode(text)


def test_it_rejects_a_bech32m_checksum() -> None:
    # BIP-350's valid bech32m vector is not valid classic bech32.
    with pytest.raises(Bech32Error, match="checksum"):
        decode("a1lqfn3a")


@given(st.binary(min_size=32, max_size=32), st.sampled_from(["tst", "tos"]))
def test_a_public_key_round_trips_through_its_address(key: bytes, hrp: str) -> None:
    address = encode_address(key, hrp)
    assert address.startswith(hrp + "1")
    assert len(address) == 62
    assert decode_address(address) == key
    assert is_address(address, hrp)
    assert not is_address(address, "xyz")


def test_a_one_character_typo_is_caught() -> None:
    address = encode_address(bytes(range(32)))
    typo = address[:-1] + ("q" if address[-1] != "q" else "p")
    assert not is_address(typo)
    assert encode("tst", b"") == "tst1" + encode("tst", b"")[4:]
