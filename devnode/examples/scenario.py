"""The run behind docs/node-api.md: one story told to a fresh devnode, every step kept as an example.

Node A runs the defaults (seed `tos-devnet`, unlocked dev accounts, default rate limits) with
`--block-time 0`, so blocks are mined only by `dev_mine` and the story is the same on every run. Node B
runs `--require-signatures` with small limits to show rate limiting, event retention and a dropped
subscriber without hundreds of requests.
"""

from __future__ import annotations

from typing import Any

from nacl.signing import SigningKey

from devnode import rules
from devnode.crypto import address_from_public_key, derive_dev_key, sign_request, signing_payload
from devnode.examples.recorder import (
    Recorder,
    abbreviate_dict,
    abbreviate_list,
    compact,
    devnode_process,
    dumps,
)
from devnode.lifecycle import NETWORK_ADDRESS

SEED = "tos-devnet"
NODE_B_ARGS = [
    "--seed",
    SEED,
    "--require-signatures",
    "--rate-limits",
    "publish=2,submit=100,validate=500",
    "--max-events",
    "5",
    "--ws-queue",
    "2",
]
ZERO_ID = "0" * 64

# The task whose completion is the page's worked example of the reward split.
T1_DATA = {
    "title": "Review the escrow module",
    "description": "Find unchecked arithmetic in the escrow module and explain each finding.",
    "task_type": {"CodeAnalysis": {"language": "rust"}},
    "difficulty_level": "Beginner",
    "reward_amount": "12345678901",
    "deadline_hours": 2,
    "max_participants": 4,
    "verification_type": {"PeerReview": {"required_reviewers": 2, "consensus_threshold": 0.67}},
    "quality_threshold": 70,
}
# Signed by dev account 9: the page's worked signature example.
T4_DATA = {
    "title": "Audit the bridge contract",
    "description": "Look for reentrancy and missing access checks in the bridge contract.",
    "task_type": {"SecurityAudit": {"scope": "SmartContract"}},
    "reward_amount": "8000000000",
    "max_participants": 1,
    "verification_type": "Automatic",
}


def _approve(score: int, reasoning: str) -> dict[str, Any]:
    return {"Approve": {"quality_score": score, "reasoning": reasoning}}


def _solution(content: str, **extra: Any) -> dict[str, Any]:
    return {"content": content, **extra}


def run_node_a(rec: Recorder) -> None:
    rec.call("get_version", key="rpc:get_version")
    rec.call("get_info", key="rpc:get_info")
    rec.call("ai_get_rules", key="rpc:ai_get_rules")
    accounts = rec.call(
        "dev_accounts", key="rpc:dev_accounts", show=lambda result: abbreviate_list(result, 2, "accounts")
    )
    dev = [account["address"] for account in accounts]
    keys = [SigningKey(bytes.fromhex(account["private_key"])) for account in accounts]
    rec.keep("dev-accounts", _dev_accounts_table(accounts))
    rec.call("get_balance", {"address": dev[0]}, key="rpc:get_balance")
    rec.call("get_nonce", {"address": dev[9]}, key="rpc:get_nonce")
    rec.call(
        "get_ai_mining_state",
        key="rpc:get_ai_mining_state",
        show=lambda result: {**result, "miners": abbreviate_dict(result["miners"], 1, "miners")},
    )
    rec.call("get_ai_mining_miner", {"address": dev[0]}, key="rpc:get_ai_mining_miner")
    rec.call(
        "rpc.discover",
        key="rpc:rpc.discover",
        show=lambda result: {**result, "methods": abbreviate_list(result["methods"], 1, "methods")},
    )
    _transport(rec)
    _content_errors(rec, dev)

    # T1: four participants, three submissions, six validations; completes after its deadline.
    t1 = rec.call("ai_publish_task", {"task_data": T1_DATA, "from": dev[0]}, key="rpc:ai_publish_task")[
        "task_id"
    ]
    rec.call(
        "ai_participate_task",
        {"task_id": t1, "stake_amount": "2000000000", "from": dev[1]},
        key="rpc:ai_participate_task",
    )
    rec.call("ai_participate_task", {"task_id": t1, "from": dev[0]}, key="error:own_task", error=-32004)
    rec.call(
        "ai_participate_task",
        {"task_id": t1, "from": dev[1]},
        key="error:already_participating",
        error=-32006,
    )
    rec.call(
        "ai_participate_task",
        {"task_id": t1, "stake_amount": "9000000000", "from": dev[2]},
        key="error:stake_range",
        error=-32002,
    )
    for index in (2, 3, 4):
        rec.call("ai_participate_task", {"task_id": t1, "from": dev[index]})
    rec.call("ai_participate_task", {"task_id": t1, "from": dev[5]}, key="error:full", error=-32003)
    s1 = rec.call(
        "ai_submit_solution",
        {
            "task_id": t1,
            "solution_data": _solution(
                "Two unchecked additions in release(): both can overflow with a large stake.",
                code="let total = stake.checked_add(reward).ok_or(Error::Overflow)?;",
                documentation="Use checked_add in release() and refund().",
            ),
            "from": dev[1],
        },
        key="rpc:ai_submit_solution",
    )["submission_id"]
    rec.call(
        "ai_submit_solution",
        {"task_id": t1, "solution_data": _solution("too short"), "from": dev[2]},
        key="error:content_short",
        error=-32005,
    )
    s2 = rec.call(
        "ai_submit_solution",
        {
            "task_id": t1,
            "solution": _solution("One overflow in release(); refund() looks safe."),
            "from": dev[2],
        },
    )["submission_id"]
    s3 = rec.call(
        "ai_submit_solution",
        {"task_id": t1, "solution_data": _solution("The module looks fine to me."), "from": dev[3]},
    )["submission_id"]
    validate = "ai_validate_submission"
    rec.call(
        validate,
        {
            "task_id": t1,
            "submission_id": s1,
            "validation_result": _approve(90, "Both overflows are real."),
            "from": dev[5],
        },
        key="rpc:ai_validate_submission",
    )
    rec.call(
        validate,
        {"task_id": t1, "submission_id": s1, "validation_result": _approve(80, "again"), "from": dev[5]},
        key="error:already_validated",
        error=-32006,
    )
    rec.call(
        validate,
        {"task_id": t1, "submission_id": s1, "validation_result": _approve(101, "perfect"), "from": dev[6]},
        key="error:score_range",
        error=-32005,
    )
    rec.call(
        validate,
        {"task_id": t1, "submission_id": s1, "validation_result": _approve(100, "mine"), "from": dev[1]},
        key="error:own_submission",
        error=-32004,
    )
    rec.call(
        validate,
        {"task_id": t1, "submission_id": s1, "validation_result": _approve(100, "mine"), "from": dev[0]},
        key="error:publisher_validates",
        error=-32004,
    )
    rec.call(
        validate,
        {"task_id": t1, "submission_id": s1, "validation_result": _approve(0, "a rival"), "from": dev[2]},
        key="error:participant_validates",
        error=-32004,
    )
    rec.call(
        validate,
        {"task_id": t1, "submission_id": ZERO_ID, "validation_result": _approve(50, "?"), "from": dev[6]},
        key="error:unknown_submission",
        error=-32001,
    )
    rec.call(
        validate,
        {"task_id": t1, "submission_id": s1, "validation_result": _approve(84, "Good."), "from": dev[6]},
    )
    rec.call(
        validate,
        {"task_id": t1, "submission_id": s1, "validation_result": _approve(70, "late"), "from": dev[7]},
        key="error:reviewers_complete",
        error=-32003,
    )
    rec.call(
        validate,
        {
            "task_id": t1,
            "submission_id": s2,
            "validation_result": _approve(75, "One of two."),
            "from": dev[5],
        },
    )
    rec.call(
        validate,
        {"task_id": t1, "submission_id": s2, "validation_result": _approve(65, "Partial."), "from": dev[7]},
    )
    rec.call(
        validate,
        {"task_id": t1, "submission_id": s3, "validation_result": _approve(50, "Vague."), "from": dev[6]},
    )
    rec.call(
        validate,
        {
            "task_id": t1,
            "submission_id": s3,
            "validation_result": {
                "Reject": {"reason": "Misses both overflows.", "evidence": {"lines": [41, 87]}}
            },
            "from": dev[7],
        },
        key="rpc:ai_validate_submission:reject",
    )

    # T2: published with only the required fields (the defaults fill the rest), then cancelled.
    t2 = rec.call(
        "ai_publish_task",
        {
            "task_data": {
                "task_type": {"DataAnalysis": {"data_type": "TimeSeries"}},
                "reward_amount": 20000000000,
            }
        },
        key="rpc:ai_publish_task:defaults",
    )["task_id"]
    rec.call("get_ai_mining_task", {"task_id": t2}, key="rpc:get_ai_mining_task")
    rec.call("ai_cancel_task", {"task_id": t2, "from": dev[1]}, key="error:not_publisher", error=-32004)
    rec.call("ai_cancel_task", {"task_id": t2, "from": dev[0]}, key="rpc:ai_cancel_task")
    rec.call("ai_cancel_task", {"task_id": t2, "from": dev[0]}, key="error:status", error=-32003)

    # T3: a participant who never submits; the task expires.
    t3 = rec.call(
        "ai_publish_task",
        {"task_data": {"task_type": "LogicReasoning", "reward_amount": "5000000000", "deadline_hours": 1}},
    )["task_id"]
    rec.call("ai_participate_task", {"task_id": t3, "from": dev[8]})

    # T4: signed by dev account 9; one place, Automatic; completes on its first validation.
    t4 = _signed(rec, keys[9], dev)
    rec.call("ai_participate_task", {"task_id": t4, "from": dev[1]})
    s4 = rec.call(
        "ai_submit_solution",
        {
            "task_id": t4,
            "solution_data": _solution("withdraw() calls out before updating balances."),
            "from": dev[1],
        },
    )["submission_id"]
    head = rec.call("get_info")["head_seq"]
    rec.call(
        validate,
        {"task_id": t4, "submission_id": s4, "validation_result": _approve(95, "Correct."), "from": dev[2]},
    )
    rec.call("ai_get_events", {"since_seq": head, "limit": 4}, key="rpc:ai_get_events")
    early = rec.call("ai_get_events", {"since_seq": head, "limit": 1000})["events"]
    rec.keep("events:early-completion", _event_lines(early))

    t5 = _rest(rec, dev)
    _outsider(rec, t5)
    rec.call(
        "ai_list_active_tasks",
        {
            "filters": {"difficulty_level": "Beginner"},
            "sort_by": "reward_amount",
            "sort_order": "desc",
            "limit": 2,
        },
        key="rpc:ai_list_active_tasks",
    )

    # The WebSocket: a replay, then the live events of the block that ends T1 and T3.
    head = rec.call("get_info")["head_seq"]
    with rec.websocket() as ws:
        ws.send(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "subscribe",
                "params": {"events": "*", "since_seq": head - 2},
            }
        )
        ws.receive_all()
        ws.send({"jsonrpc": "2.0", "id": 2, "method": "subscribe", "params": {"events": "*"}})
        ws.receive_all()
        rec.keep("ws:replay", ws.render())
    with rec.websocket() as ws:
        wanted = ["task_status_changed", "task_expired", "stake_slashed", "task_completed"]
        ws.send({"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": {"events": wanted}})
        ws.receive_all()
        ws.note("dev_increase_time 7201, then dev_mine, over HTTP")
        rec.call("dev_increase_time", {"seconds": 7201}, key="rpc:dev_increase_time")
        rec.call("dev_mine", {"blocks": 1}, key="rpc:dev_mine")
        ws.receive_all()
        rec.keep("ws:live", ws.render())
    with rec.websocket() as ws:
        ws.send({"jsonrpc": "2.0", "id": 1, "method": "unsubscribe", "params": {}})
        ws.send({"jsonrpc": "2.0", "id": 2, "method": "subscribe", "params": {"events": ["task_finished"]}})
        ws.receive_all()
        rec.keep("ws:errors", ws.render())
    completion = rec.call("ai_get_events", {"since_seq": head, "limit": 1000})["events"]
    rec.keep("events:completion", _event_lines(completion))

    details = rec.call("ai_get_task_details", {"task_id": t1}, key="rpc:ai_get_task_details")
    rec.keep("split", _split_table(details, dev))
    rec.call("ai_get_miner_stats", {"miner_address": dev[1]}, key="rpc:ai_get_miner_stats")
    rec.call("get_network_info", key="rpc:get_network_info")
    rec.call("ai_get_network_info", key="rpc:ai_get_network_info")
    rec.call("get_ai_mining_statistics", key="rpc:get_ai_mining_statistics")
    rec.call("get_ai_mining_active_tasks", key="rpc:get_ai_mining_active_tasks")
    rec.call("get_balance", {"address": NETWORK_ADDRESS}, key="network-balance")


def _transport(rec: Recorder) -> None:
    """Batches and the standard JSON-RPC errors."""
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "get_version"},
        {"jsonrpc": "2.0", "id": 2, "method": "get_nonce", "params": {"address": NETWORK_ADDRESS}},
        {"jsonrpc": "2.0", "id": 3, "method": "no_such_method"},
    ]
    status, reply = rec.post(batch)
    rec.keep(
        "transport:batch", f"```json\n{dumps(batch)}\n```\n\nHTTP {status}:\n\n```json\n{dumps(reply)}\n```\n"
    )
    raw = '{"jsonrpc": "2.0", "id": 1, "method": '
    response = rec.client.post(rec.url + "/", content=raw.encode())
    rec.keep(
        "error:parse",
        f"```sh\ncurl -s http://127.0.0.1:8545/ -d '{raw}'\n```\n\n"
        f"```text\nHTTP {response.status_code}\n{dumps(response.json())}\n```\n",
    )
    status, reply = rec.post({"jsonrpc": "1.0", "id": 1, "method": "get_version"})
    rec.keep("error:invalid_request", f"```text\nHTTP {status}\n{dumps(reply)}\n```\n")
    rec.call("ai_get_everything", key="error:method_not_found", error=-32601)
    rec.call("get_balance", ["tst1qqqq"], key="error:positional", error=-32602)
    big = b'{"jsonrpc":"2.0","id":1,"method":"get_version","params":{"pad":"' + b"x" * (1 << 20) + b'"}}'
    response = rec.client.post(rec.url + "/", content=big)
    rec.keep(
        "transport:413",
        f"```text\nPOST / with a {len(big):,}-byte body\nHTTP {response.status_code}\n{dumps(response.json())}\n```\n",
    )


def _content_errors(rec: Recorder, dev: list[str]) -> None:
    rec.call(
        "ai_publish_task",
        {"task_data": {"task_type": "CodeAnalysis", "reward": "10000000000"}},
        key="error:unknown_field",
        error=-32602,
    )
    rec.call(
        "ai_publish_task",
        {"task_data": {"task_type": "CodeAnalysis", "reward_amount": "12.5"}},
        key="error:amount_type",
        error=-32602,
    )
    rec.call(
        "ai_publish_task",
        {
            "task_data": {
                "task_type": {"CodeAnalysis": {"language": "\ud800"}},
                "reward_amount": "10000000000",
            }
        },
        key="error:unicode",
        error=-32602,
    )
    rec.call(
        "ai_publish_task",
        {
            "task_data": {
                "task_type": "CodeAnalysis",
                "difficulty_level": "Beginner",
                "reward_amount": "20000000000",
            }
        },
        key="error:reward_range",
        error=-32005,
    )
    rec.call(
        "ai_publish_task",
        {"task_data": {"task_type": "CodeAnalysis", "description": "Fix it", "reward_amount": "10000000000"}},
        key="error:description_short",
        error=-32005,
    )
    rec.call(
        "ai_publish_task",
        {"task_data": {"task_type": "CodeAnalysis", "reward_amount": "250000000000"}, "from": dev[0]},
        key="error:reputation",
        error=-32004,
    )
    rec.call("ai_get_task_details", {"task_id": ZERO_ID}, key="error:unknown_task", error=-32001)


def _signed(rec: Recorder, key: SigningKey, dev: list[str]) -> str:
    """The worked signature example (dev account 9, nonce 0), its replay and a tampered copy."""
    params = {"task_data": T4_DATA}
    chain_id = rec.chain_id()
    payload = signing_payload("ai_publish_task", params, 0, chain_id=chain_id)
    signature = key.sign(payload).signature.hex()
    rec.keep(
        "signed:canonical",
        "The bytes signed (UTF-8, exactly as below, no trailing newline):\n\n"
        f"```text\n{payload.decode()}\n```\n\n"
        f"Chain id of this run (from get_info): `{chain_id}`; network: `devnet`  \n"
        f"Private key (hex ed25519 seed) of dev account 9: `{bytes(key).hex()}`  \n"
        f"Public key: `{bytes(key.verify_key).hex()}`  \n"
        f"Address: `{address_from_public_key(bytes(key.verify_key))}`  \n"
        f"Signature: `{signature}`\n",
    )
    signed = rec.signed(key, "ai_publish_task", params, 0, key="signed:request")
    assert signed["status"] == "published"
    request = {
        **params,
        "auth": {"address": dev[9], "nonce": 0, "chain_id": chain_id, "signature": signature},
    }
    rec.call("ai_publish_task", request, key="error:nonce_replay", error=-32004)
    tampered = {
        "task_data": {**T4_DATA, "reward_amount": "9000000000"},
        "auth": {**request["auth"], "nonce": 1},
    }
    rec.call("ai_publish_task", tampered, key="error:bad_signature", error=-32004)
    other_chain = sign_request(key, "ai_publish_task", params, 1, chain_id="0123456789abcdef")
    rec.call("ai_publish_task", other_chain, key="error:wrong_chain", error=-32004)
    return str(signed["task_id"])


def _rest(rec: Recorder, dev: list[str]) -> str:
    """T5 through the REST routes; it stays InProgress."""
    rec.rest("GET", "/ai/network-info", key="rest:network-info")
    rec.rest("GET", "/ai/rules", key="rest:rules", show=lambda rules: abbreviate_dict(rules, 1, "members"))
    flat = {"task_type": "CodeAnalysis", "language": "rust", "reward_amount": "8000000000"}
    t5 = rec.rest("POST", "/ai/tasks", flat, sender=dev[0], key="rest:publish", status=201)["task_id"]
    rec.rest("GET", "/ai/tasks?status=InProgress&sort_by=reward_amount&limit=1", key="rest:list")
    rec.rest(
        "POST",
        f"/ai/tasks/{t5}/participants",
        {"stake_amount": "800000000"},
        sender=dev[8],
        key="rest:participate",
        status=201,
    )
    submission = {
        "content": "Replace the unwrap() calls in parse_header with ?.",
        "test_results": {"passed": 12, "failed": 0},
    }
    s5 = rec.rest(
        "POST", f"/ai/tasks/{t5}/submissions", submission, sender=dev[8], key="rest:submit", status=201
    )["submission_id"]
    rec.rest(
        "POST",
        f"/ai/submissions/{s5}/validations",
        _approve(88, "Tests pass; one unwrap left in a test helper."),
        sender=dev[9],
        key="rest:validate",
        status=201,
    )
    rec.rest("GET", f"/ai/tasks/{t5}", key="rest:task")
    rec.rest("GET", f"/ai/miners/{dev[8]}", key="rest:miner")
    head = rec.call("get_info")["head_seq"]
    rec.rest("GET", f"/ai/events?since_seq={head - 2}&limit=2", key="rest:events")
    rec.rest(
        "POST",
        "/ai/tasks",
        {"task_type": "CodeAnalysis", "reward_amount": "1"},
        sender=dev[0],
        key="rest:error-422",
        status=422,
    )
    rec.rest("GET", f"/ai/tasks/{ZERO_ID}", key="rest:error-404", status=404)
    rec.rest(
        "GET",
        "/openapi.json",
        key="rest:openapi",
        show=lambda document: {**document, "paths": abbreviate_dict(document["paths"], 1, "paths")},
    )
    return t5


def _outsider(rec: Recorder, t5: str) -> None:
    """An account that is not a dev account: it must sign, and every verified signature spends a nonce."""
    key = derive_dev_key("docs-outsider", 0)
    address = address_from_public_key(bytes(key.verify_key))
    rec.call("ai_participate_task", {"task_id": t5, "from": address}, key="error:not_unlocked", error=-32004)
    rec.signed(key, "ai_register_miner", {"miner_config": {}}, 0, key="error:balance", error=-32002)
    rec.signed(key, "ai_participate_task", {"task_id": t5}, 1, key="error:not_miner", error=-32004)
    rec.call("get_nonce", {"address": address}, key="signed:spent")
    rec.call("dev_faucet", {"address": address, "amount": "2000000000"}, key="rpc:dev_faucet")
    rec.signed(
        key,
        "ai_register_miner",
        {"miner_config": {"specializations": ["rust", "security"], "registration_fee": "1000000000"}},
        2,
        key="rpc:ai_register_miner",
    )
    rec.signed(
        key, "ai_register_miner", {"miner_config": {}}, 3, key="error:already_registered", error=-32006
    )


def run_node_b(rec: Recorder) -> None:
    """--require-signatures, publish=2 per hour, 5 events kept, subscribers dropped 2 events behind."""
    accounts = [derive_dev_key(SEED, index) for index in range(2)]
    data = {"task_type": "GeneralTask", "reward_amount": "5000000000"}
    rec.call("ai_publish_task", {"task_data": data}, key="error:signature_required", error=-32004)
    rec.call(
        "dev_faucet",
        {"address": NETWORK_ADDRESS, "amount": "1"},
        key="error:dev_methods_closed",
        error=-32004,
    )
    first = rec.signed(accounts[0], "ai_publish_task", {"task_data": data}, 0)["task_id"]
    second = rec.signed(accounts[0], "ai_publish_task", {"task_data": data}, 1)["task_id"]
    rec.signed(accounts[0], "ai_publish_task", {"task_data": data}, 2, key="error:rate_limited", error=-32007)
    with rec.websocket() as ws:
        ws.send({"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": {"events": "*"}})
        ws.receive_all()
        ws.note("ai_cancel_task (3 events in one write) over HTTP")
        rec.signed(accounts[0], "ai_cancel_task", {"task_id": first}, 3)
        ws.receive_all()
        rec.keep("ws:dropped", ws.render())
    rec.signed(accounts[0], "ai_cancel_task", {"task_id": second}, 4)
    rec.call("ai_get_events", {"since_seq": 0, "limit": 2}, key="rpc:ai_get_events:resync")
    with rec.websocket() as ws:
        ws.send({"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": {"events": "*", "since_seq": 0}})
        ws.receive_all()
        rec.keep("ws:resync", ws.render())


def _dev_accounts_table(accounts: list[dict[str, Any]]) -> str:
    lines = ["| # | address | private key (hex ed25519 seed) |", "|---|---|---|"]
    lines += [f"| {item['index']} | `{item['address']}` | `{item['private_key']}` |" for item in accounts]
    lines.append(f"| network | `{NETWORK_ADDRESS}` | none: the all-zero public key |")
    return "\n".join(lines) + "\n"


def _event_lines(events: list[dict[str, Any]]) -> str:
    lines = [f"{event['seq']:>4} {event['event']:<22} {compact(event['data'])}" for event in events]
    return "```text\n" + "\n".join(lines) + "\n```\n"


def _split_table(details: dict[str, Any], dev: list[str]) -> str:
    names = {address: f"dev {index}" for index, address in enumerate(dev)}
    names[NETWORK_ADDRESS] = "network"
    reward = int(details["reward_amount"])
    lines = [
        f"Escrow: {reward} atomic ({rules.format_tos(reward)}). Credits, in the order they were paid:",
        "",
        "| recipient | reward_type | amount (atomic) |",
        "|---|---|---|",
    ]
    for credit in details["rewards"]:
        recipient = names.get(credit["recipient"], credit["recipient"])
        lines.append(f"| {recipient} | {credit['reward_type']} | {credit['amount']} |")
    return "\n".join(lines) + "\n"


def run(recorders: list[Recorder] | None = None) -> dict[str, str]:
    """Run the whole story against fresh nodes; the rendered examples by key (`recorders` keeps the
    recorders, with every exchange, for the tests)."""
    sections: dict[str, str] = {}
    with devnode_process(["--seed", SEED]) as url:
        node_a = Recorder(url)
        run_node_a(node_a)
        sections.update(node_a.sections)
    with devnode_process(NODE_B_ARGS) as url:
        node_b = Recorder(url)
        run_node_b(node_b)
        sections.update(node_b.sections)
    if recorders is not None:
        recorders += [node_a, node_b]
    return sections
