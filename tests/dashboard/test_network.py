"""The network at a glance: rollups of the stored event log, the public page and the public profiles."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import relay
from dashboard.events import record_events
from dashboard.models import AddressDay, EventCursor, FinalScore, NetworkAddress, NetworkDay, NodeEvent
from dashboard.services import network
from tests.support.network import TOS, store_synthetic, synthetic_events

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "node_down")]

NOW = int(time.time())
MINER, OTHER, VALIDATOR = "tst1minerone0000000", "tst1minertwo0000000", "tst1validator000000"


def raw(seq: int, name: str, at: int = NOW, **data: Any) -> dict[str, Any]:
    return {"event": name, "seq": seq, "topoheight": seq, "timestamp": at, "data": data}


def one_task(first_seq: int = 1, at: int = NOW) -> list[dict[str, Any]]:
    """A task joined by two miners, each submission validated, MINER winning with 90."""
    task = "ab" * 32
    return [
        raw(first_seq, "task_published", at, task_id=task, publisher="tst1publisher00000", title="A task"),
        raw(first_seq + 1, "participant_joined", at, task_id=task, miner=MINER, stake_amount=str(10 * TOS)),
        raw(first_seq + 2, "participant_joined", at, task_id=task, miner=OTHER, stake_amount=str(10 * TOS)),
        raw(first_seq + 3, "submission_received", at, task_id=task, submission_id="s1", submitter=MINER),
        raw(first_seq + 4, "submission_received", at, task_id=task, submission_id="s2", submitter=OTHER),
        raw(first_seq + 5, "validation_completed", at, task_id=task, submission_id="s1", validator=VALIDATOR, score=85),
        raw(first_seq + 6, "validation_completed", at, task_id=task, submission_id="s2", validator=VALIDATOR, score=20),
        raw(first_seq + 7, "task_completed", at, task_id=task, winner=MINER, winning_submission_id="s1",
            final_scores={"s1": 90, "s2": 60}),
        raw(first_seq + 8, "reward_distributed", at, task_id=task, recipient=MINER, amount=str(70 * TOS),
            reward_type="winner"),
        raw(first_seq + 9, "reward_distributed", at, task_id=task, recipient=VALIDATOR, amount=str(2 * TOS),
            reward_type="validator"),
        raw(first_seq + 10, "reward_distributed", at, task_id=task, recipient=MINER, amount=str(10 * TOS),
            reward_type="stake_return"),
        raw(first_seq + 11, "reputation_changed", at, task_id=task, address=MINER, old=500, new=520),
    ]  # fmt: skip


def rows_of(model: Any) -> list[str]:
    names = [field.name for field in model._meta.fields if field.name != "id"]
    return sorted(repr(row) for row in model.objects.values_list(*names))


def figures() -> dict[str, Any]:
    """Every rollup row, as plain values, for comparing two ways of counting."""
    return {model.__name__: rows_of(model) for model in (NetworkDay, NetworkAddress, AddressDay, FinalScore)}


def test_a_completed_task_is_counted_per_day_per_address_and_in_the_final_scores() -> None:
    record_events(one_task())
    assert network.index_through(12) == 12

    today = NetworkDay.objects.get()
    assert (today.tasks_published, today.joins, today.submissions, today.validations) == (1, 2, 2, 2)
    assert (today.tasks_completed, today.reward_winner, today.reward_validator) == (1, 70 * TOS, 2 * TOS)
    assert today.reward_stake_return == 10 * TOS
    assert today.rewards == 72 * TOS  # stake returns are the miner's own money, not a reward
    miner = NetworkAddress.objects.get(address=MINER)
    assert (miner.joins, miner.submissions, miner.wins, miner.mined, miner.reputation) == (
        1,
        1,
        1,
        70 * TOS,
        520,
    )
    validator = NetworkAddress.objects.get(address=VALIDATOR)
    # 85 against 90 agrees (within 15 points); 20 against 60 does not.
    assert (validator.validations, validator.judged, validator.agreed, validator.validated) == (
        2,
        2,
        1,
        2 * TOS,
    )
    assert validator.agreement == 50
    assert sorted(FinalScore.objects.values_list("address", "score", "won")) == [
        (MINER, 90, True),
        (OTHER, 60, False),
    ]


def test_counting_the_same_events_again_adds_nothing() -> None:
    record_events(one_task())
    network.index_through(12)
    before = figures()

    record_events(one_task())  # the relay and a page both stored them: the unique seq keeps one copy
    assert network.index_through(12) == 0
    assert network.catch_up() == 0
    assert figures() == before


def test_the_relays_hook_counts_what_it_announces_and_a_rebuild_agrees() -> None:
    relay.store_and_announce(one_task())
    assert network.counted_through() == 12
    counted = figures()

    network.rebuild()
    assert figures() == counted


def test_events_stored_before_the_rollups_existed_are_counted_in_batches_by_the_beat_task() -> None:
    record_events(list(synthetic_events(2500)))
    assert network.counted_through() == 0
    assert network.catch_up() == 2500
    assert network.counted_through() == 2500
    assert (
        NetworkDay.objects.aggregate(n=Sum("tasks_published"))["n"]
        == NodeEvent.objects.filter(name="task_published").count()
    )


def forget_counts() -> None:
    for model in (NetworkDay, NetworkAddress, AddressDay, FinalScore):
        model.objects.all().delete()
    EventCursor.objects.filter(name=network.CURSOR).update(seq=0)


def test_a_failure_in_the_hook_never_stops_the_relay_and_the_events_are_counted_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(batch: Any) -> None:
        raise RuntimeError("a bug in the rollups")

    monkeypatch.setattr(network, "_write", broken)
    assert relay.store_and_announce(one_task()) == 12  # the events are stored all the same
    assert network.counted_through() == 0
    monkeypatch.undo()

    assert network.catch_up() == 12
    assert NetworkAddress.objects.get(address=MINER).wins == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=1, max_value=119), max_size=6, unique=True))
def test_any_split_of_the_log_into_batches_gives_the_figures_of_one_pass(cuts: list[int]) -> None:
    NodeEvent.objects.all().delete()
    record_events(list(synthetic_events(120, miners=5, validators=3, days=3, seed=len(cuts))))
    network.rebuild()
    whole = figures()

    forget_counts()
    for top in [*sorted(cuts), 120]:
        network.index_through(top)
    assert figures() == whole


def test_the_network_page_is_public_and_shows_the_counts_charts_and_boards(client: Client) -> None:
    record_events(one_task())
    network.index_through(12)

    page = client.get("/network/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="rewards-distributed">72 TOS<' in html
    assert "Tasks published and completed each day" in html
    assert 'role="img"' in html
    assert "The numbers as a table" in html
    assert f'href="/network/{MINER}/"' in html  # leaderboard rows link to the public profiles


def test_an_empty_network_says_in_words_what_will_fill_each_chart(client: Client) -> None:
    html = client.get("/network/").content.decode()
    assert "No task was published in the last 30 days" in html
    assert "rewards are paid when a task completes" in html
    assert "<svg" not in html.split("<main", 1)[1]


def test_a_public_profile_shows_reputation_over_time_wins_and_recent_scores(client: Client) -> None:
    record_events(one_task(at=NOW - 3 * 86400))
    record_events([raw(13, "reputation_changed", NOW, address=MINER, old=520, new=555, task_id="ab" * 32)])
    network.index_through(13)

    page = client.get(f"/network/{MINER}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="profile-reputation">555<' in html
    assert 'id="profile-wins">1<' in html
    assert "Reputation over time" in html
    assert "<polyline" in html
    assert ">A task</a></td><td>90</td><td>Won</td>" in html  # the task by its title


def test_an_address_the_network_never_saw_is_a_404(client: Client) -> None:
    assert client.get("/network/tst1nobody000000000/").status_code == 404
    assert client.get("/network/not-an-address!/").status_code == 404


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        reply = client.get(url)
    assert reply.status_code == 200
    return len(captured.captured_queries)


PAGES = ["/network/?period=7d", "/network/?period=30d", "/network/?period=all"]


def test_the_network_pages_run_as_many_queries_for_100000_stored_events_as_for_100(client: Client) -> None:
    store_synthetic(100)
    network.catch_up()
    address = NetworkAddress.objects.filter(wins__gt=0).values_list("address", flat=True).first()
    pages = [*PAGES, f"/network/{address}/"]
    few = [queries_for(client, page) for page in pages]

    started = time.perf_counter()
    store_synthetic(100_000 - 100, first_seq=101, seed=3)
    stored = time.perf_counter()
    assert network.catch_up(batches=1000) == 100_000 - 100
    print(
        f"100,000 events: stored in {stored - started:.1f} s, counted in {time.perf_counter() - stored:.1f} s"
    )
    assert NodeEvent.objects.count() == 100_000

    assert [queries_for(client, page) for page in pages] == few
    for page in pages:
        started = time.perf_counter()
        for _ in range(3):
            client.get(page)
        per_page = (time.perf_counter() - started) / 3
        assert per_page < 0.5, f"{page}: {per_page * 1000:.0f} ms"


def test_days_are_utc_days() -> None:
    midnight = int(dt.datetime(2030, 1, 2, tzinfo=dt.UTC).timestamp())
    record_events(
        [
            raw(1, "task_published", midnight - 1, task_id="1" * 64),
            raw(2, "task_published", midnight, task_id="2" * 64),
        ]
    )
    network.index_through(2)
    assert list(NetworkDay.objects.values_list("day", "tasks_published")) == [
        (dt.date(2030, 1, 1), 1),
        (dt.date(2030, 1, 2), 1),
    ]


def test_rewards_above_2_63_are_counted_exactly(client: Client) -> None:
    huge = 2**64 - 1
    record_events(
        [
            raw(
                1,
                "reward_distributed",
                recipient=MINER,
                amount=str(huge),
                reward_type="winner",
                task_id="ab" * 32,
            ),
            raw(
                2,
                "reward_distributed",
                recipient=MINER,
                amount=str(huge),
                reward_type="winner",
                task_id="ab" * 32,
            ),
        ]
    )
    network.index_through(2)

    assert NetworkAddress.objects.get(address=MINER).mined == 2 * huge
    assert network.glance().rewards_distributed == 2 * huge
    assert network.boards("7d").by_earnings[0].figure == 2 * huge
    assert client.get("/network/").status_code == 200
    assert client.get(f"/network/{MINER}/").status_code == 200
