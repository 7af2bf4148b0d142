"""A real devnode that requires signatures keeps its dev methods closed and never serves a private key."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devnode.state import dev_accounts_for
from tests.devnode.test_app import full_state
from tests.support.devnode import DevnodeProcess, run_devnode

SEED = "a secret seed nobody else knows"
TOKEN = "an-admin-token-of-some-length"
DEV_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("dev_accounts", {}),
    ("dev_faucet", {"address": dev_accounts_for(SEED, 1)[0].address, "amount": "100"}),
    ("dev_increase_time", {"seconds": 86400}),
    ("dev_mine", {"blocks": 3}),
]
PRIVATE_KEYS = [account.private_key for account in dev_accounts_for(SEED, 10)]


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    folder = tmp_path_factory.mktemp("locked")
    token_file = folder / "admin-token"
    token_file.write_text(TOKEN + "\n")
    args = [
        "--require-signatures",
        "--seed",
        SEED,
        "--admin-token-file",
        str(token_file),
        # Every interface, so a test can call from this machine's own non-loopback address.
        "--host",
        "0.0.0.0",  # noqa: S104
    ]
    with run_devnode(folder, block_time=0, extra_args=args) as started:
        yield started


def call(node: DevnodeProcess, method: str, params: Any, headers: dict[str, str] | None = None) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    reply = node.http.post(node.url, json=body, headers=headers)
    assert reply.status_code == 200
    return reply.json()


def assert_no_private_key_in(text: str) -> None:
    for key in PRIVATE_KEYS:
        assert key not in text


@pytest.mark.parametrize(("method", "params"), DEV_CALLS)
def test_with_signatures_required_every_dev_method_is_closed(
    locked: DevnodeProcess, method: str, params: dict[str, Any]
) -> None:
    before = snapshot_without_dev(locked)
    reply = call(locked, method, params)
    error = reply["error"]
    assert (error["code"], error["data"]["rule"]) == (-32004, "dev_methods_closed")
    assert "--dev-methods" in error["message"]
    assert snapshot_without_dev(locked) == before


def test_the_admin_token_opens_them_from_loopback_but_keys_stay_hidden(locked: DevnodeProcess) -> None:
    admin = {"authorization": f"Bearer {TOKEN}"}
    accounts = call(locked, "dev_accounts", {}, admin)["result"]
    assert len(accounts) == 10
    assert all("private_key" not in account for account in accounts)
    assert call(locked, "dev_mine", {"blocks": 1}, admin)["result"]["topoheight"] >= 1
    for wrong in ({"authorization": "Bearer not-the-token-at-all"}, {"authorization": TOKEN}, {}):
        assert call(locked, "dev_mine", {}, wrong)["error"]["data"]["rule"] == "dev_methods_closed"
    batch = [
        {"jsonrpc": "2.0", "id": index, "method": method, "params": params}
        for index, (method, params) in enumerate(DEV_CALLS)
    ]
    replies = locked.http.post(locked.url, json=batch, headers=admin)
    assert all("result" in reply for reply in replies.json())
    assert_no_private_key_in(replies.text)


def non_loopback_address() -> str | None:
    """An address of this machine other than loopback, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent, the route picks the address
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_the_admin_token_does_not_open_them_from_another_machine(locked: DevnodeProcess) -> None:
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no address but loopback")
    body = {"jsonrpc": "2.0", "id": 1, "method": "dev_mine", "params": {}}
    reply = httpx.post(
        f"http://{address}:{locked.port}/",
        json=body,
        headers={"authorization": f"Bearer {TOKEN}"},
        timeout=10,
    ).json()
    assert reply["error"]["data"]["rule"] == "dev_methods_closed"


def test_get_info_says_dev_methods_are_closed(locked: DevnodeProcess) -> None:
    info = locked.rpc("get_info")
    assert isinstance(info, dict)
    assert (info["require_signatures"], info["dev_methods"]) == (True, False)


def test_the_banner_of_a_locked_node_shows_no_private_key(locked: DevnodeProcess) -> None:
    assert locked.log_path is not None
    banner = locked.log_path.read_text()
    assert dev_accounts_for(SEED, 1)[0].address in banner
    assert "Private keys: not shown" in banner
    assert "dev methods closed (open to the admin token from loopback)" in banner
    assert_no_private_key_in(banner)


def test_dev_methods_flag_opens_them_to_everyone_without_keys(tmp_path: Path) -> None:
    with run_devnode(
        tmp_path, block_time=0, extra_args=["--require-signatures", "--seed", SEED, "--dev-methods"]
    ) as node:
        for method, params in DEV_CALLS:
            assert "result" in call(node, method, params), method
        accounts = node.rpc("dev_accounts")
        assert isinstance(accounts, list)
        assert all("private_key" not in account for account in accounts)
        assert_no_private_key_in(
            node.http.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": "dev_accounts"}).text
        )


def test_without_signatures_required_dev_methods_and_keys_are_served(tmp_path: Path) -> None:
    with run_devnode(tmp_path, block_time=0, extra_args=["--seed", SEED]) as node:
        accounts = node.rpc("dev_accounts")
        assert isinstance(accounts, list)
        assert [account["private_key"] for account in accounts] == PRIVATE_KEYS
        info = node.rpc("get_info")
        assert isinstance(info, dict)
        assert info["dev_methods"] is True


def snapshot_without_dev(node: DevnodeProcess) -> dict[str, Any]:
    """What a refused dev call could have changed, read without dev methods (they are closed here)."""
    state = full_state(node)
    info = node.rpc("get_info")
    assert isinstance(info, dict)
    balances = [
        node.rpc("get_balance", {"address": account.address}) for account in dev_accounts_for(SEED, 10)
    ]
    return {"state": state, "balances": balances, "clock": info["time_offset"], "height": info["topoheight"]}
