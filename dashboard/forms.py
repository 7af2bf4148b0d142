"""Forms: every input a person types is parsed and checked here, with errors next to the field."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.models import User
from django.utils import timezone

from dashboard import services
from dashboard.models import Profile, Task
from tos_ai import ATOMIC_PER_TOS, TaskSolution
from tos_ai.models import DIFFICULTY_LEVELS, REWARD_RANGES


class RolesForm(forms.ModelForm[Profile]):
    class Meta:
        model = Profile
        fields = ("is_publisher", "is_miner", "is_validator")
        labels = {"is_publisher": "Publisher", "is_miner": "Miner", "is_validator": "Validator"}
        help_texts = {
            "is_publisher": "Post paid tasks and follow them to completion.",
            "is_miner": "Stake on tasks and submit solutions, by hand or with auto-mining.",
            "is_validator": "Score other miners' solutions from a review queue.",
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(name) for name in self.Meta.fields):
            raise forms.ValidationError("Choose at least one role.")
        return cleaned


class SignupForm(UserCreationForm[User]):
    is_publisher = forms.BooleanField(label="Publisher", required=False, initial=True)
    is_miner = forms.BooleanField(label="Miner", required=False)
    is_validator = forms.BooleanField(label="Validator", required=False)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(name) for name in ("is_publisher", "is_miner", "is_validator")):
            raise forms.ValidationError("Choose at least one role.")
        return cleaned


class LoginForm(AuthenticationForm):
    """Django's login form; the view adds the rate limit."""


class ImportKeyForm(forms.Form):
    private_key = forms.CharField(
        label="Private key",
        help_text="The account's 32-byte ed25519 seed as 64 hex characters. It is stored encrypted and never shown again.",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
        strip=True,
    )

    def clean_private_key(self) -> str:
        value = self.cleaned_data["private_key"].removeprefix("0x")
        if len(value) != 64 or any(c not in "0123456789abcdefABCDEF" for c in value):
            raise forms.ValidationError("A private key is 64 hexadecimal characters (0-9, a-f).")
        return value.lower()


# --- tasks -------------------------------------------------------------------------------------

_TOS_AMOUNT = re.compile(r"[0-9]{1,12}(?:\.[0-9]*)?|\.[0-9]+")


def reward_range_text(difficulty: str) -> str:
    low, high = REWARD_RANGES[difficulty]
    return f"{_tos(low)} to {_tos(high)} TOS"


def _tos(atomic: int) -> str:
    whole, fraction = divmod(atomic, ATOMIC_PER_TOS)
    return f"{whole:,}" + (f".{fraction:08d}".rstrip("0") if fraction else "")


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
        atomic = Decimal(text).scaleb(8)
        if atomic != atomic.to_integral_value():
            raise forms.ValidationError("TOS amounts have at most 8 decimals.", code="decimals")
        return int(atomic)


class PublishTaskForm(forms.Form):
    """Every field of `task_data`, with the node's rules checked here too (the node still decides)."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    title = forms.CharField(max_length=200, help_text="What the task is about, in a line.")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        strip=True,
        help_text="What a solution must do: 10 to 2048 bytes.",
    )
    task_type = forms.ChoiceField(
        label="Task type",
        choices=[
            ("CodeAnalysis", "Code analysis"),
            ("SecurityAudit", "Security audit"),
            ("DataAnalysis", "Data analysis"),
            ("AlgorithmOptimization", "Algorithm optimization"),
            ("LogicReasoning", "Logic reasoning"),
            ("GeneralTask", "General task"),
        ],
    )
    language = forms.CharField(
        label="Language", max_length=64, required=False, help_text="For code analysis, e.g. rust."
    )
    scope = forms.CharField(
        label="Scope", max_length=64, required=False, help_text="For a security audit, e.g. SmartContract."
    )
    data_type = forms.CharField(
        label="Data type", max_length=64, required=False, help_text="For data analysis, e.g. TimeSeries."
    )
    domain = forms.CharField(
        label="Domain",
        max_length=64,
        required=False,
        help_text="For algorithm optimization, e.g. graph search.",
    )
    complexity = forms.IntegerField(
        label="Complexity",
        min_value=1,
        max_value=10,
        required=False,
        help_text="For logic reasoning: 1 to 10.",
    )
    category = forms.CharField(
        label="Category", max_length=64, required=False, help_text="For a general task, e.g. writing."
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
        label="Deadline in hours from now", min_value=1, max_value=366 * 24, required=False
    )
    deadline_at = forms.DateTimeField(
        label="or a deadline date and time (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text="Leave both empty for the difficulty's default (1, 3, 7 or 14 days).",
    )
    max_participants = forms.IntegerField(label="Max participants", min_value=1, max_value=1000, initial=10)
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
        max_value=20,
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
        max_value=20,
        initial=2,
        required=False,
        help_text="For expert review: validations each submission needs.",
    )
    quality_threshold = forms.IntegerField(
        label="Quality threshold",
        min_value=0,
        max_value=100,
        initial=70,
        help_text="A submission passes at or above this score (0 to 100).",
    )

    #: The detail field each task type uses.
    TYPE_DETAIL_FIELDS = services.TASK_TYPE_DETAILS
    #: Node field names (`data.field`, last part of its path) and the form field that entered them.
    NODE_FIELDS = {
        "reward_amount": "reward",
        "difficulty_level": "difficulty",
        "deadline": "deadline_at",
        "verification_type": "verification",
        **{detail: detail for detail in services.TASK_TYPE_DETAILS.values()},
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())

    def clean_description(self) -> str:
        description: str = self.cleaned_data["description"]
        size = len(description.encode("utf-8"))
        if size < 10:
            raise forms.ValidationError("Describe the task in at least 10 bytes.")
        if size > 2048:
            raise forms.ValidationError(f"The description is {size} bytes; at most 2048 are allowed.")
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
                f"The stake required may be at most half the reward ({_tos(reward // 2)} TOS).",
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

    def add_node_problem(self, message: str, node_field: str | None) -> None:
        """Show a node refusal next to the field it names (`task_data.reward_amount` → reward), else on top."""
        name = (node_field or "").split(".")[-1]
        field = self.NODE_FIELDS.get(name, name)
        self.add_error(field if field in self.fields else None, message)


class TaskFilterForm(forms.Form):
    """The task browser's filters, read from the query string."""

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
            task_type=data["task_type"],
            difficulty=data["difficulty"],
            status=data["status"] if "status" in self.data else "active",
            min_reward=data["min_reward"],
            max_reward=data["max_reward"],
            sort=data["sort"] or "newest",
        )


# --- mining ------------------------------------------------------------------------------------

_TASK_TYPE_CHOICES = PublishTaskForm.base_fields["task_type"].choices  # type: ignore[attr-defined]


class MiningPreferencesForm(forms.Form):
    """Which tasks the miner wants offered; nothing ticked means any."""

    task_types = forms.MultipleChoiceField(
        label="Task types",
        choices=_TASK_TYPE_CHOICES,
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


class ParticipateForm(forms.Form):
    """The stake to lock, typed in TOS, within the task's bounds (the node checks them again)."""

    stake = TosAmountField(label="Stake (TOS)")

    NODE_FIELDS = {"stake_amount": "stake", "task_id": None}

    def __init__(self, *args: Any, bounds: tuple[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.low, self.high = bounds
        self.fields[
            "stake"
        ].help_text = f"Between {_tos(self.low)} and {_tos(self.high)} TOS; locked until the task completes."
        if not self.is_bound:
            self.initial.setdefault("stake", _tos(self.low).replace(",", ""))

    def clean_stake(self) -> int:
        stake: int = self.cleaned_data["stake"]
        if not self.low <= stake <= self.high:
            raise forms.ValidationError(
                f"The stake must be between {_tos(self.low)} and {_tos(self.high)} TOS."
            )
        return stake

    def add_node_problem(self, message: str, node_field: str | None) -> None:
        name = (node_field or "").split(".")[-1]
        self.add_error("stake" if name in ("stake_amount", "stake", "balance") else None, message)


#: A whole solution, as JSON, may be at most this many bytes (the node's rule).
MAX_SOLUTION_BYTES = 64 * 1024


class SolutionForm(forms.Form):
    """A solution: content (required), code, documentation and test results."""

    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), help_text="Your answer: at least 10 bytes."
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
        if len(content.encode("utf-8")) < 10:
            raise forms.ValidationError("Write at least 10 bytes of content.")
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
                raise forms.ValidationError(
                    f"The whole solution is {size:,} bytes; at most {MAX_SOLUTION_BYTES:,} are allowed."
                )
        return cleaned

    def add_node_problem(self, message: str, node_field: str | None) -> None:
        """Show a node refusal next to the field it names (`solution_data.content` → content), else on top."""
        name = (node_field or "").split(".")[-1]
        self.add_error(name if name in self.fields else None, message)


class ApproveForm(forms.Form):
    score = forms.IntegerField(
        label="Score",
        min_value=0,
        max_value=100,
        help_text="0 to 100; the task's passing score is shown above.",
    )
    reasoning = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, help_text="Why this score."
    )

    def verdict(self) -> services.Verdict:
        return services.Verdict(True, self.cleaned_data["score"], self.cleaned_data["reasoning"])


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Why it is rejected (spam, off-topic, empty). A rejection scores 0.",
    )

    def verdict(self) -> services.Verdict:
        return services.Verdict(False, 0, self.cleaned_data["reason"])


def add_review_problem(form: forms.Form, message: str, node_field: str | None) -> None:
    """A node refusal of a review, next to the score or reasoning when the node named one."""
    name = (node_field or "").split(".")[-1]
    field = {"quality_score": "score", "reasoning": "reasoning", "reason": "reason"}.get(name)
    form.add_error(field if field in form.fields else None, message)


_SUBMISSION_REF = re.compile(r"[0-9a-f]{64}:[0-9a-f]{64}")


class SubmissionRefsField(forms.MultipleChoiceField):
    """Checked submissions as "task_id:submission_id"; any well-formed pair is accepted (the service decides)."""

    def valid_value(self, value: str) -> bool:
        return bool(_SUBMISSION_REF.fullmatch(value))


class BulkRejectForm(forms.Form):
    submissions = SubmissionRefsField(
        label="Submissions", error_messages={"required": "Tick the submissions to reject."}
    )
    reason = forms.CharField(
        max_length=2000, help_text="One reason for every ticked submission, e.g. spam or empty."
    )

    def refs(self) -> list[tuple[str, str]]:
        pairs = (value.split(":", 1) for value in self.cleaned_data["submissions"])
        return list(dict.fromkeys((task_id, submission_id) for task_id, submission_id in pairs))


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


# --- auto-mining ---------------------------------------------------------------------------------


class AutoMiningForm(forms.Form):
    """The stored auto-mining settings. The API key is write-only: empty keeps the stored one."""

    target_difficulties = forms.MultipleChoiceField(
        label="Difficulties",
        choices=[(level, level) for level in DIFFICULTY_LEVELS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked takes every difficulty your reputation unlocks.",
    )
    task_types = forms.MultipleChoiceField(
        label="Task types",
        choices=_TASK_TYPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked takes every type.",
    )
    max_concurrent_tasks = forms.IntegerField(
        label="Tasks at once", min_value=1, max_value=100, help_text="Joined, unfinished tasks at most."
    )
    min_success_probability = forms.DecimalField(
        label="Minimum chance of winning",
        min_value=Decimal(0),
        max_value=Decimal(1),
        decimal_places=4,
        help_text="0 to 1 (0.3 is 30%): from the difficulty, your reputation, rivals and your own wins.",
    )
    min_time_left = forms.IntegerField(
        label="Minimum time left (seconds)",
        min_value=0,
        max_value=30 * 86400,
        help_text="Skip tasks closer to their deadline.",
    )
    check_interval = forms.IntegerField(
        label="Check every (seconds)",
        min_value=10,
        max_value=86400,
        help_text="A scan as a fallback; a newly published task is looked at within seconds anyway.",
    )
    auto_submit = forms.BooleanField(label="Submit solutions automatically", required=False)
    stake_fraction = forms.DecimalField(
        label="Stake (fraction of the reward)",
        min_value=Decimal(0),
        max_value=Decimal(1),
        decimal_places=4,
        help_text="0 to 1; kept within the task's bounds (reward/10 to reward/2, at least its minimum stake).",
    )
    max_locked_stake = TosAmountField(
        label="Most stake locked at once (TOS)", required=False, help_text="Empty: no cap."
    )
    max_stake_per_day = TosAmountField(
        label="Most new stake per day (TOS)", required=False, help_text="Over any 24 hours. Empty: no cap."
    )
    solver_kind = forms.ChoiceField(
        label="Solver",
        choices=[
            ("offline", "Built-in offline drafter (devnet; labels its answers as drafted offline)"),
            ("openai", "OpenAI-compatible chat completions (OpenAI, vLLM, Ollama, llama.cpp)"),
            ("anthropic", "Anthropic Messages API"),
        ],
    )
    solver_base_url = forms.URLField(
        label="Base URL",
        required=False,
        assume_scheme="https",
        help_text="OpenAI-compatible: e.g. https://api.openai.com/v1 or http://localhost:11434/v1. "
        "Anthropic: empty means https://api.anthropic.com.",
    )
    solver_model = forms.CharField(label="Model", max_length=200, required=False)
    api_key = forms.CharField(
        label="API key",
        required=False,
        strip=True,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Stored encrypted and never shown again. Leave empty to keep the stored key.",
    )
    remove_api_key = forms.BooleanField(label="Remove the stored API key", required=False)

    def __init__(self, *args: Any, has_api_key: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_api_key = has_api_key

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("solver_kind")
        keeps_key = (self.has_api_key and not cleaned.get("remove_api_key")) or bool(cleaned.get("api_key"))
        if kind == "openai":
            if not cleaned.get("solver_base_url"):
                self.add_error("solver_base_url", "An OpenAI-compatible solver needs the service's base URL.")
            if not cleaned.get("solver_model"):
                self.add_error("solver_model", "Name the model to ask, e.g. gpt-4o-mini or llama3.1.")
        if kind == "anthropic":
            if not cleaned.get("solver_model"):
                self.add_error("solver_model", "Name the model to ask, e.g. claude-sonnet-4-5.")
            if not keeps_key:
                self.add_error("api_key", "The Anthropic API needs an API key.")
        return cleaned

    def values(self) -> dict[str, Any]:
        """The settings to store (everything but the key fields)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("api_key", "remove_api_key")
        }


class AutoMiningToggleForm(forms.Form):
    enabled = forms.BooleanField(required=False)
