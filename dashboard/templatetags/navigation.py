"""The main navigation, grouped by role: which groups and links a person sees, and which one they are on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse

from dashboard.services.notifications import unread_count

register = template.Library()


@dataclass(frozen=True)
class Link:
    name: str
    url: str
    current: bool


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    links: list[Link]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


@dataclass(frozen=True)
class Page:
    """A link of the navigation: its words, its URL name, the other pages it stands for, who sees it."""

    text: str
    name: str
    also: tuple[str, ...] = ()
    #: Seen only by people with one of these roles (empty: by everyone the group is shown to).
    roles: tuple[str, ...] = ()
    public: bool = False


#: (group key, label, roles that see it (empty: everyone), its pages).
GROUPS: list[tuple[str, str, tuple[str, ...], list[Page]]] = [
    (
        "publish",
        "Publish",
        ("publisher",),
        [Page("Publish a task", "publish_task"), Page("My tasks", "my_tasks")],
    ),
    (
        "mine",
        "Mine",
        ("miner",),
        [
            Page("Tasks to mine", "mining_tasks", ("join_task", "submit_solution", "mining_preferences")),
            Page("Participations", "participations"),
            Page("Earnings", "mining_earnings"),
            Page("Auto-mining", "automining"),
            Page("Run history", "automining_runs", ("automining_run",)),
        ],
    ),
    (
        "validate",
        "Validate",
        ("validator",),
        [
            Page("Review queue", "review_queue", ("review_submission", "bulk_review")),
            Page("Validation earnings", "validation_earnings"),
        ],
    ),
    (
        "network",
        "Network",
        (),
        [
            Page("At a glance", "network", ("public_profile",), public=True),
            Page("All tasks", "task_list", ("task_detail",), public=True),
            Page("Leaderboards", "leaderboard", public=True),
            Page("Live feed", "feed"),
        ],
    ),
    (
        "account",
        "Account",
        (),
        [
            Page("Notifications", "notifications"),
            Page("Notification settings", "notification_settings"),
            Page("Wallet", "wallet", ("wallet_generate", "wallet_import", "wallet_key", "wallet_unlink")),
            Page("Reputation", "reputation", roles=("miner", "validator")),
            Page("Time zone", "preferences"),
            Page("Roles and password", "roles", ("password_change", "password_change_done")),
        ],
    ),
]


@register.simple_tag(takes_context=True)
def nav_groups(context: template.Context) -> list[Group]:
    """The groups the person sees (by role; logged out: the public pages), with the current page marked."""
    request = context.get("request")
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    roles: list[str] = list(context.get("nav_roles") or [])
    match = getattr(request, "resolver_match", None)
    here = match.url_name if match is not None else ""
    groups = []
    for key, label, needs, pages in GROUPS:
        if needs and not (signed_in and any(role in roles for role in needs)):
            continue
        shown = [
            Link(page.text, reverse(page.name), here == page.name or here in page.also)
            for page in pages
            if (signed_in or page.public) and (not page.roles or any(role in roles for role in page.roles))
        ]
        if shown:
            groups.append(Group(key, label, shown))
    return groups


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    """How many of the person's notifications are unread (the header's count)."""
    user: Any = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(int(user.pk))
