"""Amounts as the node sends them: integers of any size up to 39 digits, exact on PostgreSQL and SQLite.

The node's amounts are unsigned 64-bit (up to 2^64-1), above a signed 64-bit column's 2^63-1, and the
dashboard must not trust the node to keep to even that. PostgreSQL stores them as NUMERIC(39,0). SQLite
has no exact type for them (a NUMERIC column turns a value above 2^63-1 into a float), so a BLOB-affinity
column (no conversions) keeps a value that fits an integer as one and a larger one as text zero-padded to 39 digits: SQLite
sorts every integer before every text and padded texts in numeric order, so ordering and comparisons stay
right. Sums go through `AmountSum`, which on SQLite is an exact aggregate registered on each connection.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver

DIGITS = 39
#: Every amount stored is below this in size (39 digits: 2^128 fits).
LIMIT = 10**DIGITS
_INT64_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,100}")


class AmountTooLarge(ValueError):
    """An amount with more than 39 digits: it cannot be stored."""


def as_amount(value: Any) -> int:
    """A storable amount (0 to 10^39-1) from an int, a string of digits or a whole Decimal; else ValueError."""
    if isinstance(value, bool):
        raise ValueError("an amount is not a boolean")
    if isinstance(value, int):
        amount = value
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        amount = int(value)
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        amount = int(value.strip())
    else:
        raise ValueError(f"not an amount: {str(value)[:50]!r}")
    if amount < 0:
        raise ValueError(f"an amount is never negative: {amount}")
    if amount >= LIMIT:
        raise AmountTooLarge(f"an amount of {len(str(amount))} digits is more than {DIGITS}")
    return amount


def _to_sqlite(amount: int) -> int | str:
    return amount if amount <= _INT64_MAX else str(amount).zfill(DIGITS)


def _from_db(value: int | str | Decimal) -> int:
    """What an amount column or an amount sum holds, as an int (a sum may pass the 39 digits)."""
    return int(value)


class AmountField(models.Field[int, int]):
    """A whole, non-negative number of up to 39 digits (atomic units); NUMERIC(39,0) on PostgreSQL, exact on SQLite too."""

    description = "An amount in atomic units (up to 39 digits)"

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        if connection.vendor == "sqlite":
            return "blob"  # the affinity that converts nothing: SQLite keeps what it is given
        return f"numeric({DIGITS}, 0)"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else as_amount(value)

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        if value is None:
            return None
        return _to_sqlite(value) if connection.vendor == "sqlite" else value

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> int | None:
        return None if value is None else _from_db(value)

    def to_python(self, value: Any) -> int | None:
        return None if value is None else as_amount(value)


class AmountSum(models.Sum):
    """`Sum` of an AmountField, exact on SQLite too (its own SUM overflows above 2^63-1, or goes to floats)."""

    output_field = AmountField()

    def as_sqlite(self, compiler: Any, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="tos_amount_sum", **extra)


class _ExactSum:
    """SQLite's aggregate protocol: `step` for each row, `finalize` for the result."""

    def __init__(self) -> None:
        self.total: int | None = None

    def step(self, value: int | str | None) -> None:
        if value is not None:
            self.total = (self.total or 0) + _from_db(value)

    def finalize(self) -> int | str | None:
        if self.total is None:
            return None
        return self.total if self.total <= _INT64_MAX else str(self.total)


@receiver(connection_created)
def _register_sqlite_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("tos_amount_sum", 1, _ExactSum)
