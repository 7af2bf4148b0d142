from __future__ import annotations

from typing import Any

import pytest

from dashboard.events import catch_up, last_stored_seq, record_events
from dashboard.models import Credit, NodeEvent
from tests.support.devnode import DevnodeProcess

pytestmark = pytest.mark.django_db

ALICE = "tst1alice"


def event(seq: int, name: str = "task_published", **data: object) -> dict[str, object]:
    return {"event": name, "seq": seq, "topoheight": 10 + seq, "timestamp": 1_800_000_000 + seq, "data": data}


def test_events_are_stored_once_per_seq_and_only_new_ones_are_returned() -> None:
    first = record_events([event(1, task_id="a" * 64), event(2)])
    assert [e.seq for e in first] == [1, 2]
    again = record_events([event(2), event(3), event(1)])
    assert [e.seq for e in again] == [3]
    assert list(NodeEvent.objects.values_list("seq", flat=True)) == [1, 2, 3]
    assert NodeEvent.objects.get(seq=1).task_id == "a" * 64
    assert last_stored_seq() == 3


def test_a_reward_event_becomes_one_credit_with_its_exact_amount() -> None:
    record_events(
        [
            event(
                7,
                "reward_distributed",
                task_id="b" * 64,
                recipient=ALICE,
                amount="4875000000",
                reward_type="winner",
            ),
            event(
                8,
                "reward_distributed",
                task_id="b" * 64,
                recipient="tst1net",
                amount="12",
                reward_type="network",
                reason="slash",
            ),
        ]
    )
    record_events(
        [
            event(
                7,
                "reward_distributed",
                task_id="b" * 64,
                recipient=ALICE,
                amount="4875000000",
                reward_type="winner",
            )
        ]
    )
    credit = Credit.objects.to_address(ALICE).get()
    assert (credit.amount, credit.reward_type, credit.task_id) == (4_875_000_000, "winner", "b" * 64)
    assert credit.paid_at.timestamp() == 1_800_000_007
    assert Credit.objects.get(recipient="tst1net").reason == "slash"
    assert Credit.objects.count() == 2


def test_nothing_stored_means_the_last_seq_is_zero() -> None:
    assert last_stored_seq() == 0
    assert record_events([]) == []


@pytest.mark.usefixtures("use_redis")
def test_catch_up_stores_every_node_event_once(use_devnode: DevnodeProcess) -> None:
    accounts: Any = use_devnode.rpc("dev_accounts")
    for index in range(3):
        use_devnode.rpc(
            "ai_publish_task",
            {
                "task_data": {
                    "title": f"Catch-up task number {index}",
                    "task_type": "GeneralTask",
                    "reward_amount": "6000000000",
                },
                "from": accounts[0]["address"],
            },
        )
    events: Any = use_devnode.rpc("ai_get_events", {"since_seq": 0})
    head = events["head_seq"]
    first = catch_up(page_size=2)
    assert [e.seq for e in first.new_events] == list(range(1, head + 1))
    assert first.gap is False
    assert catch_up().new_events == []
    assert NodeEvent.objects.filter(name="task_published").count() >= 3
