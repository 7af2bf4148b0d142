"""The operators' admin: what people configured, what the node told us, what auto-mining did.

Almost everything is read-only. The rows are copies of the node's state (tasks, events, credits) or are
changed only through services that keep their side effects together (roles stop auto-mining, the toggle
keeps the beat schedule, participations move through a lease-guarded state machine); editing them here
would skip those. The one change offered, turning a miner's auto-mining off, goes through the service.
Secrets (encrypted keys) are never shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from dashboard.amounts import tos_text
from dashboard.models import (
    AutoMiningConfig,
    AutoMiningRun,
    AutoMiningStep,
    AutoParticipation,
    Credit,
    NodeAccount,
    NodeEvent,
    Profile,
    PublishRequest,
    RelayCursor,
    Task,
    UnstoredEvent,
)
from dashboard.services import autoconfig


class ReadOnly(BaseModelAdmin[Any]):
    """Lists and detail pages for staff with the view permission; no add, change or delete.

    Every field shown is read-only, so no form field is built for it (non-editable ones included)."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        hidden = set(self.exclude or ())
        shown = self.fields or [
            field.name
            for field in self.model._meta.fields
            if field.name not in hidden and not field.primary_key
        ]
        return (*shown, *self.readonly_fields)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin[Any]):
    pass


class ReadOnlyInline(ReadOnly, admin.TabularInline[Any, Any]):
    extra = 0
    show_change_link = True


def tos_column(field: str, label: str) -> Any:
    """A list column showing an atomic amount as TOS."""

    @admin.display(description=label, ordering=field)
    def column(self: admin.ModelAdmin[Any], obj: Model) -> str:
        return tos_text(int(getattr(obj, field)))

    return column


# --- people ---------------------------------------------------------------------------------------


class ProfileInline(ReadOnly, admin.StackedInline[Profile, User]):
    model = Profile
    can_delete = False
    fields = ("is_publisher", "is_miner", "is_validator", "mining_task_types", "mining_difficulties")


class NodeAccountInline(ReadOnly, admin.StackedInline[NodeAccount, User]):
    model = NodeAccount
    can_delete = False
    fields = ("address", "origin", "registered_miner", "created_at")


admin.site.unregister(User)


@admin.register(User)
class DashboardUserAdmin(UserAdmin[User]):
    """Django's user admin (passwords, staff flags, deactivation) with the dashboard's roles and account."""

    inlines = (ProfileInline, NodeAccountInline)
    list_display = ("username", "roles", "address", "is_active", "is_staff", "last_login", "date_joined")
    list_select_related = ("profile", "node_account")

    @admin.display(description="roles")
    def roles(self, user: User) -> str:
        profile = getattr(user, "profile", None)
        return ", ".join(profile.roles) if profile is not None else ""

    @admin.display(description="node account")
    def address(self, user: User) -> str:
        account = getattr(user, "node_account", None)
        return account.address if account is not None else ""


@admin.register(NodeAccount)
class NodeAccountAdmin(ReadOnlyAdmin):
    list_display = ("address", "user", "origin", "registered_miner", "created_at")
    list_filter = ("origin", "registered_miner")
    search_fields = ("address", "user__username")
    list_select_related = ("user",)
    fields = ("user", "address", "origin", "registered_miner", "created_at")  # never the encrypted key


# --- the node's state, as the dashboard keeps it ------------------------------------------------------


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "task_id",
        "status",
        "difficulty",
        "task_kind",
        "reward",
        "participants_count",
        "submissions_count",
        "deadline",
        "publisher",
    )
    list_filter = ("status", "difficulty", "task_kind")
    search_fields = ("task_id", "title", "publisher")
    date_hierarchy = "created_at"
    reward = tos_column("reward_amount", "reward (TOS)")


@admin.register(PublishRequest)
class PublishRequestAdmin(ReadOnlyAdmin):
    list_display = ("token", "user", "state", "task_id", "created_at")
    list_filter = ("state",)
    search_fields = ("task_id", "user__username", "error")
    list_select_related = ("user",)


@admin.register(NodeEvent)
class NodeEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "name", "task_id", "topoheight", "timestamp", "received_at")
    list_filter = ("name",)
    search_fields = ("task_id", "=seq")
    date_hierarchy = "timestamp"
    show_full_result_count = False  # a COUNT(*) over the whole log on every page is not worth it


@admin.register(UnstoredEvent)
class UnstoredEventAdmin(ReadOnlyAdmin):
    """Events the relay set aside because no column holds them (/healthz counts them)."""

    list_display = ("seq", "error", "received_at")
    search_fields = ("=seq", "error", "raw")


@admin.register(RelayCursor)
class RelayCursorAdmin(ReadOnlyAdmin):
    """How far the relay has sent the stored events to the pages."""

    list_display = ("seq",)


@admin.register(Credit)
class CreditAdmin(ReadOnlyAdmin):
    list_display = ("paid_at", "recipient", "amount_tos", "reward_type", "reason", "task_id")
    list_filter = ("reward_type",)
    search_fields = ("recipient", "task_id")
    date_hierarchy = "paid_at"
    amount_tos = tos_column("amount", "amount (TOS)")


# --- auto-mining ------------------------------------------------------------------------------------


@admin.register(AutoMiningConfig)
class AutoMiningConfigAdmin(ReadOnlyAdmin):
    list_display = (
        "user",
        "enabled",
        "solver_kind",
        "max_concurrent_tasks",
        "stake_fraction",
        "check_interval",
        "last_error_at",
        "updated_at",
    )
    list_filter = ("enabled", "solver_kind", "auto_submit")
    search_fields = ("user__username", "last_error")
    list_select_related = ("user",)
    exclude = ("encrypted_api_key",)
    readonly_fields = ("has_api_key",)
    actions = ("turn_off",)

    @admin.action(description="Turn auto-mining off for the selected miners", permissions=["turn_off"])
    def turn_off(self, request: HttpRequest, queryset: QuerySet[AutoMiningConfig]) -> None:
        configs = list(queryset.filter(enabled=True).select_related("user"))
        for config in configs:
            autoconfig.set_enabled(config.user, False)
        self.message_user(request, f"Auto-mining turned off for {len(configs)} miner(s).", messages.SUCCESS)

    def has_turn_off_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("dashboard.change_autominingconfig"))


class AutoMiningStepInline(ReadOnlyInline):
    model = AutoMiningStep
    fields = ("at", "level", "task_id", "message")
    show_change_link = False


class AutoParticipationInline(ReadOnlyInline):
    model = AutoParticipation
    fields = ("task_id", "title", "state", "stake", "attempts", "error")


@admin.register(AutoMiningRun)
class AutoMiningRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "trigger", "state", "started_at", "finished_at", "summary")
    list_filter = ("state", "trigger")
    search_fields = ("user__username", "summary", "error")
    list_select_related = ("user",)
    date_hierarchy = "started_at"
    inlines = (AutoMiningStepInline, AutoParticipationInline)


@admin.register(AutoParticipation)
class AutoParticipationAdmin(ReadOnlyAdmin):
    list_display = ("task_id", "title", "user", "state", "stake_tos", "attempts", "lease_until", "updated_at")
    list_filter = ("state",)
    search_fields = ("task_id", "title", "user__username", "error")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    stake_tos = tos_column("stake", "stake (TOS)")
