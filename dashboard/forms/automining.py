"""The auto-mining settings form (the solver's API key is write-only) and the on/off toggle."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from dashboard import egress
from dashboard.forms.tasks import TASK_TYPE_CHOICES, TosAmountField
from tos_ai import DIFFICULTY_LEVELS


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
        choices=TASK_TYPE_CHOICES,
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
        if kind in ("openai", "anthropic") and cleaned.get("solver_base_url"):
            try:
                egress.check_url(cleaned["solver_base_url"])  # and again at every call
            except egress.ForbiddenTarget as exc:
                self.add_error("solver_base_url", f"{str(exc)[0].upper()}{str(exc)[1:]}.")
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
