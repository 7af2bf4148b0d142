"""Users, their roles and the node accounts they act with."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from dashboard import node
from dashboard.crypto import encrypt_secret
from dashboard.models import NodeAccount, Profile
from tos_ai import AlreadyDone, Wallet


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
    from dashboard.models import AutoMiningConfig
    from dashboard.services.automining import set_enabled  # automining imports this module's users

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


def link_generated_account(user: User) -> NodeAccount:
    """Generate a new key for the user; on a devnet, fund it from the faucet and register it as a miner."""
    wallet = Wallet.generate()
    account = _store_account(user, wallet, NodeAccount.Origin.GENERATED)
    if settings.TOS_DEV_FAUCET_AMOUNT:
        with node.client() as dev:
            dev.dev.faucet(account.address, settings.TOS_DEV_FAUCET_AMOUNT)
        register_miner(account)
    return account


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


def account_overview(account: NodeAccount) -> AccountOverview:
    """Balance, locked stake, escrow and reputation of the account, read from the node."""
    with node.client() as reader:
        balance = reader.get_balance(account.address)
        stats = reader.get_miner_stats(account.address)
        published = reader.list_active_tasks({"publisher": account.address}, limit=1000)
    escrow = sum(task.reward_amount for task in published if task["publisher"] == account.address)
    return AccountOverview(
        address=account.address,
        balance=balance,
        locked_stake=stats.current_stake,
        escrow=escrow,
        reputation=stats.reputation,
    )
