"""The protocol's names said in words (dashboard/words.py)."""

from __future__ import annotations

from dashboard.words import spoken


def test_protocol_names_are_said_in_words() -> None:
    assert spoken("AlgorithmOptimization") == "Algorithm optimization"
    assert spoken("UnderValidation").lower() == "under validation"
    assert spoken("closed") == "Closed"
