from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dashboard.forms import PublishTaskForm, TosAmountField
from tests.support.tasks import task_form


@pytest.mark.parametrize(
    ("typed", "atomic"),
    [
        ("75.5", 7_550_000_000),
        ("0.00000001", 1),
        ("150", 15_000_000_000),
        (".5", 50_000_000),
        ("75.50000000000", 7_550_000_000),
        ("999999999999.99999999", 99_999_999_999_999_999_999),
    ],
)
def test_tos_amounts_become_exact_atomic_units(typed: str, atomic: int) -> None:
    assert TosAmountField().clean(typed) == atomic


@pytest.mark.parametrize(
    "typed", ["1.000000001", "1e9", "1,5", "-1", "NaN", "Infinity", "1 000", "1000000000000"]
)
def test_amounts_that_are_not_plain_tos_figures_are_refused(typed: str) -> None:
    field = TosAmountField()
    with pytest.raises(ValidationError, match=r"Enter an amount in TOS|at most 8 decimals"):
        field.clean(typed)


@pytest.mark.parametrize(
    ("node_field", "form_field"),
    [
        ("task_data.reward_amount", "reward"),
        ("reward_amount", "reward"),
        ("stake_required", "stake_required"),
        ("task_data.difficulty_level", "difficulty"),
        ("deadline", "deadline_at"),
        ("deadline_hours", "deadline_hours"),
        ("task_data.task_type.CodeAnalysis.language", "language"),
        ("task_data.task_type", "task_type"),
        ("task_data.verification_type.PeerReview.consensus_threshold", "consensus_threshold"),
        ("task_data.verification_type", "verification"),
        ("title", "title"),
        ("max_participants", "max_participants"),
    ],
)
def test_a_node_refusal_lands_on_the_field_it_names(node_field: str, form_field: str) -> None:
    form = PublishTaskForm(task_form())
    assert form.is_valid()
    form.add_node_problem("the node says no", node_field)
    assert form.errors == {form_field: ["the node says no"]}


@pytest.mark.parametrize("node_field", [None, "task_data", "auth.signature", "from"])
def test_a_node_refusal_naming_no_form_field_lands_on_top(node_field: str | None) -> None:
    form = PublishTaskForm(task_form())
    assert form.is_valid()
    form.add_node_problem("the node says no", node_field)
    assert form.non_field_errors() == ["the node says no"]


def test_a_new_form_carries_a_fresh_token() -> None:
    assert PublishTaskForm().initial["token"] != PublishTaskForm().initial["token"]


def test_the_draft_sends_amounts_as_integer_atomic_strings() -> None:
    form = PublishTaskForm(task_form(reward="100.25", stake_required="12.5"))
    assert form.is_valid()
    data = form.draft().task_data()
    assert data["reward_amount"] == "10025000000"
    assert data["stake_required"] == "1250000000"
    assert data["task_type"] == {"CodeAnalysis": {"language": "rust"}}
    assert data["deadline_hours"] == 24
    assert "deadline" not in data
