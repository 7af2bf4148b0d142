"""The dashboard keeps no copy of a protocol rule: it takes them from `tos_ai.rules` (checked there against
the node's `ai_get_rules` and the conformance vectors), so a rule changed in one place cannot drift here.

Read from the source, like tests/test_layers.py.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from dashboard.forms.overview import FEED_TYPES
from dashboard.forms.tasks import PublishTaskForm
from dashboard.models import Task
from tos_ai import rules

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "dashboard"
#: The database's choices (Task.Status, Task.Difficulty) name the levels and statuses once; the test below
#: holds them to tos_ai.rules.
SCHEMA = {DASHBOARD / "models.py"}
#: The protocol's lists a copy of which would be a second home.
LISTS: dict[str, frozenset[str]] = {
    "difficulty levels": frozenset(rules.DIFFICULTY_LEVELS),
    "statuses": frozenset(rules.STATUSES),
    "active statuses": frozenset(rules.ACTIVE_STATUSES),
    "open statuses": frozenset(rules.OPEN_STATUSES),
    "validatable statuses": frozenset(rules.VALIDATABLE_STATUSES),
    "task types": frozenset(rules.TASK_TYPE_DETAILS),
    "task type details": frozenset(rules.TASK_TYPE_DETAILS.values()),
    "verification types": frozenset(rules.VERIFICATION_TYPES),
    "event names": frozenset(rules.EVENT_NAMES),
    "reputation actions": frozenset(rules.MIN_REPUTATION),
}
NAMES = frozenset(rules.DIFFICULTY_LEVELS) | frozenset(rules.STATUSES)


@cache
def sources() -> dict[Path, ast.AST]:
    return {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(DASHBOARD.rglob("*.py"))
        if "migrations" not in path.parts
    }


def _is_label_table(path: Path, node: ast.AST) -> bool:
    """A form's words for each name ({name: label} or [(name, label), ...]): the forms' labels, allowed
    (the tests below hold each table to the protocol's list)."""
    if DASHBOARD / "forms" not in path.parents:
        return False
    if isinstance(node, ast.Dict):
        return all(isinstance(value, ast.Constant) and isinstance(value.value, str) for value in node.values)
    return isinstance(node, ast.List | ast.Tuple) and all(
        isinstance(item, ast.Tuple) and len(item.elts) == 2 for item in node.elts
    )


def _strings_of(node: ast.AST) -> Iterator[str]:
    """The strings a collection literal lists: its items, a dict's keys, the first of each (value, label)."""
    items: list[ast.expr | None] = []
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        items = list(node.elts)
    elif isinstance(node, ast.Dict):
        items = list(node.keys)
    for item in items:
        if isinstance(item, ast.Tuple) and item.elts:
            item = item.elts[0]
        if isinstance(item, ast.Constant) and isinstance(item.value, str):
            yield item.value


def test_no_module_lists_a_rule_the_protocol_lists() -> None:
    copies = {
        f"{path.relative_to(ROOT)}:{node.lineno} lists the {what}"
        for path, tree in sources().items()
        if path not in SCHEMA
        for node in ast.walk(tree)
        if isinstance(node, ast.expr)
        for what, names in LISTS.items()
        if len(names) > 1 and frozenset(_strings_of(node)) == names and not _is_label_table(path, node)
    }
    assert not copies, sorted(copies)


def test_no_module_writes_a_difficulty_or_status_name() -> None:
    """Task.Status / Task.Difficulty or tos_ai.rules instead: a literal is a copy nothing checks."""
    written = {
        f"{path.relative_to(ROOT)}:{node.lineno} writes {node.value!r}"
        for path, tree in sources().items()
        if path not in SCHEMA
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in NAMES
    }
    assert not written, sorted(written)


@pytest.mark.parametrize("what", ["levels", "statuses"])
def test_the_database_choices_are_the_protocols(what: str) -> None:
    choices = Task.Difficulty if what == "levels" else Task.Status
    assert tuple(choices.values) == (rules.DIFFICULTY_LEVELS if what == "levels" else rules.STATUSES)


def test_the_publish_form_has_a_field_for_each_task_types_detail() -> None:
    assert set(rules.TASK_TYPE_DETAILS.values()) <= set(PublishTaskForm.base_fields)


def test_the_forms_label_every_name_the_protocol_has_and_no_other() -> None:
    verification = PublishTaskForm.base_fields["verification"].choices  # type: ignore[attr-defined]
    assert {value for value, _ in verification} == set(rules.VERIFICATION_TYPES)
    task_types = PublishTaskForm.base_fields["task_type"].choices  # type: ignore[attr-defined]
    assert [value for value, _ in task_types] == list(rules.TASK_TYPE_DETAILS)
    assert set(FEED_TYPES) == set(rules.EVENT_NAMES)
