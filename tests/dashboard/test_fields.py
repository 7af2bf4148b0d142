"""Amounts of any size the node may send are stored, compared, ordered and summed exactly (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.fields import LIMIT, AmountSum, AmountTooLarge, as_amount
from dashboard.models import Credit, NodeEvent

pytestmark = pytest.mark.django_db

INT64_MAX = 2**63 - 1
#: Around the edges that broke before (2^63) and that the protocol has (2^64), and the 39-digit limit.
EDGES = [0, 1, INT64_MAX, INT64_MAX + 1, 2**64 - 1, 2**64, 2**128, LIMIT - 1]
AMOUNTS = st.one_of(st.sampled_from(EDGES), st.integers(0, LIMIT - 1), st.integers(0, 2**70))
PAID = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def store_credits(amounts: list[int]) -> None:
    start = (NodeEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    for seq, amount in enumerate(amounts, start=start):
        event = NodeEvent.objects.create(
            seq=seq, name="reward_distributed", topoheight=1, timestamp=PAID, data={}, task_id=""
        )
        Credit.objects.create(
            event=event, recipient="tst1r", amount=amount, reward_type="winner", paid_at=PAID
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(AMOUNTS, min_size=1, max_size=6), probe=AMOUNTS)
def test_amounts_of_any_size_round_trip_order_compare_and_sum_exactly(amounts: list[int], probe: int) -> None:
    Credit.objects.all().delete()
    NodeEvent.objects.all().delete()
    store_credits(amounts)

    assert sorted(Credit.objects.values_list("amount", flat=True)) == sorted(amounts)
    assert list(Credit.objects.order_by("amount").values_list("amount", flat=True)) == sorted(amounts)
    assert list(Credit.objects.order_by("-amount").values_list("amount", flat=True)) == sorted(amounts)[::-1]
    assert sorted(Credit.objects.filter(amount__gte=probe).values_list("amount", flat=True)) == sorted(
        amount for amount in amounts if amount >= probe
    )
    assert Credit.objects.filter(amount=probe).count() == amounts.count(probe)
    assert Credit.objects.aggregate(total=AmountSum("amount"))["total"] == sum(amounts)
    grouped = Credit.objects.values("recipient").annotate(total=AmountSum("amount"))
    assert [row["total"] for row in grouped] == [sum(amounts)]


def test_the_sum_of_no_credits_is_none() -> None:
    assert Credit.objects.aggregate(total=AmountSum("amount"))["total"] is None


@pytest.mark.parametrize(
    ("value", "amount"), [(5, 5), ("18446744073709551616", 2**64), (" 7 ", 7), (LIMIT - 1, LIMIT - 1)]
)
def test_an_amount_is_read_from_an_int_or_a_string_of_digits(value: object, amount: int) -> None:
    assert as_amount(value) == amount


@pytest.mark.parametrize("value", [-1, "-1", "1.5", "1e30", "", None, True, 1.0, [1], "٣"])
def test_anything_else_is_not_an_amount(value: object) -> None:
    with pytest.raises(ValueError, match="amount"):
        as_amount(value)


def test_an_amount_of_40_digits_is_too_large_to_store() -> None:
    with pytest.raises(AmountTooLarge):
        as_amount(LIMIT)
