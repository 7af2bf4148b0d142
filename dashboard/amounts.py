"""TOS amounts as text: integer atomic units (10**8 per TOS) become the digits people read and type here."""

from __future__ import annotations

from tos_ai import ATOMIC_PER_TOS


def tos_text(atomic: int, *, grouped: bool = True) -> str:
    """1,234.5 (trailing zeros trimmed); `grouped=False` gives what a form field takes back: 1234.5."""
    sign = "-" if atomic < 0 else ""
    whole, fraction = divmod(abs(atomic), ATOMIC_PER_TOS)
    text = f"{whole:,}" if grouped else str(whole)
    if fraction:
        text += "." + f"{fraction:08d}".rstrip("0")
    return sign + text


def tos_exact(atomic: int) -> str:
    """12.50000000: every one of the eight places, for files (the earnings CSV)."""
    sign = "-" if atomic < 0 else ""
    whole, fraction = divmod(abs(atomic), ATOMIC_PER_TOS)
    return f"{sign}{whole}.{fraction:08d}"
