"""Python client for a TOS node's AI-mining API (async `TOSAIClient`, blocking `Client`).

    async with TOSAIClient("http://localhost:8545") as client:   # or TOS_NODE_URL, or localhost:8545
        tasks = await client.list_active_tasks()

Start with `help(tos_ai.TOSAIClient)` / `help(tos_ai.Client)`; errors are `NodeError` subclasses, one
per refusal the node can give. The protocol's rules: `client.get_rules()` (the node's, typed `Rules`)
and `tos_ai.rules` (the same as constants). Importable without Django. See docs/client.md.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from tos_ai.aio import AsyncBatch, AsyncEventStream, TOSAIClient
from tos_ai.batch import BatchResult
from tos_ai.bech32 import decode_address, encode_address, is_address, normalize_address
from tos_ai.core import NO_RETRIES, READ_METHODS, RetryPolicy, Timeouts
from tos_ai.errors import (
    AlreadyDone,
    ChainReset,
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
    WrongChain,
    WrongPassphrase,
)
from tos_ai.methods import PendingSubmission, required_validations
from tos_ai.mining import AutoMiningReport, draft_offline_solution, estimate_success_probability
from tos_ai.models import (
    AutoMiningConfig,
    TaskSolution,
    format_tos,
    normalize_task_type,
    parse_amount,
    to_atomic,
)
from tos_ai.records import (
    DevAccount,
    Event,
    EventsPage,
    MinerStats,
    NetworkInfo,
    Participation,
    PublishedTask,
    Record,
    Rules,
    SubmissionReceipt,
    TaskDetails,
    TaskSummary,
    ValidationReceipt,
)
from tos_ai.rules import (
    ATOMIC_PER_TOS,
    DIFFICULTY_LEVELS,
    EVENT_NAMES,
    MAX_SUPPLY,
    REWARD_RANGES,
    TASK_TYPE_DETAILS,
    difficulty_rank,
)
from tos_ai.sync import Client, EventStream, SyncBatch
from tos_ai.wallet import Wallet

try:
    __version__ = version("tos-ai")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "ATOMIC_PER_TOS",
    "DIFFICULTY_LEVELS",
    "EVENT_NAMES",
    "MAX_SUPPLY",
    "NO_RETRIES",
    "READ_METHODS",
    "REWARD_RANGES",
    "TASK_TYPE_DETAILS",
    "AlreadyDone",
    "AsyncBatch",
    "AsyncEventStream",
    "AutoMiningConfig",
    "AutoMiningReport",
    "BatchResult",
    "ChainReset",
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
    "Rules",
    "SubmissionReceipt",
    "SyncBatch",
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
    "WrongChain",
    "WrongPassphrase",
    "__version__",
    "decode_address",
    "difficulty_rank",
    "draft_offline_solution",
    "encode_address",
    "estimate_success_probability",
    "format_tos",
    "is_address",
    "normalize_address",
    "normalize_task_type",
    "parse_amount",
    "required_validations",
    "to_atomic",
]
