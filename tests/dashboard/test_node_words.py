"""Node refusals reach people as sentences in the dashboard's words, never as the node's lowercase text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.node import describe, refusal_words
from tests.support.devnode import ROOT
from tos_ai import NodeRPCError


def refusal(method: str, message: str, **data: Any) -> str:
    return refusal_words(NodeRPCError(method, -32000, message, data))


@pytest.mark.parametrize(
    ("method", "message", "data", "words"),
    [
        (
            "ai_participate_task",
            "a publisher cannot join their own task",
            {"rule": "own_task"},
            "You published this task, so you cannot join it: it is for other miners.",
        ),
        (
            "ai_validate_submission",
            "a publisher cannot validate submissions to their own task",
            {"rule": "own_task"},
            "You published this task: its submissions are scored by other validators.",
        ),
        (
            "ai_publish_task",
            "insufficient balance: 60 TOS needed, 35 TOS available",
            {"rule": "balance", "needed": "6000000000", "available": "3500000000"},
            "Your balance is too low: this needs 60 TOS and the account has 35 TOS.",
        ),
        (
            "ai_participate_task",
            "stake 1 TOS is below the minimum of 6 TOS for this task",
            {"rule": "stake_range", "min": "600000000", "max": "3000000000"},
            "The stake for this task is 6 TOS to 30 TOS.",
        ),
        (
            "ai_submit_solution",
            "task is Completed and no longer accepts submissions",
            {"rule": "status", "status": "Completed"},
            "This task is completed and no longer takes submissions.",
        ),
        (
            "ai_submit_solution",
            "rate limited: at most 100 submit actions per hour per address; retry in 1200 s",
            {"rule": "rate_limit", "action": "submit", "limit": 100, "retry_after": 1200},
            "The node takes at most 100 submit actions an hour from one account; try again in 20 minutes.",
        ),
        (
            "ai_participate_task",
            "task is full (5 participants)",
            {"rule": "full", "max_participants": 5},
            "This task is full: all its 5 places are taken.",
        ),
        ("ai_participate_task", "task is full", {"rule": "full"}, "Task is full."),
        ("ai_something_new", "the node has a new rule", {"rule": "brand_new"}, "The node has a new rule."),
    ],
)
def test_each_refusal_is_said_in_the_dashboards_words(
    method: str, message: str, data: dict[str, Any], words: str
) -> None:
    assert refusal(method, message, **data) == words
    assert describe(NodeRPCError(method, -32000, message, data)).message == words


def devnode_rules() -> set[str]:
    source = "\n".join(path.read_text() for path in (ROOT / "devnode").glob("*.py"))
    return set(re.findall(r'"rule": "([a-z_]+)"', source)) | set(
        re.findall(r'rule: str = "([a-z_]+)"', source)
    )


@pytest.mark.parametrize("rule", sorted(devnode_rules()))
def test_every_rule_the_devnode_names_is_said_as_a_sentence(rule: str) -> None:
    words = refusal("ai_participate_task", "some lowercase words from the node", rule=rule)

    assert words[0].isupper()
    assert words.endswith(".")
    assert "{" not in words


FIGURES = st.one_of(st.text(max_size=12), st.integers(-5, 10**12), st.none(), st.floats(allow_nan=True))
KEYS = ["status", "min", "max", "bytes", "needed", "available", "limit", "retry_after", "action"]
KEYS += ["reputation", "required", "difficulty_level", "max_participants", "field"]


@settings(max_examples=1500, deadline=None)
@given(
    method=st.one_of(
        st.none(), st.sampled_from(["ai_participate_task", "ai_validate_submission", "ai_cancel_task"])
    ),
    message=st.text(max_size=80),
    rule=st.sampled_from(sorted(devnode_rules())),
    figures=st.one_of(
        st.none(), st.text(max_size=10), st.fixed_dictionaries({}, optional=dict.fromkeys(KEYS, FIGURES))
    ),
)
def test_no_refusal_the_node_could_send_breaks_the_words_or_the_page(
    method: str | None, message: str, rule: str, figures: Any
) -> None:
    data = {**figures, "rule": rule} if isinstance(figures, dict) else figures
    words = refusal_words(NodeRPCError(method, -32000, message, data))

    assert words
    assert words[-1] in ".!?"
    assert words[0] == words[0].upper()


def test_the_devnode_rules_were_found() -> None:
    assert {"own_task", "balance", "stake_range", "max_bytes", "rate_limit"} <= devnode_rules()
    assert Path(ROOT / "devnode").is_dir()
