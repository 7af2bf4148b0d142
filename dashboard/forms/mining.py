"""Forms of miners and validators: preferences, participating, solutions, reviews, periods."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms

from dashboard import services
from dashboard.access import HEX_ID
from dashboard.amounts import tos_text
from dashboard.forms.problems import NodeProblemForm
from dashboard.forms.tasks import TASK_TYPE_CHOICES, TosAmountField
from tos_ai import DIFFICULTY_LEVELS, TaskSolution, rules

_LOW_SCORE, _HIGH_SCORE = rules.SCORE_RANGE


class MiningPreferencesForm(forms.Form):
    """Which tasks the miner wants offered; nothing ticked means any."""

    task_types = forms.MultipleChoiceField(
        label="Task types",
        choices=TASK_TYPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Your specializations; none ticked offers every type.",
    )
    difficulties = forms.MultipleChoiceField(
        label="Difficulties",
        choices=[(level, level) for level in DIFFICULTY_LEVELS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked offers every difficulty your reputation unlocks.",
    )


class ParticipateForm(NodeProblemForm):
    """The stake to lock, typed in TOS, within the task's bounds (the node checks them again)."""

    stake = TosAmountField(label="Stake (TOS)")

    NODE_FIELDS = {"stake_amount": "stake", "balance": "stake"}

    def __init__(self, *args: Any, bounds: tuple[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.low, self.high = bounds
        self.fields[
            "stake"
        ].help_text = (
            f"Between {tos_text(self.low)} and {tos_text(self.high)} TOS; locked until the task completes."
        )
        if not self.is_bound:
            self.initial.setdefault("stake", tos_text(self.low, grouped=False))

    def clean_stake(self) -> int:
        stake: int = self.cleaned_data["stake"]
        if not self.low <= stake <= self.high:
            raise forms.ValidationError(
                f"The stake must be between {tos_text(self.low)} and {tos_text(self.high)} TOS."
            )
        return stake


#: A whole solution, as JSON, may be at most this many bytes (the node's rule).
MAX_SOLUTION_BYTES = rules.MAX_SOLUTION_BYTES


class SolutionForm(NodeProblemForm):
    """A solution: content (required), code, documentation and test results."""

    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=f"Your answer: at least {rules.MIN_CONTENT_BYTES} characters.",
    )
    code = forms.CharField(widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}), required=False)
    documentation = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    test_results = forms.CharField(
        label="Test results",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        required=False,
        help_text="Plain text, or JSON (sent as JSON).",
    )

    def clean_content(self) -> str:
        content: str = self.cleaned_data["content"]
        if len(content.encode("utf-8")) < rules.MIN_CONTENT_BYTES:
            raise forms.ValidationError(
                f"Write at least {rules.MIN_CONTENT_BYTES} characters in your answer."
            )
        return content

    def clean_test_results(self) -> Any:
        text: str = self.cleaned_data["test_results"]
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    def solution(self) -> TaskSolution:
        data = self.cleaned_data
        return TaskSolution(
            content=data["content"],
            code=data["code"] or None,
            documentation=data["documentation"] or None,
            test_results=data["test_results"],
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            size = len(json.dumps(self.solution().to_dict(), ensure_ascii=False).encode("utf-8"))
            if size > MAX_SOLUTION_BYTES:
                over = size - MAX_SOLUTION_BYTES
                raise forms.ValidationError(
                    f"The whole solution is about {over:,} characters too long: together, its fields may "
                    f"hold {MAX_SOLUTION_BYTES:,} plain characters (accents, symbols and emoji count as 2 to 4)."
                )
        return cleaned


#: A review's fields as the node names them (`quality_score`); the rest of a refusal goes on top.
_REVIEW_FIELDS: dict[str, str | None] = {"quality_score": "score", "score": None}


class ApproveForm(NodeProblemForm):
    NODE_FIELDS = _REVIEW_FIELDS

    score = forms.IntegerField(
        label="Score",
        min_value=_LOW_SCORE,
        max_value=_HIGH_SCORE,
        help_text=f"{_LOW_SCORE} to {_HIGH_SCORE}; the task's passing score is shown above.",
    )
    reasoning = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, help_text="Why this score."
    )

    def verdict(self) -> services.Verdict:
        return services.Verdict(True, self.cleaned_data["score"], self.cleaned_data["reasoning"])


class RejectForm(NodeProblemForm):
    NODE_FIELDS = _REVIEW_FIELDS

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Why it is rejected (spam, off-topic, empty). A rejection scores 0.",
    )

    def verdict(self) -> services.Verdict:
        return services.Verdict(False, 0, self.cleaned_data["reason"])


_SUBMISSION_REF = re.compile(rf"{HEX_ID.pattern}:{HEX_ID.pattern}")


class SubmissionRefsField(forms.MultipleChoiceField):
    """Checked submissions as "task_id:submission_id"; any well-formed pair is accepted (the service decides)."""

    def valid_value(self, value: str) -> bool:
        return bool(_SUBMISSION_REF.fullmatch(value))


class BulkReviewForm(forms.Form):
    """Several ticked submissions approved with one score and reasoning, or rejected with one reason."""

    submissions = SubmissionRefsField(
        label="Submissions", error_messages={"required": "Tick the submissions to review."}
    )
    action = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject")],
        error_messages={
            "required": "Choose Approve or Reject.",
            "invalid_choice": "Choose Approve or Reject.",
        },
    )
    score = forms.IntegerField(
        label="Score",
        min_value=_LOW_SCORE,
        max_value=_HIGH_SCORE,
        required=False,
        help_text=f"{_LOW_SCORE} to {_HIGH_SCORE}, for every ticked one.",
    )
    reasoning = forms.CharField(
        label="Reasoning", max_length=2000, required=False, help_text="Why this score, for every ticked one."
    )
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        required=False,
        help_text="One reason for every ticked submission, e.g. spam or empty. A rejection scores 0.",
    )
    #: The queue's tab to go back to.
    tab = forms.ChoiceField(choices=[(tab, tab) for tab in services.TABS], required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "approve":
            if cleaned.get("score") is None and "score" not in self.errors:
                self.add_error("score", "Give the score every ticked submission gets.")
            if not cleaned.get("reasoning"):
                self.add_error("reasoning", "Say why, for every ticked submission.")
        elif cleaned.get("action") == "reject" and not cleaned.get("reason"):
            self.add_error("reason", "Say why they are rejected.")
        return cleaned

    def refs(self) -> list[tuple[str, str]]:
        pairs = (value.split(":", 1) for value in self.cleaned_data["submissions"])
        return list(dict.fromkeys((task_id, submission_id) for task_id, submission_id in pairs))

    def verdict(self) -> services.Verdict:
        if self.cleaned_data["action"] == "approve":
            return services.Verdict(True, self.cleaned_data["score"], self.cleaned_data["reasoning"])
        return services.Verdict(False, 0, self.cleaned_data["reason"])


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        choices=[("7d", "7 days"), ("30d", "30 days"), ("all", "All time")], required=False
    )

    def chosen(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data["period"]:
            return str(self.cleaned_data["period"])
        return "30d"


class ReviewTabForm(forms.Form):
    tab = forms.ChoiceField(
        choices=[("review", "To review"), ("reviewed", "Reviewed"), ("all", "All")], required=False
    )

    def chosen(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data["tab"]:
            return str(self.cleaned_data["tab"])
        return "review"
