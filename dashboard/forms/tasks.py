"""Forms of tasks: publishing one (amounts in TOS, stored as atomic units) and filtering the browser."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from dashboard import services
from dashboard.amounts import tos_text
from dashboard.forms.problems import NodeProblemForm
from dashboard.models import Task
from dashboard.words import spoken
from tos_ai import DIFFICULTY_LEVELS, REWARD_RANGES, rules

_TOS_AMOUNT = re.compile(r"[0-9]{1,12}(?:\.[0-9]*)?|\.[0-9]+")


def reward_range_text(difficulty: str) -> str:
    low, high = REWARD_RANGES[difficulty]
    return f"{tos_text(low)} to {tos_text(high)} TOS"


class TosAmountField(forms.CharField):
    """An amount typed in TOS ("75.5"), cleaned to integer atomic units with Decimal, never a float."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = str(super().to_python(value)).strip()
        if not text:
            return None
        if not _TOS_AMOUNT.fullmatch(text):
            raise forms.ValidationError(
                "Enter an amount in TOS, like 75.5 (digits and one dot).", code="invalid"
            )
        atomic = Decimal(text).scaleb(rules.TOS_DECIMALS)
        if atomic != atomic.to_integral_value():
            raise forms.ValidationError(
                f"TOS amounts have at most {rules.TOS_DECIMALS} decimals.", code="decimals"
            )
        return int(atomic)


#: The longest detail of a task type (CodeAnalysis's language, ...), in characters.
_DETAIL_CHARS = rules.DETAIL_MAX_CHARS


def check_size(text: str, what: str, minimum: int, maximum: int) -> None:
    """Refuse text the node would refuse, in characters: people type characters, the node counts bytes of
    UTF-8 (a plain letter is one, accents and emoji 2 to 4)."""
    size = len(text.encode("utf-8"))
    if size < minimum:
        raise forms.ValidationError(f"Write at least {minimum} characters in the {what}.")
    if size > maximum:
        over = size - maximum
        wide = "" if size == len(text) else " (accents, symbols and emoji count as 2 to 4 each)"
        raise forms.ValidationError(
            f"The {what} is {over:,} character{'s' * (over > 1)} too long{wide}: shorten it to fit "
            f"{maximum:,} plain characters."
        )


class PublishTaskForm(NodeProblemForm):
    """Every field of `task_data`, with the node's rules checked here too (the node still decides)."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    title = forms.CharField(
        max_length=200, help_text="What the task is about, in a line of up to 200 characters."
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        strip=True,
        help_text=f"What a solution must do: {rules.MIN_CONTENT_BYTES} to {rules.MAX_DESCRIPTION_BYTES:,} characters "
        "(fewer with accents or emoji).",
    )
    task_type = forms.ChoiceField(
        label="Task type",
        choices=[(name, spoken(name)) for name in rules.TASK_TYPE_DETAILS],
    )
    language = forms.CharField(
        label="Language", max_length=_DETAIL_CHARS, required=False, help_text="For code analysis, e.g. rust."
    )
    scope = forms.CharField(
        label="Scope",
        max_length=_DETAIL_CHARS,
        required=False,
        help_text="For a security audit, e.g. SmartContract.",
    )
    data_type = forms.CharField(
        label="Data type",
        max_length=_DETAIL_CHARS,
        required=False,
        help_text="For data analysis, e.g. TimeSeries.",
    )
    domain = forms.CharField(
        label="Domain",
        max_length=_DETAIL_CHARS,
        required=False,
        help_text="For algorithm optimization, e.g. graph search.",
    )
    complexity = forms.IntegerField(
        label="Complexity",
        min_value=rules.COMPLEXITY_RANGE[0],
        max_value=rules.COMPLEXITY_RANGE[1],
        required=False,
        help_text=f"For logic reasoning: {rules.COMPLEXITY_RANGE[0]} to {rules.COMPLEXITY_RANGE[1]}.",
    )
    category = forms.CharField(
        label="Category",
        max_length=_DETAIL_CHARS,
        required=False,
        help_text="For a general task, e.g. writing.",
    )
    difficulty = forms.ChoiceField(
        label="Difficulty",
        choices=[(level, f"{level} ({reward_range_text(level)})") for level in DIFFICULTY_LEVELS],
        help_text="Each difficulty accepts its own reward range, shown beside it.",
    )
    reward = TosAmountField(
        label="Reward (TOS)", help_text="Moves from your balance into escrow when you publish."
    )
    stake_required = TosAmountField(
        label="Stake required (TOS)",
        required=False,
        help_text="The least a participant stakes: at most half the reward; empty means a tenth of the reward. "
        "Participants stake between the larger of this and a tenth of the reward, and half the reward.",
    )
    deadline_hours = forms.IntegerField(
        label="Deadline in hours from now",
        min_value=1,
        max_value=rules.MAX_DEADLINE_SECONDS // 3600,
        required=False,
    )
    deadline_at = forms.DateTimeField(
        label="or a deadline date and time (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text="Leave both empty for the difficulty's default (1, 3, 7 or 14 days).",
    )
    max_participants = forms.IntegerField(
        label="Max participants",
        min_value=1,
        max_value=rules.MAX_PARTICIPANTS,
        initial=rules.DEFAULT_MAX_PARTICIPANTS,
    )
    verification = forms.ChoiceField(
        label="Verification",
        choices=[
            ("PeerReview", "Peer review"),
            ("ExpertReview", "Expert review"),
            ("Automatic", "Automatic"),
        ],
        initial="PeerReview",
    )
    required_reviewers = forms.IntegerField(
        label="Required reviewers",
        min_value=1,
        max_value=rules.MAX_REVIEWERS,
        initial=1,
        required=False,
        help_text="For peer review: validations each submission needs.",
    )
    consensus_threshold = forms.DecimalField(
        label="Consensus threshold",
        min_value=Decimal(0),
        max_value=Decimal(1),
        decimal_places=2,
        initial=Decimal("0.67"),
        required=False,
        help_text="For peer review: 0 to 1.",
    )
    expert_count = forms.IntegerField(
        label="Expert count",
        min_value=1,
        max_value=rules.MAX_REVIEWERS,
        initial=2,
        required=False,
        help_text="For expert review: validations each submission needs.",
    )
    quality_threshold = forms.IntegerField(
        label="Quality threshold",
        min_value=rules.SCORE_RANGE[0],
        max_value=rules.SCORE_RANGE[1],
        initial=rules.DEFAULT_QUALITY_THRESHOLD,
        help_text=f"A submission passes at or above this score ({rules.SCORE_RANGE[0]} to {rules.SCORE_RANGE[1]}).",
    )

    #: The detail field each task type uses.
    TYPE_DETAIL_FIELDS = rules.TASK_TYPE_DETAILS
    #: Node field names (`data.field`, last part of its path) and the form field that entered them.
    NODE_FIELDS = {
        "reward_amount": "reward",
        "difficulty_level": "difficulty",
        "deadline": "deadline_at",
        "verification_type": "verification",
        **{detail: detail for detail in rules.TASK_TYPE_DETAILS.values()},
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"]
        check_size(title, "title", 1, rules.MAX_TITLE_BYTES)
        return title

    def clean_description(self) -> str:
        description: str = self.cleaned_data["description"]
        check_size(description, "description", rules.MIN_CONTENT_BYTES, rules.MAX_DESCRIPTION_BYTES)
        return description

    def clean_deadline_at(self) -> datetime | None:
        moment: datetime | None = self.cleaned_data["deadline_at"]
        if moment is not None:
            now = timezone.now()
            if moment <= now:
                raise forms.ValidationError("The deadline must be in the future.")
            if moment > now + timedelta(days=366):
                raise forms.ValidationError("The deadline may be at most a year away.")
        return moment

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        task_type = cleaned.get("task_type")
        if task_type:
            detail = self.TYPE_DETAIL_FIELDS[task_type]
            if detail not in self.errors and cleaned.get(detail) in (None, ""):
                self.add_error(detail, f"Say the {self.fields[detail].label.lower()} of this task.")  # type: ignore[union-attr]
        difficulty, reward = cleaned.get("difficulty"), cleaned.get("reward")
        if difficulty and reward is not None:
            low, high = REWARD_RANGES[difficulty]
            if not low <= reward <= high:
                self.add_error("reward", f"A {difficulty} task's reward is {reward_range_text(difficulty)}.")
        stake = cleaned.get("stake_required")
        if stake is not None and reward is not None and stake > reward // 2:
            self.add_error(
                "stake_required",
                f"The stake required may be at most half the reward ({tos_text(reward // 2)} TOS).",
            )
        if cleaned.get("deadline_hours") is not None and cleaned.get("deadline_at") is not None:
            self.add_error("deadline_at", "Give the deadline in hours or as a date, not both.")
        verification = cleaned.get("verification")
        if (
            verification == "PeerReview"
            and "required_reviewers" not in self.errors
            and cleaned.get("required_reviewers") is None
        ):
            self.add_error("required_reviewers", "Say how many reviewers each submission needs.")
        if (
            verification == "ExpertReview"
            and "expert_count" not in self.errors
            and cleaned.get("expert_count") is None
        ):
            self.add_error("expert_count", "Say how many experts each submission needs.")
        return cleaned

    def draft(self) -> services.TaskDraft:
        """The cleaned form as a task draft for `services.publish_task`."""
        data = self.cleaned_data
        return services.TaskDraft(
            title=data["title"],
            description=data["description"],
            task_type=data["task_type"],
            type_detail=data.get(self.TYPE_DETAIL_FIELDS[data["task_type"]]),
            difficulty=data["difficulty"],
            reward=data["reward"],
            stake_required=data["stake_required"],
            deadline=data["deadline_at"],
            deadline_hours=data["deadline_hours"],
            max_participants=data["max_participants"],
            verification=data["verification"],
            required_reviewers=data["required_reviewers"],
            consensus_threshold=data["consensus_threshold"],
            expert_count=data["expert_count"],
            quality_threshold=data["quality_threshold"],
        )


class TaskFilterForm(forms.Form):
    """The task browser's filters, read from the query string."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Words in the title or description"}),
    )
    task_type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "Any type"), *PublishTaskForm.base_fields["task_type"].choices],  # type: ignore[attr-defined]
    )
    difficulty = forms.ChoiceField(
        label="Difficulty",
        required=False,
        choices=[("", "Any difficulty"), *((d, d) for d in DIFFICULTY_LEVELS)],
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("active", "Active"), ("", "Any status"), *Task.Status.choices],
        initial="active",
    )
    min_reward = TosAmountField(label="Reward from (TOS)", required=False)
    max_reward = TosAmountField(label="to (TOS)", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[("newest", "Newest"), ("reward", "Highest reward"), ("deadline", "Nearest deadline")],
    )

    def filters(self) -> services.TaskFilters:
        """The filters to apply: the defaults when the form is empty or invalid."""
        if not self.is_bound or not self.is_valid():
            return services.TaskFilters()
        data = self.cleaned_data
        return services.TaskFilters(
            search=data["q"],
            task_type=data["task_type"],
            difficulty=data["difficulty"],
            status=data["status"] if "status" in self.data else "active",
            min_reward=data["min_reward"],
            max_reward=data["max_reward"],
            sort=data["sort"] or "newest",
        )


TASK_TYPE_CHOICES = PublishTaskForm.base_fields["task_type"].choices  # type: ignore[attr-defined]
