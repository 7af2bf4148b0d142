from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.events import catch_up, last_stored_seq, record_events
from dashboard.models import Credit, NodeEvent, UnstoredEvent
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


def reward(seq: int, amount: object) -> dict[str, object]:
    return event(
        seq, "reward_distributed", task_id="b" * 64, recipient=ALICE, amount=amount, reward_type="winner"
    )


def test_a_credit_above_the_largest_signed_64_bit_integer_is_stored_exactly() -> None:
    stored = record_events([reward(1, str(2**64 - 1)), reward(2, 2**63)])

    assert [event.seq for event in stored] == [1, 2]
    assert sorted(Credit.objects.values_list("amount", flat=True)) == [2**63, 2**64 - 1]


def test_an_event_that_cannot_be_stored_is_set_aside_once_and_the_ones_after_it_are_stored() -> None:
    too_large = reward(2, "1" + "0" * 39)  # 40 digits

    stored = record_events([event(1), too_large, event(3)])
    again = record_events([too_large, event(3), event(4)])

    assert [event.seq for event in stored] == [1, 3]
    assert [event.seq for event in again] == [4]
    unstored = UnstoredEvent.objects.get()
    assert unstored.seq == 2
    assert "39" in unstored.error
    assert '"amount": "1000000000000000000000000000000000000000"' in unstored.raw
    assert not NodeEvent.objects.filter(seq=2).exists()
    assert Credit.objects.count() == 0
    assert last_stored_seq() == 4


def test_a_set_aside_event_counts_as_recorded_for_the_last_seq() -> None:
    record_events([event(1), reward(2, -5)])

    assert last_stored_seq() == 2


#: What a node might send in an event's fields: numbers of any size, text, nothing, nested values, NUL.
ANYTHING = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
FIELD = st.one_of(ANYTHING, st.integers(0, 2**130).map(str), st.sampled_from([2**63, 2**64, 10**39]))


@settings(max_examples=60, deadline=None)
@given(
    shapes=st.lists(
        st.fixed_dictionaries(
            {
                "name": st.sampled_from(["reward_distributed", "task_published", "stake_slashed"])
                | st.text(),
                "amount": FIELD,
                "timestamp": st.one_of(st.integers(0, 2_000_000_000), FIELD),
                "topoheight": st.one_of(st.integers(0, 10**6), FIELD),
                "task_id": FIELD,
                "recipient": FIELD,
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_whatever_the_node_sends_every_event_is_stored_or_set_aside_and_nothing_raises(
    shapes: list[dict[str, Any]],
) -> None:
    start = last_stored_seq() + 1
    events = [
        {
            "event": shape["name"],
            "seq": seq,
            "topoheight": shape["topoheight"],
            "timestamp": shape["timestamp"],
            "data": {"task_id": shape["task_id"], "recipient": shape["recipient"], "amount": shape["amount"]},
        }
        for seq, shape in enumerate(shapes, start=start)
    ]

    stored = record_events(events)

    seqs = list(range(start, start + len(events)))
    kept = set(NodeEvent.objects.filter(seq__in=seqs).values_list("seq", flat=True))
    set_aside = set(UnstoredEvent.objects.filter(seq__in=seqs).values_list("seq", flat=True))
    assert kept | set_aside == set(seqs)
    assert not kept & set_aside
    assert {event.seq for event in stored} == kept
    assert record_events(events) == []
    assert last_stored_seq() == seqs[-1]
