"""Python client for a TOS node's AI-mining API (async `TOSAIClient`, blocking `Client`).

Importable without Django. See docs/client.md.
"""

from __future__ import annotations

from tos_ai.aio import AsyncEventStream, TOSAIClient
from tos_ai.bech32 import decode_address, encode_address, is_address
from tos_ai.core import NO_RETRIES, READ_METHODS, RetryPolicy, Timeouts
from tos_ai.errors import (
    AlreadyDone,
    InsufficientFunds,
    InternalError,
    InvalidContent,
    InvalidParams,
    InvalidRequest,
    InvalidTaskState,
    MethodNotFound,
    NodeConnectionError,
    NodeError,
    NodeHTTPError,
    NodeResponseError,
    NodeRPCError,
    NodeTimeoutError,
    NonceMismatch,
    ParseError,
    PermissionDenied,
    RateLimited,
    ResyncRequired,
    TaskNotFound,
    UnknownObject,
    WalletError,
    WrongPassphrase,
)
from tos_ai.methods import PendingSubmission
from tos_ai.mining import AutoMiningReport, draft_offline_solution, estimate_success_probability
from tos_ai.models import ATOMIC_PER_TOS, AutoMiningConfig, TaskSolution, format_tos, to_atomic
from tos_ai.records import (
    DevAccount,
    Event,
    EventsPage,
    MinerStats,
    NetworkInfo,
    Participation,
    PublishedTask,
    Record,
    SubmissionReceipt,
    TaskDetails,
    TaskSummary,
    ValidationReceipt,
)
from tos_ai.sync import Client, EventStream
from tos_ai.wallet import Wallet

__all__ = [
    "ATOMIC_PER_TOS",
    "NO_RETRIES",
    "READ_METHODS",
    "AlreadyDone",
    "AsyncEventStream",
    "AutoMiningConfig",
    "AutoMiningReport",
    "Client",
    "DevAccount",
    "Event",
    "EventStream",
    "EventsPage",
    "InsufficientFunds",
    "InternalError",
    "InvalidContent",
    "InvalidParams",
    "InvalidRequest",
    "InvalidTaskState",
    "MethodNotFound",
    "MinerStats",
    "NetworkInfo",
    "NodeConnectionError",
    "NodeError",
    "NodeHTTPError",
    "NodeRPCError",
    "NodeResponseError",
    "NodeTimeoutError",
    "NonceMismatch",
    "ParseError",
    "Participation",
    "PendingSubmission",
    "PermissionDenied",
    "PublishedTask",
    "RateLimited",
    "Record",
    "ResyncRequired",
    "RetryPolicy",
    "SubmissionReceipt",
    "TOSAIClient",
    "TaskDetails",
    "TaskNotFound",
    "TaskSolution",
    "TaskSummary",
    "Timeouts",
    "UnknownObject",
    "ValidationReceipt",
    "Wallet",
    "WalletError",
    "WrongPassphrase",
    "decode_address",
    "draft_offline_solution",
    "encode_address",
    "estimate_success_probability",
    "format_tos",
    "is_address",
    "to_atomic",
]
