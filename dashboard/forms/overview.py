"""Forms of the overview's pages: notification settings, the time zone, the live feed's filters."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms

from dashboard.models import Notification
from dashboard.services.deliveries import check_webhook_url
from dashboard.services.notifications import CHANNEL_WORDS, CHANNELS, channels_of
from dashboard.visibility import PRIVATE_EVENTS, PUBLIC_EVENTS


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone or zone == "UTC")
    return [("", "The browser's own time zone"), *((zone, zone.replace("_", " ")) for zone in zones)]


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Times on every page are shown in this zone; hover over a time to see it in UTC. "
        "CSV files stay in UTC.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()  # type: ignore[attr-defined]


def _field_name(kind: str) -> str:
    return f"kind_{kind}"


class NotificationSettingsForm(forms.Form):
    """For each kind of notification, where it goes; the e-mail address and the webhook's URL."""

    email = forms.EmailField(
        label="E-mail address",
        required=False,
        help_text="Where e-mails go. Leave empty to send none.",
    )
    webhook_url = forms.URLField(
        label="Webhook URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="We POST a signed JSON body here for the kinds you send to your webhook.",
    )

    def __init__(self, *args: Any, choices: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Notification.Kind.choices:
            self.fields[_field_name(kind)] = forms.MultipleChoiceField(
                label=label,
                required=False,
                choices=[(channel, CHANNEL_WORDS[channel]) for channel in CHANNELS],
                widget=forms.CheckboxSelectMultiple,
                initial=channels_of(choices or {}, kind),
            )

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[_field_name(kind)] for kind in Notification.Kind.values]

    def clean_webhook_url(self) -> str:
        url = str(self.cleaned_data.get("webhook_url") or "")
        if url:
            refusal = check_webhook_url(url)
            if refusal:
                raise forms.ValidationError(refusal)
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for kind in Notification.Kind.values:
            chosen = data.get(_field_name(kind)) or []
            if "email" in chosen and not data.get("email") and "email" not in self.errors:
                self.add_error("email", "Enter an e-mail address, or send no kind by e-mail.")
            if "webhook" in chosen and not data.get("webhook_url") and "webhook_url" not in self.errors:
                self.add_error("webhook_url", "Enter your webhook's URL, or send no kind to a webhook.")
        return data

    def chosen(self) -> dict[str, list[str]]:
        return {
            kind: list(self.cleaned_data.get(_field_name(kind)) or []) for kind in Notification.Kind.values
        }


#: The live feed's event types a person may filter on, in words.
FEED_TYPES: dict[str, str] = {
    "task_published": "Tasks published",
    "participant_joined": "Miners joining",
    "submission_received": "Submissions",
    "validation_completed": "Validations",
    "task_completed": "Tasks completed",
    "task_expired": "Tasks expired",
    "task_cancelled": "Tasks cancelled",
    "task_status_changed": "Status changes",
    "miner_registered": "Miners registering",
    "reward_distributed": "Rewards to me",
    "stake_slashed": "Slashes of my stake",
    "reputation_changed": "My reputation",
}
assert set(FEED_TYPES) == set(PUBLIC_EVENTS) | set(PRIVATE_EVENTS)


class FeedFilterForm(forms.Form):
    """Which events the live feed lists: some types only, and only those that concern me."""

    types = forms.MultipleChoiceField(
        label="Event types",
        required=False,
        choices=list(FEED_TYPES.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every type.",
    )
    mine = forms.BooleanField(label="Only what concerns me", required=False)

    def chosen_types(self) -> list[str]:
        if not self.is_bound or not self.is_valid():
            return []
        return list(self.cleaned_data["types"])

    def only_mine(self) -> bool:
        return bool(self.is_bound and self.is_valid() and self.cleaned_data["mine"])


class MarkReadForm(forms.Form):
    """Mark one notification read, or all of them when no id is given."""

    notification = forms.IntegerField(required=False, min_value=1)
