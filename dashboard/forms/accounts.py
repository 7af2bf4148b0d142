"""Forms of accounts and wallets: sign-up, login, roles, importing a key."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.models import User

from dashboard.models import Profile

#: What each role lets a person do, in the same words on the sign-up and account pages.
ROLE_HELP = {
    "is_publisher": "Post paid tasks and follow them to completion.",
    "is_miner": "Stake on tasks and submit solutions, by hand or with auto-mining.",
    "is_validator": "Score other miners' solutions from a review queue.",
}


class RolesForm(forms.ModelForm[Profile]):
    class Meta:
        model = Profile
        fields = ("is_publisher", "is_miner", "is_validator")
        labels = {"is_publisher": "Publisher", "is_miner": "Miner", "is_validator": "Validator"}
        help_texts = ROLE_HELP

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(name) for name in self.Meta.fields):
            raise forms.ValidationError("Choose at least one role.")
        return cleaned


class SignupForm(UserCreationForm[User]):
    is_publisher = forms.BooleanField(
        label="Publisher", required=False, initial=True, help_text=ROLE_HELP["is_publisher"]
    )
    is_miner = forms.BooleanField(label="Miner", required=False, help_text=ROLE_HELP["is_miner"])
    is_validator = forms.BooleanField(label="Validator", required=False, help_text=ROLE_HELP["is_validator"])

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


class KeyDownloadForm(forms.Form):
    """The passphrase the downloaded key file is encrypted with, typed twice."""

    passphrase = forms.CharField(
        label="Passphrase for the file",
        min_length=12,
        max_length=1000,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. Nobody can open the file without it, the dashboard included.",
    )
    passphrase_again = forms.CharField(
        label="The passphrase again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("passphrase") and cleaned.get("passphrase_again") != cleaned["passphrase"]:
            self.add_error("passphrase_again", "The two passphrases differ; type the same one twice.")
        return cleaned


class UnlinkForm(forms.Form):
    understood = forms.BooleanField(
        label="I have this account's key, or I will not need this account again",
        error_messages={"required": "Tick the box to say you have the key or will not need the account."},
    )
