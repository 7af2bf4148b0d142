from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from dashboard import node, services
from dashboard.models import NodeAccount
from tests.support.devnode import DevnodeProcess, free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis")]


@pytest.fixture
def alice(client: Client) -> User:
    user = User.objects.create_user("alice", password="a-long-passphrase")
    client.force_login(user)
    return user


def dev_key(devnode: DevnodeProcess, index: int) -> tuple[str, str]:
    account = devnode.rpc("dev_accounts")[index]  # type: ignore[index]
    return account["address"], account["private_key"]


def test_generating_an_account_funds_it_registers_it_and_never_shows_the_key(
    client: Client, alice: User, use_devnode: DevnodeProcess, settings: SettingsWrapper
) -> None:
    reply = client.post("/wallet/generate/")
    assert reply.status_code == 302
    account = NodeAccount.objects.get(user=alice)
    assert account.address.startswith("tst1")
    assert account.registered_miner is True
    balance = int(use_devnode.rpc("get_balance", {"address": account.address})["balance"])  # type: ignore[index]
    assert balance == settings.TOS_DEV_FAUCET_AMOUNT - settings.TOS_MINER_REGISTRATION_FEE

    private_key = node.wallet_for(account).private_key_hex
    assert private_key not in account.encrypted_private_key
    html = client.get("/wallet/").content.decode()
    assert account.address in html
    assert private_key not in html
    assert "10,000 TOS" not in html  # the registration fee was paid
    assert "9,990 TOS" in html


def test_importing_a_key_links_that_account(client: Client, alice: User, use_devnode: DevnodeProcess) -> None:
    address, key = dev_key(use_devnode, 3)
    reply = client.post("/wallet/import/", {"private_key": key})
    assert reply.status_code == 302
    assert NodeAccount.objects.get(user=alice).address == address
    assert key not in client.get("/wallet/").content.decode()


def test_a_malformed_key_gets_a_field_error_and_is_not_echoed(client: Client, alice: User) -> None:
    reply = client.post("/wallet/import/", {"private_key": "zz" * 32})
    assert reply.status_code == 400
    html = reply.content.decode()
    assert "A private key is 64 hexadecimal characters" in html
    assert "zz" * 32 not in html
    assert not NodeAccount.objects.exists()


def test_an_account_linked_by_another_user_cannot_be_linked_again(
    client: Client, alice: User, use_devnode: DevnodeProcess
) -> None:
    _, key = dev_key(use_devnode, 4)
    bob = User.objects.create_user("bob", password="another-passphrase")
    services.link_imported_account(bob, key)
    reply = client.post("/wallet/import/", {"private_key": key})
    assert reply.status_code == 400
    assert "already linked to another user" in reply.content.decode()
    assert NodeAccount.objects.get().user == bob


def test_a_second_account_for_the_same_user_is_refused(
    client: Client, alice: User, use_devnode: DevnodeProcess
) -> None:
    client.post("/wallet/generate/")
    first = NodeAccount.objects.get(user=alice).address
    client.post("/wallet/generate/")
    assert NodeAccount.objects.get(user=alice).address == first


def test_the_qr_code_is_an_svg_of_the_users_own_address(
    client: Client, alice: User, use_devnode: DevnodeProcess
) -> None:
    assert client.get("/wallet/qr.svg").status_code == 404
    client.post("/wallet/generate/")
    reply = client.get("/wallet/qr.svg")
    assert reply.status_code == 200
    assert reply["Content-Type"] == "image/svg+xml"
    assert reply.content.startswith(b"<svg")
    assert b'xmlns="http://www.w3.org/2000/svg"' in reply.content


def test_the_wallet_page_needs_a_login(client: Client) -> None:
    assert client.get("/wallet/")["Location"] == "/login/?next=/wallet/"
    assert client.post("/wallet/generate/")["Location"].startswith("/login/")


def test_the_wallet_page_says_the_node_is_unavailable_instead_of_failing(
    client: Client, alice: User, use_devnode: DevnodeProcess, settings: SettingsWrapper
) -> None:
    _, key = dev_key(use_devnode, 5)
    services.link_imported_account(alice, key)
    settings.TOS_NODE_URL = f"http://127.0.0.1:{free_port()}"
    reply = client.get("/wallet/")
    assert reply.status_code == 200
    assert "The node is unavailable, try again in a moment." in reply.content.decode()


def test_the_balance_partial_is_served_alone_to_htmx(
    client: Client, alice: User, use_devnode: DevnodeProcess
) -> None:
    _, key = dev_key(use_devnode, 6)
    services.link_imported_account(alice, key)
    reply = client.get("/wallet/", headers={"HX-Request": "true"})
    html = reply.content.decode()
    assert html.lstrip().startswith('<dl class="figures" id="balance"')
    assert "<html" not in html
