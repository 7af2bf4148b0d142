"""Users, their roles and the node accounts they act with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from dashboard import node, schedules
from dashboard.crypto import encrypt_secret
from dashboard.models import AutoMiningConfig, NodeAccount, NodeEvent, Profile, Task
from dashboard.services.autoconfig import set_enabled
from dashboard.services.earnings import reward_words
from tos_ai import AlreadyDone, NodeError, Wallet, rules


@transaction.atomic
def create_user(username: str, password: str, *, publisher: bool, miner: bool, validator: bool) -> User:
    """Create a user with the roles they chose."""
    user = User.objects.create_user(username=username, password=password)
    Profile.objects.create(user=user, is_publisher=publisher, is_miner=miner, is_validator=validator)
    return user


def profile_for(user: User) -> Profile:
    """The user's profile, created with the default roles for users made outside sign-up (admin, demo)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def save_roles(profile: Profile, *, publisher: bool, miner: bool, validator: bool) -> None:
    """Save the roles the user chose; auto-mining stops with the miner role (it joins tasks as a miner)."""
    profile.is_publisher, profile.is_miner, profile.is_validator = publisher, miner, validator
    profile.save(update_fields=["is_publisher", "is_miner", "is_validator"])
    if not miner and AutoMiningConfig.objects.filter(user_id=profile.user_id, enabled=True).exists():
        set_enabled(profile.user, False)


# --- node accounts (wallets) -------------------------------------------------------------------


class AccountAlreadyLinked(Exception):
    """The user already acts with a node account."""


class AddressTaken(Exception):
    """Another user already linked this node account."""


@dataclass(frozen=True)
class AccountOverview:
    """What the wallet page shows about an account, straight from the node."""

    address: str
    balance: int
    locked_stake: int
    escrow: int
    reputation: int


@dataclass(frozen=True)
class LinkedAccount:
    """A key generated and stored; `problem` when the node did not fund or register it (it stays linked)."""

    account: NodeAccount
    problem: node.NodeProblem | None = None


def link_generated_account(user: User) -> LinkedAccount:
    """Generate a new key for the user; on a devnet, fund it from the faucet and register it as a miner."""
    wallet = Wallet.generate()
    account = _store_account(user, wallet, NodeAccount.Origin.GENERATED)
    if settings.TOS_DEV_FAUCET_AMOUNT:
        try:
            with node.client() as dev:
                dev.dev.faucet(account.address, settings.TOS_DEV_FAUCET_AMOUNT)
            register_miner(account)
        except NodeError as exc:
            return LinkedAccount(account, node.problem_of(exc))
    return LinkedAccount(account)


def link_imported_account(user: User, private_key_hex: str) -> NodeAccount:
    """Link an existing node account from its private key (the key is stored encrypted)."""
    wallet = Wallet.from_private_key(private_key_hex)
    return _store_account(user, wallet, NodeAccount.Origin.IMPORTED)


def _store_account(user: User, wallet: Wallet, origin: str) -> NodeAccount:
    if NodeAccount.objects.filter(user=user).exists():
        raise AccountAlreadyLinked
    if NodeAccount.objects.filter(address=wallet.address).exists():
        raise AddressTaken
    try:
        with transaction.atomic():
            return NodeAccount.objects.create(
                user=user,
                address=wallet.address,
                encrypted_private_key=encrypt_secret(wallet.private_key_hex),
                origin=origin,
            )
    except IntegrityError as exc:  # a concurrent request linked first
        raise AccountAlreadyLinked from exc


def register_miner(account: NodeAccount) -> None:
    """Register the account as a miner on the node (once); "already registered" counts as done."""
    if account.registered_miner:
        return
    try:
        with node.account_lock(account.address), node.client(account) as signed:
            signed.miner.register(registration_fee=settings.TOS_MINER_REGISTRATION_FEE)
    except AlreadyDone:
        pass
    NodeAccount.objects.filter(pk=account.pk).update(registered_miner=True)
    account.registered_miner = True


@dataclass(frozen=True)
class AccountReading:
    """The account's figures from the node, or the node's problem in words when it did not answer."""

    overview: AccountOverview | None
    problem: node.NodeProblem | None = None


def account_overview(account: NodeAccount) -> AccountReading:
    """Balance, locked stake, escrow and reputation of the account, read from the node."""
    try:
        with node.client() as reader:
            balance = reader.get_balance(account.address)
            stats = reader.get_miner_stats(account.address)
            published = reader.list_active_tasks({"publisher": account.address}, limit=rules.MAX_PAGE_LIMIT)
    except NodeError as exc:
        return AccountReading(None, node.problem_of(exc))
    escrow = sum(task.reward_amount for task in published if task["publisher"] == account.address)
    return AccountReading(
        AccountOverview(
            address=account.address,
            balance=balance,
            locked_stake=stats.current_stake,
            escrow=escrow,
            reputation=stats.reputation,
        )
    )


# --- backing up, unlinking, history --------------------------------------------------------------


class KeyAlreadyDownloaded(Exception):
    """The account's key file was downloaded before: it is offered once."""


def export_key(account: NodeAccount, passphrase: str) -> dict[str, Any]:
    """The account's key as a tos_ai wallet file (scrypt and AES-256-GCM with the person's passphrase),
    once: a second call raises `KeyAlreadyDownloaded`, even when two arrive at the same moment."""
    claimed = NodeAccount.objects.filter(pk=account.pk, key_downloaded_at__isnull=True).update(
        key_downloaded_at=timezone.now()
    )
    if not claimed:
        raise KeyAlreadyDownloaded
    return node.wallet_for(account).to_encrypted_json(passphrase)


def unlink_account(user: User) -> NodeAccount | None:
    """Forget the user's node account (its key included), auto-mining off first; the account itself stays
    on the node with its balance, stake and tasks, usable by whoever holds its key. The one unlinked."""
    account = NodeAccount.objects.filter(user=user).first()
    if account is None:
        return None
    with transaction.atomic():
        AutoMiningConfig.objects.filter(user=user).update(enabled=False)
        schedules.unschedule_user(user.pk)
        account.delete()
    return account


@dataclass(frozen=True)
class Movement:
    """One credit (+) or debit (-) of an account's balance, from the stored event log."""

    at: dt.datetime
    amount: int  # atomic, signed
    words: str
    task_id: str
    title: str


#: The events that move an account's balance, and which of their fields names the account.
_DEBITS = {
    "task_published": ("publisher", "reward_amount", "reward paid into escrow"),
    "participant_joined": ("miner", "stake_amount", "stake locked"),
    "miner_registered": ("miner_address", "registration_fee", "miner registration fee"),
}


def account_history(account: NodeAccount, limit: int = 50) -> list[Movement]:
    """The account's latest credits and debits, newest first: rewards, stakes and refunds coming in,
    rewards put into escrow, stakes locked and the registration fee going out."""
    address = account.address
    wanted = Q(name="reward_distributed", data__recipient=address)
    for name, (who, _, _) in _DEBITS.items():
        wanted |= Q(name=name, **{f"data__{who}": address})
    events = list(NodeEvent.objects.filter(wanted).order_by("-seq")[:limit])
    titles = dict(
        Task.objects.filter(task_id__in={e.task_id for e in events if e.task_id}).values_list(
            "task_id", "title"
        )
    )
    movements = []
    for event in events:
        if event.name == "reward_distributed":
            amount, words = (
                int(event.data.get("amount") or 0),
                reward_words(str(event.data.get("reward_type"))),
            )
        else:
            _, field, words = _DEBITS[event.name]
            amount = -int(event.data.get(field) or 0)
        title = titles.get(event.task_id) or str(event.data.get("title") or "")
        movements.append(Movement(event.timestamp, amount, words, event.task_id, title))
    return movements
