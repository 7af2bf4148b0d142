"""TOS amounts as text: integer atomic units become the digits people read and type here.

tos_ai formats an amount (`format_tos`, 8 decimals, trailing zeros trimmed); the pages add the thousands
separators.
"""

from __future__ import annotations

from tos_ai import ATOMIC_PER_TOS, format_tos
from tos_ai.rules import TOS_DECIMALS


def tos_text(atomic: int, *, grouped: bool = True) -> str:
    """1,234.5 (trailing zeros trimmed); `grouped=False` gives what a form field takes back: 1234.5."""
    plain = format_tos(atomic).removesuffix(" TOS")
    if not grouped:
        return plain
    sign, digits = ("-", plain[1:]) if plain.startswith("-") else ("", plain)
    whole, dot, fraction = digits.partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def tos_exact(atomic: int) -> str:
    """12.50000000: every one of the eight places, for files (the earnings CSV)."""
    sign = "-" if atomic < 0 else ""
    whole, fraction = divmod(abs(atomic), ATOMIC_PER_TOS)
    return f"{sign}{whole}.{fraction:0{TOS_DECIMALS}d}"
