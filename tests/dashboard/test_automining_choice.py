"""What auto-mining chooses and claims, on stored rows alone: no node, no Redis, no worker."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dashboard.models import AutoMiningConfig, AutoParticipation
from dashboard.services.automining import Holdings, cap_reason, choose, claim, holdings
from tests.support.factories import (
    TOS,
    make_event,
    make_miner,
    make_participation,
    make_run,
    make_task,
    summary,
)

pytestmark = pytest.mark.django_db


def test_it_offers_the_best_chance_first_with_the_stake_its_policy_gives() -> None:
    _, account, config = make_miner(stake_fraction=Decimal("0.2"))
    crowded = summary(participants_count=8)
    open_task = summary(reward_amount=str(50 * TOS))
    offers = choose(config, account, [crowded, open_task])
    assert [offer.task.task_id for offer in offers] == [open_task.task_id, crowded.task_id]
    assert offers[0].stake == 10 * TOS  # a fifth of 50 TOS
    assert offers[0].success > offers[1].success


def test_the_stake_stays_within_what_the_node_accepts() -> None:
    _, account, config = make_miner(stake_fraction=Decimal("0.9"))
    (offer,) = choose(config, account, [summary(reward_amount=str(100 * TOS))])
    assert offer.stake == 50 * TOS  # the node's maximum: half the reward
    config.stake_fraction = Decimal("0.01")
    (offer,) = choose(config, account, [summary(reward_amount=str(100 * TOS))])
    assert offer.stake == 10 * TOS  # the node's minimum: the stake required


def test_it_passes_over_its_own_full_closing_and_unwanted_tasks() -> None:
    _, account, config = make_miner(target_difficulties=["Beginner"], task_types=["CodeAnalysis"])
    snapshot = [
        summary(publisher=account.address),
        summary(participants_count=10, max_participants=10),
        summary(time_left=config.min_time_left - 1),
        summary(difficulty_level="Intermediate"),
        summary(task_type={"DataAnalysis": {"data_type": "csv"}}),
        summary(status="UnderValidation"),
    ]
    assert choose(config, account, snapshot) == []
    wanted = summary()
    assert [offer.task for offer in choose(config, account, [*snapshot, wanted])] == [wanted]


def test_it_does_not_offer_a_task_claimed_before_or_joined_by_hand() -> None:
    user, account, config = make_miner()
    claimed, joined, fresh = summary(), summary(), summary()
    make_participation(user, task_id=claimed.task_id)
    make_event("participant_joined", task_id=joined.task_id, miner=account.address, stake=str(10 * TOS))
    offers = choose(config, account, [claimed, joined, fresh])
    assert [offer.task.task_id for offer in offers] == [fresh.task_id]


def test_a_reputation_below_a_difficultys_minimum_keeps_its_tasks_out() -> None:
    _, account, config = make_miner()
    make_event("reputation_changed", address=account.address, old=500, new=320)
    snapshot = [summary(difficulty_level=level) for level in ("Beginner", "Intermediate", "Advanced")]
    offered = [offer.task.difficulty_level for offer in choose(config, account, snapshot)]
    assert offered == ["Beginner", "Intermediate"]  # submitting at Advanced takes 500


def test_a_minimum_chance_leaves_out_tasks_below_it() -> None:
    _, account, config = make_miner(min_success_probability=Decimal("0.5"))
    assert choose(config, account, [summary(participants_count=9)]) == []
    assert len(choose(config, account, [summary(participants_count=0)])) == 1


def test_holdings_count_the_stakes_of_tasks_not_known_to_be_finished() -> None:
    user, _, _ = make_miner()
    running = make_participation(user, state=AutoParticipation.State.JOINED, stake=10 * TOS)
    done = make_task(status="Completed")
    make_participation(user, task_id=done.task_id, stake=30 * TOS)
    make_participation(user, state=AutoParticipation.State.FAILED, stake=70 * TOS)
    held = holdings(user.pk)
    assert (held.active, held.locked) == (1, 10 * TOS)
    assert held.spent_today == 40 * TOS  # today's new stakes, finished task or not
    assert running.task_id


@pytest.mark.parametrize(
    ("held", "stake", "reason"),
    [
        (Holdings(active=2, locked=0, spent_today=0), TOS, "already 2 unfinished task(s)"),
        (Holdings(active=0, locked=95 * TOS, spent_today=0), 10 * TOS, "locked total past your cap"),
        (Holdings(active=0, locked=0, spent_today=195 * TOS), 10 * TOS, "past your daily cap"),
        (Holdings(active=1, locked=50 * TOS, spent_today=50 * TOS), 10 * TOS, ""),
    ],
)
def test_a_cap_names_the_limit_one_more_stake_would_break(held: Holdings, stake: int, reason: str) -> None:
    config = AutoMiningConfig(max_concurrent_tasks=2, max_locked_stake=100 * TOS, max_stake_per_day=200 * TOS)
    found = cap_reason(config, held, stake)
    assert (reason in found) if reason else found == ""


def test_a_task_is_claimed_once_however_often_it_is_offered() -> None:
    user, account, config = make_miner()
    run = make_run(user)
    (offer,) = choose(config, account, [summary()])
    row, why = claim(config, run, offer, set())
    assert row is not None
    assert why == ""
    assert claim(config, run, offer, set()) == (None, "already taken")
    assert AutoParticipation.objects.filter(user=user).count() == 1


def test_nothing_is_claimed_once_auto_mining_is_off() -> None:
    user, account, config = make_miner()
    (offer,) = choose(config, account, [summary()])
    AutoMiningConfig.objects.filter(pk=config.pk).update(enabled=False)
    assert claim(config, make_run(user), offer, set()) == (None, "auto-mining is off")
