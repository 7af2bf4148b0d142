"""Every JSON-RPC method: its parameter schema, its handler and what its result looks like.

The dispatcher (`devnode.node.Node.call`), the REST routes and the OpenRPC/OpenAPI documents all read
this one table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devnode import presenters, rules
from devnode.crypto import DEVNET_NETWORK
from devnode.errors import UNKNOWN_ENTITY, RpcError, invalid_params
from devnode.results import RESULTS
from devnode.schema import (
    Address,
    Amount,
    Custom,
    Enum,
    HashId,
    Int,
    Json,
    ListOf,
    Number,
    Obj,
    Prop,
    Schema,
    Str,
)

if TYPE_CHECKING:
    from devnode.node import Node

Handler = Callable[["Node", dict[str, Any], "str | None"], Any]

TASK_TYPE_NAMES = tuple(rules.TASK_TYPE_DETAILS)


def _parse_task_type(value: Any, path: str) -> dict[str, dict[str, Any]]:
    if isinstance(value, str) and value in rules.TASK_TYPE_DETAILS:
        return {value: {}}
    if isinstance(value, dict) and len(value) == 1:
        name, inner = next(iter(value.items()))
        if name in rules.TASK_TYPE_DETAILS and isinstance(inner, dict | None):
            inner = inner or {}
            key = rules.TASK_TYPE_DETAILS[name]
            for other in inner:
                if other != key:
                    raise invalid_params(
                        f"{path}.{name}.{other}", f"{name} has no '{other}' detail", "unknown_field"
                    )
            if key in inner:
                _DETAIL_SCHEMAS[key].parse(inner[key], f"{path}.{name}.{key}")
            return {name: dict(inner)}
    raise invalid_params(
        path,
        f'{path} must be one of {", ".join(TASK_TYPE_NAMES)}, as a string or as {{"Variant": {{detail}}}}',
        "task_type",
        allowed=list(TASK_TYPE_NAMES),
    )


_DETAIL_SCHEMAS: dict[str, Schema] = {
    key: (
        Int(minimum=rules.COMPLEXITY_RANGE[0], maximum=rules.COMPLEXITY_RANGE[1])
        if key == "complexity"
        else Str(max_chars=rules.DETAIL_MAX_CHARS)
    )
    for key in rules.TASK_TYPE_DETAILS.values()
}

_TASK_TYPE_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "enum": list(TASK_TYPE_NAMES)},
        *(
            {
                "type": "object",
                "properties": {
                    name: {
                        "type": "object",
                        "properties": {key: _DETAIL_SCHEMAS[key].json_schema()},
                        "additionalProperties": False,
                    }
                },
                "required": [name],
                "additionalProperties": False,
            }
            for name, key in rules.TASK_TYPE_DETAILS.items()
        ),
    ]
}


def _parse_verification(value: Any, path: str) -> tuple[Any, int]:
    """Returns (the stored form, how many validations a submission needs)."""
    if value == "Automatic" or value == {"Automatic": None} or value == {"Automatic": {}}:
        return "Automatic", 1
    if value == "PeerReview":
        value = {"PeerReview": {}}
    if value == "ExpertReview":
        value = {"ExpertReview": {}}
    if isinstance(value, dict) and len(value) == 1:
        name, inner = next(iter(value.items()))
        if name == "PeerReview" and isinstance(inner, dict):
            parsed = _PEER_REVIEW.parse(inner, f"{path}.PeerReview")
            reviewers = parsed.get("required_reviewers", 1)
            threshold = parsed.get("consensus_threshold", 0.67)
            return {
                "PeerReview": {"required_reviewers": reviewers, "consensus_threshold": threshold}
            }, reviewers
        if name == "ExpertReview" and isinstance(inner, dict):
            parsed = _EXPERT_REVIEW.parse(inner, f"{path}.ExpertReview")
            count = parsed.get("expert_count", 1)
            return {"ExpertReview": {"expert_count": count}}, count
    raise invalid_params(
        path,
        f'{path} must be "Automatic", {{"PeerReview": {{"required_reviewers", "consensus_threshold"}}}} '
        'or {"ExpertReview": {"expert_count"}}',
        "verification_type",
    )


_PEER_REVIEW = Obj(
    [
        Prop("required_reviewers", Int(minimum=1, maximum=rules.MAX_REVIEWERS)),
        Prop("consensus_threshold", Number("0 to 1", minimum=0, maximum=1)),
    ]
)
_EXPERT_REVIEW = Obj([Prop("expert_count", Int(minimum=1, maximum=rules.MAX_REVIEWERS))])
_VERIFICATION_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "enum": ["Automatic", "PeerReview", "ExpertReview"]},
        {
            "type": "object",
            "properties": {"PeerReview": _PEER_REVIEW.json_schema()},
            "required": ["PeerReview"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"ExpertReview": _EXPERT_REVIEW.json_schema()},
            "required": ["ExpertReview"],
            "additionalProperties": False,
        },
    ]
}

_APPROVE = Obj([Prop("quality_score", Int(), required=True), Prop("reasoning", Str(max_chars=8192))])
_REJECT = Obj([Prop("reason", Str(max_chars=8192)), Prop("evidence", Json())])


def _parse_validation_result(value: Any, path: str) -> dict[str, Any]:
    if value == "Reject":
        value = {"Reject": {}}
    if isinstance(value, dict) and len(value) == 1:
        name, inner = next(iter(value.items()))
        if name == "Approve":
            parsed = _APPROVE.parse(inner, f"{path}.Approve")
            return {
                "verdict": "Approve",
                "score": parsed["quality_score"],
                "reasoning": parsed.get("reasoning", ""),
            }
        if name == "Reject":
            parsed = _REJECT.parse(inner or {}, f"{path}.Reject")
            return {
                "verdict": "Reject",
                "score": 0,
                "reasoning": parsed.get("reason", ""),
                "evidence": parsed.get("evidence"),
            }
    raise invalid_params(
        path,
        f'{path} must be {{"Approve": {{"quality_score", "reasoning"}}}} or '
        '{"Reject": {"reason", "evidence"}}',
        "validation_result",
    )


_VALIDATION_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"Approve": _APPROVE.json_schema()},
            "required": ["Approve"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"Reject": _REJECT.json_schema()},
            "required": ["Reject"],
            "additionalProperties": False,
        },
    ]
}

TASK_ID = Prop("task_id", HashId(), required=True)

TASK_DATA = Obj(
    [
        Prop("title", Str(max_chars=4096)),
        Prop(
            "description", Str(max_chars=65536, description="10 to 2048 bytes (UTF-8); defaults to the title")
        ),
        Prop(
            "task_type",
            Custom(_parse_task_type, _TASK_TYPE_SCHEMA, "Externally tagged, or a bare variant name"),
            required=True,
        ),
        Prop(
            "difficulty_level",
            Enum(rules.DIFFICULTIES, "Defaults to the lowest level whose range holds the reward"),
        ),
        Prop("reward_amount", Amount("Atomic units, within the difficulty's range"), required=True),
        Prop("stake_required", Amount("Defaults to reward/10; at most reward/2")),
        Prop("deadline", Int(description="Unix seconds on the node's clock")),
        Prop(
            "deadline_hours",
            Number(
                "Hours from now (0 to 8784, a leap year); used when deadline is absent",
                minimum=0,
                maximum=rules.MAX_DEADLINE_DAYS * 24,
            ),
        ),
        Prop("max_participants", Int(description="1 to 1000; default 10")),
        Prop("verification_type", Custom(_parse_verification, _VERIFICATION_SCHEMA)),
        Prop("quality_threshold", Int(description="0 to 100; default 70")),
        # The REST flat form names the task type's detail beside it.
        *(Prop(key, schema) for key, schema in _DETAIL_SCHEMAS.items()),
    ],
    description="A task to publish; the reward moves from the publisher's balance into escrow.",
)

SOLUTION = Obj(
    [
        Prop("content", Str(description="At least 10 bytes (UTF-8)"), required=True),
        Prop("code", Str()),
        Prop("documentation", Str()),
        Prop("test_results", Json()),
        Prop("performance_metrics", Json()),
    ],
    description="The whole solution, as JSON, is at most 64 KiB.",
)

FILTERS = Obj(
    [
        Prop("task_type", Enum(TASK_TYPE_NAMES)),
        Prop("difficulty_level", Enum(rules.DIFFICULTIES)),
        Prop("min_reward", Amount()),
        Prop("publisher", Address()),
        Prop("status", Enum(rules.ACTIVE_STATUSES)),
    ]
)

LIST_PARAMS = Obj(
    [
        Prop("filters", FILTERS),
        Prop("sort_by", Enum(presenters.SORT_KEYS, "Default created_at")),
        Prop("sort_order", Enum(("asc", "desc"), "Default desc")),
        Prop("limit", Int(minimum=1, maximum=rules.MAX_PAGE_LIMIT, description="Default 50")),
        Prop("offset", Int(minimum=0)),
    ]
)

AUTH = Obj(
    [
        Prop("address", Address(), required=True),
        Prop("nonce", Int(minimum=0), required=True),
        Prop(
            "chain_id",
            Str(max_chars=64, description="The chain the request is signed for: get_info's chain_id"),
            required=True,
        ),
        Prop("signature", Str(max_chars=256, description="ed25519, hex"), required=True),
    ],
    description="Signature over canonical JSON of {chain_id, method, network, nonce, params without auth}.",
)


@dataclass
class Method:
    name: str
    summary: str
    params: Obj
    handler: Handler
    result: dict[str, Any] = field(default_factory=dict)  # its JSON Schema, from devnode.results
    caller: bool = False  # a write made by an account (from / auth)
    mutates: bool = False  # changes state, so it runs in a transaction
    dev: bool = False


# ----- handlers ---------------------------------------------------------------------------------------


def _network_info(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    return presenters.network_info(node.state)


def _list_active(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    return presenters.list_active_tasks(node.state, params)


def _task_details(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    state = node.state
    return presenters.task_details(state, state.get_task(params["task_id"]), state.now())


def _publish(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    assert caller is not None
    return node.state.publish_task(caller, params["task_data"], node.limiter)


def _register(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    assert caller is not None
    return node.state.register_miner(caller, params.get("miner_config", {}))


def _participate(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    assert caller is not None
    return node.state.participate(caller, params["task_id"], params.get("stake_amount"))


def _submit(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    assert caller is not None
    if "solution_data" in params and "solution" in params:
        raise invalid_params(
            "solution", "send the solution once, as solution_data or as solution", "duplicate"
        )
    field_name = "solution_data" if "solution_data" in params else "solution"
    if field_name not in params:
        raise invalid_params("solution_data", "solution_data is required", "required")
    return node.state.submit_solution(caller, params["task_id"], params[field_name], field_name, node.limiter)


def _validate(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    assert caller is not None
    return node.state.validate_submission(
        caller, params["task_id"], params["submission_id"], params["validation_result"], node.limiter
    )


def _cancel(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    assert caller is not None
    return node.state.cancel_task(caller, params["task_id"])


def _miner_stats(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    return presenters.miner_stats(node.state.peek_account(params["miner_address"]))


def _events(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    log = node.log
    since_seq = params.get("since_seq", 0)
    events = log.since(since_seq, params.get("limit", 100))
    oldest = log.oldest_seq
    return {
        "events": [event.as_dict() for event in events],
        "head_seq": log.head_seq,
        "oldest_seq": oldest,
        # A client that stored a cursor compares this with the chain it came from: a reset chain starts
        # its seqs again at 1.
        "chain_id": node.state.meta["chain_id"],
        # Events between since_seq and oldest_seq are gone: the caller must reload state, then follow on.
        "resync_required": since_seq < oldest - 1,
    }


def _rules(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    return presenters.published_rules(node.config)


def _info(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    state = node.state
    return {
        "height": state.topoheight,
        "topoheight": state.topoheight,
        "version": node.version,
        "network": DEVNET_NETWORK,
        "timestamp": state.now(),
        "time_offset": int(state.meta["time_offset"]),
        "block_time": node.config.block_time,
        "head_seq": node.log.head_seq,
        "chain_id": state.meta["chain_id"],
        "require_signatures": node.config.require_signatures,
        "dev_methods": node.config.dev_methods,
    }


def _version(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    return node.version


def _balance(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    state = node.state
    account = state.peek_account(params["address"])
    return {"address": account.address, "balance": str(account.balance), "topoheight": state.topoheight}


def _nonce(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    state = node.state
    account = state.peek_account(params["address"])
    return {"address": account.address, "nonce": account.nonce, "topoheight": state.topoheight}


def _daemon_statistics(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    return presenters.daemon_statistics(node.state)


def _daemon_task(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    state = node.state
    return presenters.task_details(state, state.get_task(params["task_id"]), state.now())


def _daemon_miner(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    account = node.state.accounts.get(params["address"])
    if account is None or not account.is_miner:
        raise RpcError(
            UNKNOWN_ENTITY,
            f"{params['address']} is not a registered miner",
            {"field": "address", "rule": "unknown"},
        )
    return presenters.daemon_miner(account)


def _daemon_active(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    state = node.state
    now = state.now()
    return {
        task_id: presenters.task_summary(state, state.tasks[task_id], now)
        for task_id in sorted(state.active_ids)
    }


MAX_STATE_TASKS = rules.MAX_STATE_TASKS


def _daemon_state(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    state = node.state
    now = state.now()
    offset = params.get("offset", 0)
    limit = params.get("limit", MAX_STATE_TASKS)
    ordered = sorted(state.tasks.values(), key=lambda task: task.number)
    page = ordered[offset : offset + limit]
    return {
        "tasks": {task.task_id: presenters.task_details(state, task, now) for task in page},
        "next_offset": offset + limit if offset + limit < len(ordered) else None,
        "miners": {
            address: presenters.daemon_miner(account)
            for address, account in state.accounts.items()
            if account.is_miner
        },
        "statistics": presenters.daemon_statistics(state),
    }


def _dev_accounts(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    state = node.state
    accounts: list[dict[str, Any]] = []
    for dev in state.dev:
        account: dict[str, Any] = {"index": dev.index, "address": dev.address}
        # A node that requires signatures treats the dev keys as secrets: it never serves them.
        if not node.config.require_signatures:
            account["private_key"] = dev.private_key
        account["balance"] = str(state.peek_account(dev.address).balance)
        accounts.append(account)
    return accounts


def _faucet(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    amount = params["amount"]
    if amount < 1:
        raise invalid_params("amount", "amount must be at least 1 atomic unit", "minimum", minimum="1")
    return node.state.faucet(params["address"], amount)


def _increase_time(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    return node.state.increase_time(params["seconds"])


def _mine(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    state = node.state
    for _ in range(params.get("blocks", 1)):
        state.mine_block()
    return {"topoheight": state.topoheight, "timestamp": state.now()}


def _discover(node: Node, params: dict[str, Any], caller: str | None) -> Any:
    from devnode.docs import openrpc_document

    return openrpc_document()  # naming the address the request came to (devnode.docs.served_at)


# ----- the table --------------------------------------------------------------------------------------

NONE = Obj([])
ADDRESS = Obj([Prop("address", Address(), required=True)])
TASK_ONLY = Obj([TASK_ID])


def _build() -> dict[str, Method]:
    network_info = Method("get_network_info", "AI-mining network summary", NONE, _network_info)
    methods = [
        network_info,
        Method("ai_get_network_info", "Alias of get_network_info", NONE, _network_info),
        Method(
            "ai_list_active_tasks",
            "Active tasks (Published, InProgress, UnderValidation), filtered and sorted",
            LIST_PARAMS,
            _list_active,
        ),
        Method(
            "ai_get_task_details",
            "One task with participants, submissions, validations and rewards",
            TASK_ONLY,
            _task_details,
        ),
        Method(
            "ai_publish_task",
            "Publish a task; the reward goes into escrow",
            Obj([Prop("task_data", TASK_DATA, required=True)]),
            _publish,
            caller=True,
            mutates=True,
        ),
        Method(
            "ai_register_miner",
            "Register the caller as a miner (fee to the network account)",
            Obj(
                [
                    Prop(
                        "miner_config",
                        Obj(
                            [
                                Prop("specializations", ListOf(Str(max_chars=64), max_items=32)),
                                Prop("registration_fee", Amount("At least 1e9 atomic; default 1e9")),
                            ]
                        ),
                    )
                ]
            ),
            _register,
            caller=True,
            mutates=True,
        ),
        Method(
            "ai_participate_task",
            "Join a task; the stake is locked",
            Obj(
                [TASK_ID, Prop("stake_amount", Amount("Between reward/10 and reward/2; default the minimum"))]
            ),
            _participate,
            caller=True,
            mutates=True,
        ),
        Method(
            "ai_submit_solution",
            "Submit the caller's solution to a task they joined",
            Obj([TASK_ID, Prop("solution_data", SOLUTION), Prop("solution", SOLUTION)]),
            _submit,
            caller=True,
            mutates=True,
        ),
        Method(
            "ai_validate_submission",
            "Score another miner's submission",
            Obj(
                [
                    TASK_ID,
                    Prop("submission_id", HashId(), required=True),
                    Prop(
                        "validation_result",
                        Custom(_parse_validation_result, _VALIDATION_SCHEMA),
                        required=True,
                    ),
                ]
            ),
            _validate,
            caller=True,
            mutates=True,
        ),
        Method(
            "ai_cancel_task",
            "Cancel a task before anyone joins; escrow refunded",
            TASK_ONLY,
            _cancel,
            caller=True,
            mutates=True,
        ),
        Method(
            "ai_get_miner_stats",
            "A miner's reputation and counters",
            Obj([Prop("miner_address", Address(), required=True)]),
            _miner_stats,
        ),
        Method(
            "ai_get_events",
            "Events after since_seq (the HTTP catch-up path)",
            Obj(
                [
                    Prop("since_seq", Int(minimum=0)),
                    Prop("limit", Int(minimum=1, maximum=rules.MAX_PAGE_LIMIT)),
                ]
            ),
            _events,
        ),
        Method(
            "ai_get_rules",
            "The protocol's rules: difficulty levels and rewards, stakes, reputation, the split, limits, "
            "task types, statuses and event names (with this node's rate limits)",
            NONE,
            _rules,
        ),
        Method("get_info", "Height, version, network, node time", NONE, _info),
        Method("get_version", "The node's version string", NONE, _version),
        Method("get_balance", "An address's balance", ADDRESS, _balance),
        Method("get_nonce", "The next nonce a signed request from this address must carry", ADDRESS, _nonce),
        Method("get_ai_mining_statistics", "Daemon-compatible statistics", NONE, _daemon_statistics),
        Method("get_ai_mining_task", "Daemon-compatible task", TASK_ONLY, _daemon_task),
        Method("get_ai_mining_miner", "Daemon-compatible miner", ADDRESS, _daemon_miner),
        Method("get_ai_mining_active_tasks", "Active tasks keyed by task id", NONE, _daemon_active),
        Method(
            "get_ai_mining_state",
            f"Tasks in full (at most {MAX_STATE_TASKS} per call, oldest first; page with offset and "
            "next_offset), every miner, and the statistics",
            Obj(
                [
                    Prop(
                        "limit",
                        Int(minimum=1, maximum=MAX_STATE_TASKS, description=f"Default {MAX_STATE_TASKS}"),
                    ),
                    Prop("offset", Int(minimum=0, description="Tasks to skip, oldest first; default 0")),
                ]
            ),
            _daemon_state,
        ),
        Method(
            "dev_accounts",
            "The dev accounts with their private keys (without them on a node that requires signatures)",
            NONE,
            _dev_accounts,
            dev=True,
        ),
        Method(
            "dev_faucet",
            "Mint atomic units to an address",
            Obj([Prop("address", Address(), required=True), Prop("amount", Amount(), required=True)]),
            _faucet,
            mutates=True,
            dev=True,
        ),
        Method(
            "dev_increase_time",
            "Move the node's clock forward (does not mine); returns the new timestamp",
            Obj([Prop("seconds", Int(minimum=0, maximum=10 * 366 * 86400), required=True)]),
            _increase_time,
            mutates=True,
            dev=True,
        ),
        Method(
            "dev_mine",
            "Mine blocks now, each running the lifecycle",
            Obj([Prop("blocks", Int(minimum=1, maximum=1000))]),
            _mine,
            mutates=True,
            dev=True,
        ),
        Method("rpc.discover", "This node's OpenRPC document", NONE, _discover),
    ]
    for method in methods:
        # What each method answers is described beside the code that builds it (devnode.results).
        method.result = RESULTS[method.name]
    return {method.name: method for method in methods}


METHODS = _build()
