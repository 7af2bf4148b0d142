"""The protocol's names said in words: "CodeAnalysis" is "Code analysis", "InProgress" is "in progress"."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Z][a-z0-9]*|[a-z0-9]+")


def spoken(name: str) -> str:
    """A CamelCase (or snake_case) protocol name as a phrase with a capital first letter: "Code analysis"."""
    words = [word.lower() for word in _WORD.findall(name)] or [name]
    return " ".join(words).capitalize()
