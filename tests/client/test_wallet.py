"""Wallets: keys, addresses the node agrees with, signatures, and the encrypted key file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.client.conftest import DevAccounts
from tos_ai import Wallet, WalletError, WrongPassphrase
from tos_ai.wallet import canonical_request, verify_request

FAST_KDF = 2**10  # the file format records n, so tests may use a cheap one


def test_a_dev_accounts_private_key_gives_the_address_the_node_prints(dev: DevAccounts) -> None:
    for index in range(3):
        assert Wallet.from_private_key(dev.key(index)).address == dev.address(index)


def test_the_wallet_file_round_trips_with_the_right_passphrase(tmp_path: Path) -> None:
    wallet = Wallet.generate()
    path = wallet.save(tmp_path / "w.json", "correct horse", scrypt_n=FAST_KDF)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert document["format"] == "tos_ai.wallet"
    assert document["version"] == 1
    assert document["address"] == wallet.address
    assert wallet.private_key_hex not in path.read_text()
    loaded = Wallet.load(path, "correct horse")
    assert loaded.address == wallet.address
    assert loaded.private_key_hex == wallet.private_key_hex


def test_a_wrong_passphrase_does_not_open_the_file(tmp_path: Path) -> None:
    path = Wallet.generate().save(tmp_path / "w.json", "right", scrypt_n=FAST_KDF)
    with pytest.raises(WrongPassphrase):
        Wallet.load(path, "wrong")


def test_a_file_whose_address_was_edited_does_not_open(tmp_path: Path) -> None:
    path = Wallet.generate().save(tmp_path / "w.json", "pw", scrypt_n=FAST_KDF)
    document = json.loads(path.read_text())
    document["address"] = Wallet.generate().address
    path.write_text(json.dumps(document))
    with pytest.raises(WalletError):
        Wallet.load(path, "pw")


def test_an_unknown_file_version_is_refused(tmp_path: Path) -> None:
    path = Wallet.generate().save(tmp_path / "w.json", "pw", scrypt_n=FAST_KDF)
    document = json.loads(path.read_text())
    document["version"] = 2
    path.write_text(json.dumps(document))
    with pytest.raises(WalletError, match="version"):
        Wallet.load(path, "pw")


def test_a_bad_private_key_is_refused() -> None:
    with pytest.raises(WalletError):
        Wallet.from_private_key("abcd")
    with pytest.raises(WalletError):
        Wallet.from_private_key("zz" * 32)


def test_the_signed_message_is_canonical_json_without_auth() -> None:
    wallet = Wallet.from_private_key("11" * 32)
    params = {"task_id": "t", "stake_amount": "5", "from": None}
    signed = wallet.sign_params("ai_participate_task", params, 3, chain_id="ab12")
    assert signed["auth"]["nonce"] == 3
    assert signed["auth"]["chain_id"] == "ab12"
    assert signed["auth"]["address"] == wallet.address
    message = canonical_request("ai_participate_task", params, 3, chain_id="ab12")
    assert message == (
        b'{"chain_id":"ab12","method":"ai_participate_task","network":"devnet","nonce":3,'
        b'"params":{"from":null,"stake_amount":"5","task_id":"t"}}'
    )
    signature = signed["auth"]["signature"]
    assert verify_request(wallet.address, "ai_participate_task", params, 3, signature, chain_id="ab12")
    assert not verify_request(wallet.address, "ai_participate_task", params, 4, signature, chain_id="ab12")
    assert not verify_request(wallet.address, "ai_participate_task", params, 3, signature, chain_id="ab13")


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=20)), max_size=4))
def test_any_params_sign_and_verify(params: dict[str, object]) -> None:
    wallet = Wallet.from_private_key("22" * 32)
    auth = wallet.auth_for("ai_submit_solution", params, 0, chain_id="c")
    assert verify_request(wallet.address, "ai_submit_solution", params, 0, auth["signature"], chain_id="c")
