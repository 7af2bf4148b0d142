"""Forms: every input a person types is parsed and checked here, with errors next to the field."""

from __future__ import annotations

from dashboard.forms.accounts import (
    ImportKeyForm,
    KeyDownloadForm,
    LoginForm,
    RolesForm,
    SignupForm,
    UnlinkForm,
)
from dashboard.forms.automining import AutoMiningForm, AutoMiningToggleForm
from dashboard.forms.mining import (
    ApproveForm,
    BulkReviewForm,
    MiningPreferencesForm,
    ParticipateForm,
    PeriodForm,
    RejectForm,
    ReviewTabForm,
    SolutionForm,
)
from dashboard.forms.tasks import PublishTaskForm, TaskFilterForm, TosAmountField, reward_range_text

__all__ = [
    "ApproveForm",
    "AutoMiningForm",
    "AutoMiningToggleForm",
    "BulkReviewForm",
    "ImportKeyForm",
    "KeyDownloadForm",
    "LoginForm",
    "MiningPreferencesForm",
    "ParticipateForm",
    "PeriodForm",
    "PublishTaskForm",
    "RejectForm",
    "ReviewTabForm",
    "RolesForm",
    "SignupForm",
    "SolutionForm",
    "TaskFilterForm",
    "TosAmountField",
    "UnlinkForm",
    "reward_range_text",
]
