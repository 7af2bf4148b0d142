"""Addresses (classic bech32), hashes and request signatures."""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey

from devnode.crypto import (
    AddressError,
    address_from_public_key,
    bech32_decode,
    bech32_encode,
    canonical_json,
    public_key_from_address,
    sign_request,
    signing_payload,
    verify_signature,
)


@pytest.mark.parametrize(
    "vector",
    [  # BIP-173's valid bech32 test vectors
        "A12UEL5L",
        "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        "?1ezyfcl",
    ],
)
def test_it_accepts_the_bip173_vectors(vector: str) -> None:
    hrp, _ = bech32_decode(vector)
    assert hrp == vector.lower()[: vector.rfind("1")]


@pytest.mark.parametrize(
    "vector",
    [
        "A1G7SGD8",  # checksum computed with the wrong constant
        "a12UEL5L",  # mixed case
        "pzry9x0s0muk",  # no separator
        "1pzry9x0s0muk",  # empty hrp
        "abc1rzg",  # too short a checksum
        "a1lqfn3a",  # a valid bech32m string (BIP-350), not bech32
    ],
)
def test_it_refuses_invalid_bech32(vector: str) -> None:
    with pytest.raises(AddressError):
        bech32_decode(vector)


def test_an_address_is_the_public_key_under_the_tst_prefix() -> None:
    key = SigningKey(bytes(range(32)))
    address = address_from_public_key(bytes(key.verify_key))
    assert address.startswith("tst1")
    assert len(address) == 3 + 1 + 52 + 6
    assert public_key_from_address(address) == bytes(key.verify_key)
    assert public_key_from_address(address.upper()) == bytes(key.verify_key)
    with pytest.raises(AddressError):
        public_key_from_address(bech32_encode("tos", bytes(key.verify_key)))
    with pytest.raises(AddressError):
        public_key_from_address(bech32_encode("tst", bytes(31)))


def test_canonical_json_sorts_keys_drops_spaces_and_keeps_unicode() -> None:
    assert canonical_json({"b": 1, "a": ["é", 2]}) == '{"a":["é",2],"b":1}'.encode()


def test_a_signed_request_verifies_only_for_its_exact_content() -> None:
    key = SigningKey(b"k" * 32)
    params = {"task_id": "ab" * 32, "from": "x"}
    request = sign_request(key, "ai_cancel_task", params, 7, chain_id="c1")
    auth = request["auth"]
    assert isinstance(auth, dict)
    assert (auth["nonce"], auth["chain_id"]) == (7, "c1")
    public = bytes(key.verify_key)
    signature = str(auth["signature"])

    def payload(
        method: str = "ai_cancel_task", nonce: int = 7, chain_id: str = "c1", network: str = "devnet"
    ) -> bytes:
        return signing_payload(method, params, nonce, chain_id=chain_id, network=network)

    assert verify_signature(public, payload(), signature)
    assert not verify_signature(public, payload(nonce=8), signature)
    assert not verify_signature(public, payload(method="ai_publish_task"), signature)
    assert not verify_signature(public, payload(chain_id="c2"), signature)
    assert not verify_signature(public, payload(network="mainnet"), signature)
    assert not verify_signature(public, b"x", "zz")
    assert not verify_signature(public, b"x", "00" * 63)
