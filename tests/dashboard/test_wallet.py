from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from dashboard import node, services
from dashboard.models import NodeAccount
from tests.support.devnode import DevnodeProcess, free_port
from tests.support.mining import credit, stored_event
from tests.support.tasks import TOS, cached_task
from tos_ai import Wallet, WrongPassphrase

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


def test_the_key_downloads_once_as_a_tos_ai_wallet_file_the_passphrase_opens(
    client: Client, alice: User, use_devnode: DevnodeProcess
) -> None:
    client.post("/wallet/generate/")
    account = NodeAccount.objects.get(user=alice)
    assert "Download the encrypted key file" in client.get("/wallet/").content.decode()

    reply = client.post(
        "/wallet/key/", {"passphrase": "correct horse battery", "passphrase_again": "correct horse battery"}
    )

    assert reply.status_code == 200
    assert reply["Content-Disposition"] == f'attachment; filename="tos-wallet-{account.address[:16]}.json"'
    document = json.loads(reply.content)
    assert document["format"] == "tos_ai.wallet"
    opened = Wallet.from_encrypted_json(document, "correct horse battery")
    assert opened.address == account.address
    assert opened.private_key_hex == node.wallet_for(account).private_key_hex
    with pytest.raises(WrongPassphrase):
        Wallet.from_encrypted_json(document, "wrong horse battery")

    again = client.post(
        "/wallet/key/",
        {"passphrase": "another passphrase", "passphrase_again": "another passphrase"},
        follow=True,
    )
    html = again.content.decode()
    assert "already downloaded once" in html
    assert "Download the encrypted key file" not in html
    assert "tos_ai.wallet" not in html


@pytest.mark.parametrize(
    ("passphrase", "again", "words"),
    [("short", "short", "at least 12 characters"), ("a long passphrase", "another one", "differ")],
)
def test_a_weak_or_mistyped_passphrase_is_refused_beside_its_field_and_the_key_stays_offered(
    client: Client, alice: User, use_devnode: DevnodeProcess, passphrase: str, again: str, words: str
) -> None:
    client.post("/wallet/generate/")

    reply = client.post("/wallet/key/", {"passphrase": passphrase, "passphrase_again": again})

    assert reply.status_code == 400
    assert words in reply.content.decode()
    assert NodeAccount.objects.get(user=alice).key_downloaded_at is None


def test_unlinking_asks_first_turns_auto_mining_off_and_lets_another_account_be_linked(
    client: Client, alice: User, use_devnode: DevnodeProcess
) -> None:
    client.post("/wallet/generate/")
    first = NodeAccount.objects.get(user=alice).address
    services.set_enabled(alice, True)

    asked = client.get("/wallet/unlink/").content.decode()
    refused = client.post("/wallet/unlink/", {})
    assert "You have not downloaded this account" in asked
    assert refused.status_code == 400
    assert "Tick the box" in refused.content.decode()
    assert NodeAccount.objects.filter(user=alice).exists()

    done = client.post("/wallet/unlink/", {"understood": "on"}, follow=True)

    assert f"Node account {first} is unlinked" in done.content.decode()
    assert not NodeAccount.objects.filter(user=alice).exists()
    assert services.config_for(alice).enabled is False
    address, key = dev_key(use_devnode, 4)
    client.post("/wallet/import/", {"private_key": key})
    assert NodeAccount.objects.get(user=alice).address == address


def test_the_history_lists_credits_and_debits_in_words_with_task_titles(client: Client, alice: User) -> None:
    account = services.link_imported_account(alice, "44" * 32)
    task = cached_task(title="Explain the flaky test")
    stored_event(
        "task_published",
        1_790_000_000,
        task_id=task.task_id,
        publisher=account.address,
        reward_amount=str(60 * TOS),
    )
    stored_event(
        "participant_joined",
        1_790_000_100,
        task_id=task.task_id,
        miner=account.address,
        stake_amount="600000000",
    )
    credit(account.address, 39 * TOS, "winner", at=1_790_000_200, task_id=task.task_id)
    credit(account.address, 6 * TOS, "stake_return", at=1_790_000_300, task_id=task.task_id)
    credit("tst1someoneelse", 99 * TOS, "winner", at=1_790_000_400)

    html = client.get("/wallet/").content.decode()

    history = html.split('id="history"', 1)[1].split("</section>", 1)[0]
    rows = [row.split("</tr>")[0] for row in history.split("<tr>")[2:]]
    assert [
        ("Stake returned" in r, "Winner" in r, "Stake locked" in r, "Reward paid into escrow" in r)
        for r in rows
    ] == [
        (True, False, False, False),
        (False, True, False, False),
        (False, False, True, False),
        (False, False, False, True),
    ]
    assert "+6 TOS" in rows[0]
    assert "\N{MINUS SIGN}6 TOS" in rows[2]
    assert "\N{MINUS SIGN}60 TOS" in rows[3]
    assert all("Explain the flaky test" in row for row in rows)
    assert "99 TOS" not in history
    assert "2026-09-21 14:13 UTC" in rows[3]
