"""The only place that changes state, one module per area; views call these, these call the node.

The names used across the app are re-exported here, so callers write `services.publish_task(...)`.
"""

from __future__ import annotations

from dashboard.services.accounts import (
    AccountAlreadyLinked,
    AccountOverview,
    AddressTaken,
    account_overview,
    create_user,
    link_generated_account,
    link_imported_account,
    profile_for,
    register_miner,
)
from dashboard.services.tasks import (
    ACTIVE_STATUSES,
    MAX_DETAIL_REFRESHES,
    NODE_LIST_LIMIT,
    TASK_TYPE_DETAILS,
    PublishOutcome,
    TaskDraft,
    TaskFilters,
    TaskListing,
    TaskLookup,
    browse_tasks,
    cancel_task,
    my_tasks,
    publish_task,
    refresh_task,
    sync_task,
    sync_tasks,
)

__all__ = [
    "ACTIVE_STATUSES",
    "MAX_DETAIL_REFRESHES",
    "NODE_LIST_LIMIT",
    "TASK_TYPE_DETAILS",
    "AccountAlreadyLinked",
    "AccountOverview",
    "AddressTaken",
    "PublishOutcome",
    "TaskDraft",
    "TaskFilters",
    "TaskListing",
    "TaskLookup",
    "account_overview",
    "browse_tasks",
    "cancel_task",
    "create_user",
    "link_generated_account",
    "link_imported_account",
    "my_tasks",
    "profile_for",
    "publish_task",
    "refresh_task",
    "register_miner",
    "sync_task",
    "sync_tasks",
]
