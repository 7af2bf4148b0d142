"""TOS amounts as text (dashboard/amounts.py): tos_ai's formatter with the thousands separators added."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dashboard.amounts import tos_exact, tos_text
from tos_ai import ATOMIC_PER_TOS, format_tos, to_atomic

AMOUNTS = st.integers(min_value=-(10**20), max_value=10**20)


def test_an_amount_reads_with_separators_and_no_trailing_zeros() -> None:
    assert tos_text(1_234 * ATOMIC_PER_TOS + ATOMIC_PER_TOS // 2) == "1,234.5"
    assert tos_text(-ATOMIC_PER_TOS) == "-1"
    assert tos_text(0) == "0"
    assert tos_text(1) == "0.00000001"
    assert tos_text(1_234_567 * ATOMIC_PER_TOS, grouped=False) == "1234567"
    assert tos_exact(12 * ATOMIC_PER_TOS + ATOMIC_PER_TOS // 2) == "12.50000000"


@given(AMOUNTS)
def test_the_text_is_tos_ais_with_separators_only(atomic: int) -> None:
    assert tos_text(atomic, grouped=False) == format_tos(atomic).removesuffix(" TOS")
    assert tos_text(atomic).replace(",", "") == tos_text(atomic, grouped=False)


@given(st.integers(min_value=0, max_value=10**20))
def test_what_a_form_shows_is_read_back_as_the_same_amount(atomic: int) -> None:
    assert to_atomic(tos_text(atomic, grouped=False)) == atomic
    assert to_atomic(tos_exact(atomic)) == atomic
