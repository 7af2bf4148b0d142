"""Auto-mining's settings and its on/off toggle, per user (the checks themselves are in `automining`)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from dashboard import jobs, node, schedules
from dashboard.crypto import encrypt_secret
from dashboard.models import AutoMiningConfig, AutoMiningRun, NodeAccount
from tos_ai.rules import stake_bounds

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, User


def config_for(user: User | AbstractBaseUser) -> AutoMiningConfig:
    """The user's auto-mining config, created with the defaults (and their mining preferences) on first use."""
    config = AutoMiningConfig.objects.filter(user_id=user.pk).first()
    if config is not None:
        return config
    profile = getattr(user, "profile", None)
    defaults: dict[str, Any] = {}
    if profile is not None:
        defaults = {
            "target_difficulties": profile.mining_difficulties,
            "task_types": profile.mining_task_types,
        }
    config, _ = AutoMiningConfig.objects.get_or_create(user_id=user.pk, defaults=defaults)
    return config


#: Fields the settings form sets directly.
CONFIG_FIELDS = (
    "target_difficulties",
    "task_types",
    "max_concurrent_tasks",
    "min_success_probability",
    "min_time_left",
    "check_interval",
    "auto_submit",
    "stake_fraction",
    "max_locked_stake",
    "max_stake_per_day",
    "solver_kind",
    "solver_base_url",
    "solver_model",
)


def save_config(
    user: User | AbstractBaseUser, values: dict[str, Any], *, api_key: str = "", remove_api_key: bool = False
) -> AutoMiningConfig:
    """Store the settings; a new API key is encrypted, an empty one keeps the stored key."""
    config = config_for(user)
    for name in CONFIG_FIELDS:
        if name in values:
            setattr(config, name, values[name])
    if remove_api_key:
        config.encrypted_api_key = ""
    if api_key:
        config.encrypted_api_key = encrypt_secret(api_key)
    with transaction.atomic():
        config.save()
        if config.enabled:
            schedules.schedule_user(config.user_id, config.check_interval)
    return config


class NoAccount(Exception):
    """Auto-mining acts with the user's node account, and there is none."""


def set_enabled(user: User | AbstractBaseUser, on: bool) -> AutoMiningConfig:
    """Turn auto-mining on (a beat entry and a first check at once) or off (no new participation after this).

    Turning off waits for a join already under way to finish: a worker re-checks `enabled` under the
    account's lock right before joining, so once this returns no new participation can start.
    """
    account = NodeAccount.objects.filter(user_id=user.pk).first()
    if on and account is None:
        raise NoAccount
    config = config_for(user)
    with transaction.atomic():
        AutoMiningConfig.objects.filter(pk=config.pk).update(enabled=on)
        if on:
            schedules.schedule_user(config.user_id, config.check_interval)
            jobs.send_on_commit(
                jobs.AUTOMINE_USER, user_id=config.user_id, trigger=AutoMiningRun.Trigger.MANUAL
            )
        else:
            schedules.unschedule_user(config.user_id)
    config.enabled = on
    if not on and account is not None:
        with node.account_lock(account.address):
            pass
    return config


def stake_within(config: AutoMiningConfig, reward: int, stake_required: int) -> int:
    """The stake auto-mining offers: the configured fraction of the reward (exact, in Decimal), kept within
    the stakes the node accepts for such a task (`tos_ai.stake_bounds`)."""
    low, high = stake_bounds(reward, stake_required)
    return min(max(int(Decimal(reward) * config.stake_fraction), low), high)
