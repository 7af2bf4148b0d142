"""Sections 1-9 of clients/conformance/scenario.md, in order, through tos_ai's public API.

Inputs and expected values come from scenario.json (`S`). The steps share one `Run` (wallets, tasks,
balances, the event stream opened in step 7) and one event loop, so each test is one step and a
failed step fails the ones after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tos_ai import (
    AlreadyDone,
    AsyncEventStream,
    AutoMiningConfig,
    ChainReset,
    Event,
    InsufficientFunds,
    InvalidContent,
    InvalidParams,
    InvalidTaskState,
    MethodNotFound,
    NodeConnectionError,
    NodeError,
    NodeRPCError,
    NonceMismatch,
    PermissionDenied,
    TaskDetails,
    TaskSolution,
    TOSAIClient,
    UnknownObject,
    Wallet,
    WrongChain,
)
from tos_ai import rules as client_rules

from .conftest import load, member, without

pytestmark = pytest.mark.asyncio(loop_scope="module")

S: dict[str, Any] = load("scenario.json")
ROLES = ("publisher", "miner_1", "miner_2", "validator_1", "validator_2")
MINERS = ROLES[1:]
HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass
class Run:
    """What the steps hand on to each other."""

    node_url: str
    control_url: str
    wallets: dict[str, Wallet] = field(default_factory=dict)
    clients: dict[str, TOSAIClient] = field(default_factory=dict)
    funded: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, str] = field(default_factory=dict)
    submissions: dict[str, str] = field(default_factory=dict)
    start_seq: int = 0
    chain: str = ""
    http_events: list[Event] = field(default_factory=list)
    stream: AsyncEventStream | None = None
    streamed: list[Event] = field(default_factory=list)
    stream_error: BaseException | None = None
    follower: asyncio.Task[None] | None = None

    def client(self, role: str) -> TOSAIClient:
        return self.clients[role]

    def address(self, role: str) -> str:
        return self.wallets[role].address

    async def add_account(self, role: str, *, register: bool) -> TOSAIClient:
        wallet = self.wallets[role] = Wallet.generate()
        client = self.clients[role] = TOSAIClient(self.node_url, wallet)
        await client.dev.faucet(wallet.address, int(S["funding"]["faucet_amount"]))
        if register:
            await client.miner.register(registration_fee=int(S["funding"]["registration_fee"]))
        return client

    async def balances(self) -> dict[str, int]:
        return {role: await self.client(role).get_balance() for role in ROLES}

    async def control(self, action: str) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=90) as http:
            reply = await http.post(f"{self.control_url}/{action}")
        reply.raise_for_status()
        result: dict[str, Any] = reply.json()
        return result


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def run(node_url: str, control_url: str) -> AsyncIterator[Run]:
    state = Run(node_url, control_url)
    yield state
    if state.follower is not None:
        state.follower.cancel()
        with contextlib.suppress(BaseException):
            await state.follower
    if state.stream is not None:
        await state.stream.aclose()
    for client in state.clients.values():
        await client.aclose()


def refusal(kind: str) -> int:
    """The code scenario.json expects for a refusal of `kind`."""
    codes = {entry["code"] for entry in S["refusals"] if entry["kind"] == kind}
    assert len(codes) == 1, f"scenario.json names {kind!r} with codes {codes}"
    return codes.pop()


def assert_refused(error: NodeRPCError, kind: str, expected_type: type[NodeRPCError]) -> None:
    assert isinstance(error, expected_type), f"{kind}: got {type(error).__name__}: {error}"
    assert error.code == refusal(kind)
    assert error.message
    assert error.method


async def eventually(condition: Callable[[], bool], within: float, what: str) -> float:
    """Wait until `condition()` holds; return how long it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            pytest.fail(f"not within {within} s: {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


# --- 1. Network info ----------------------------------------------------------------------------


async def test_1_network_info(run: Run) -> None:
    async with TOSAIClient(run.node_url) as client:
        info = await client.get_info()
        network = await client.get_network_info()
    assert info["network"] == "devnet"
    assert isinstance(info["chain_id"], str)
    assert info["chain_id"]
    assert isinstance(info["head_seq"], int)
    assert info["head_seq"] >= 0
    run.start_seq, run.chain = info["head_seq"], info["chain_id"]
    for name in ("active_tasks", "total_miners", "online_miners", "topoheight", "timestamp"):
        assert type(getattr(network, name)) is int, name
    assert type(network.total_rewards_distributed) is int
    assert network.average_task_completion_time is None or isinstance(
        network.average_task_completion_time, float
    )
    assert network.network == "devnet"


async def test_1_rules(run: Run) -> None:
    async with TOSAIClient(run.node_url) as client:
        typed = await client.get_rules()
        raw = await client.rpc_call("ai_get_rules")
    assert typed.raw == raw
    assert typed.to_dict() == type(typed).parse(raw).to_dict()
    amounts = ("max_supply", "faucet_cap", "min_registration_fee")
    assert {name: typed.amounts[name] for name in amounts} == {
        name: int(raw["amounts"][name]) for name in amounts
    }
    assert [(level.min_reward, level.max_reward) for level in typed.difficulty_levels] == [
        (int(level["min_reward"]), int(level["max_reward"])) for level in raw["difficulty_levels"]
    ]
    vectors = load("vectors/rules.json")
    configurable = vectors["configurable"]
    assert without(raw, configurable) == without(vectors["rules"], configurable)
    for path, expected in S["rules"]["on_this_node"].items():
        assert member(raw, path) == expected, path
    assert typed.rate_limits.per_window is None
    # The client's own constants (tos_ai.rules) are the live node's rules.
    assert without(client_rules.known_rules(), configurable) == without(raw, configurable)


# --- 2. Accounts --------------------------------------------------------------------------------


async def test_2_accounts(run: Run) -> None:
    for role in ROLES:
        await run.add_account(role, register=role in MINERS)
    for role in MINERS:
        stats = await run.client(role).get_miner_stats()
        assert (stats.is_registered, stats.reputation) == (True, 500), role
    run.funded = await run.balances()


# --- 3. Publish, list, page, cancel -------------------------------------------------------------


def assert_summary(task: TaskDetails, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        actual = task[key]
        if key in ("reward_amount", "stake_required"):
            assert actual == int(value), key
        else:
            assert actual == value, key


async def test_3_publish_list_page_cancel(run: Run) -> None:
    publisher = run.client("publisher")
    before = await publisher.get_balance()
    task_a = await publisher.publisher.publish_task(task_data=S["task_a"]["task_data"])
    assert task_a.status == "published"
    run.tasks["task_a"] = task_a.task_id
    assert await publisher.get_balance() == before - int(S["task_a"]["task_data"]["reward_amount"])
    assert_summary(await publisher.get_task_details(task_a.task_id), S["task_a"]["expected_summary"])

    task_b = await publisher.publisher.publish_task(task_data=S["task_b"]["task_data"])
    run.tasks["task_b"] = task_b.task_id
    assert_summary(await publisher.get_task_details(task_b.task_id), S["task_b"]["expected_summary"])

    mine = {"publisher": run.address("publisher")}
    order = {"sort_by": "created_at", "sort_order": "desc"}

    async def listed(filters: dict[str, Any] = mine, **paging: int) -> list[str]:
        return [t.task_id for t in await publisher.list_active_tasks(filters, **order, **paging)]  # type: ignore[arg-type]

    assert await listed() == [task_b.task_id, task_a.task_id]
    assert await listed(limit=1) == [task_b.task_id]
    assert await listed(limit=1, offset=1) == [task_a.task_id]
    assert await listed({**mine, "difficulty_level": "Intermediate"}) == [task_a.task_id]

    before = await publisher.get_balance()
    await publisher.publisher.cancel_task(task_b.task_id)
    assert (await publisher.get_task_details(task_b.task_id)).status == "Cancelled"
    assert await publisher.get_balance() == before + int(S["task_b"]["task_data"]["reward_amount"])


# --- 4. Participate, submit, refuse -------------------------------------------------------------


async def test_4_participate_submit_refuse(run: Run) -> None:
    task_a = run.tasks["task_a"]
    stake = int(S["task_a"]["stake_amount"])
    miner_1 = run.client("miner_1")
    before = await miner_1.get_balance()
    await miner_1.miner.participate_task(task_a, stake)
    assert await miner_1.get_balance() == before - stake
    details = await miner_1.get_task_details(task_a)
    assert (details.status, details.participants_count) == ("InProgress", 1)

    with pytest.raises(AlreadyDone) as caught:
        await miner_1.miner.participate_task(task_a, stake)
    assert_refused(caught.value, "already_done", AlreadyDone)
    with pytest.raises(PermissionDenied) as caught_denied:
        await run.client("publisher").miner.participate_task(task_a, stake)
    assert_refused(caught_denied.value, "permission_denied", PermissionDenied)
    with pytest.raises(InsufficientFunds) as caught_funds:
        await run.client("validator_1").miner.participate_task(task_a, 1)
    assert_refused(caught_funds.value, "insufficient_funds", InsufficientFunds)
    with pytest.raises(UnknownObject) as caught_unknown:
        await miner_1.get_task_details("0" * 64)
    assert_refused(caught_unknown.value, "unknown_entity", UnknownObject)
    with pytest.raises(InvalidContent) as caught_content:
        await run.client("publisher").publisher.publish_task(
            "GeneralTask", 100_000_000, difficulty_level="Intermediate"
        )
    assert_refused(caught_content.value, "invalid_content", InvalidContent)
    with pytest.raises(InvalidParams) as caught_params:
        await miner_1.rpc_call("ai_get_task_details", {"task_id": "nope"})
    assert_refused(caught_params.value, "invalid_params", InvalidParams)
    assert caught_params.value.field == "task_id"
    with pytest.raises(MethodNotFound) as caught_method:
        await miner_1.rpc_call("ai_no_such_method")
    assert_refused(caught_method.value, "method_not_found", MethodNotFound)

    # The lower-level signing API: sign by hand, send through a client without a wallet (sent as is).
    validator_2 = run.wallets["validator_2"]
    params = {"task_id": task_a, "stake_amount": str(stake)}
    next_nonce = await miner_1.get_nonce(validator_2.address)
    async with TOSAIClient(run.node_url) as raw:
        ahead = validator_2.sign_params(
            "ai_participate_task", params, next_nonce + 5, chain_id=run.chain, network="devnet"
        )
        with pytest.raises(NonceMismatch) as caught_nonce:
            await raw.rpc_call("ai_participate_task", ahead)
        assert_refused(caught_nonce.value, "nonce_mismatch", NonceMismatch)
        assert caught_nonce.value.expected == next_nonce
        elsewhere = validator_2.sign_params(
            "ai_participate_task", params, next_nonce, chain_id="0000000000000000", network="devnet"
        )
        with pytest.raises(WrongChain) as caught_chain:
            await raw.rpc_call("ai_participate_task", elsewhere)
        assert_refused(caught_chain.value, "wrong_chain", WrongChain)
        assert caught_chain.value.expected == run.chain
    assert await miner_1.get_nonce(validator_2.address) == next_nonce  # neither spent the nonce

    await run.client("miner_2").miner.participate_task(task_a, stake)
    for role in ("miner_1", "miner_2"):
        receipt = await run.client(role).miner.submit_solution(
            task_a, TaskSolution(**S["task_a"]["solutions"][role])
        )
        assert receipt.status == "submitted"
        assert HEX64.fullmatch(receipt.answer_hash)
        run.submissions[role] = receipt.submission_id
    assert (await miner_1.get_task_details(task_a)).submissions_count == 2


# --- 5. Validate and complete -------------------------------------------------------------------


async def test_5_validate_and_complete(run: Run) -> None:
    task_a = run.tasks["task_a"]
    with pytest.raises(PermissionDenied) as caught:
        await run.client("miner_1").validator.validate(
            task_a, run.submissions["miner_2"], 50, "Mine is better."
        )
    assert_refused(caught.value, "permission_denied", PermissionDenied)

    counts: dict[str, int] = defaultdict(int)
    for validation in S["task_a"]["validations"]:
        validator = run.client(validation["validator"]).validator
        submission = run.submissions[validation["submission_of"]]
        ((verdict, body),) = validation["result"].items()
        if verdict == "Approve":
            receipt = await validator.validate(task_a, submission, body["quality_score"], body["reasoning"])
        else:
            receipt = await validator.reject(task_a, submission, body["reason"], body.get("evidence"))
        counts[submission] += 1
        assert receipt.consensus_progress["validations"] == counts[submission]
        assert (
            receipt.consensus_progress["required"]
            == S["task_a"]["task_data"]["verification_type"]["PeerReview"]["required_reviewers"]
        )

    expected = S["task_a"]["expected_after_completion"]
    details = await run.client("publisher").get_task_details(task_a)
    assert details.status == expected["status"]
    scores = {s.submitter: s.final_score for s in details.submissions}
    assert {role: scores[run.address(role)] for role in expected["final_scores"]} == expected["final_scores"]
    (winner,) = [r.recipient for r in details.rewards if r.reward_type == "winner"]
    assert winner == run.address(expected["winner"])
    now = await run.balances()
    deltas = {role: now[role] - run.funded[role] for role in ROLES}
    assert deltas == {role: int(v) for role, v in expected["balance_delta_since_funded"].items()}
    for role, reputation in expected["reputation"].items():
        assert (await run.client(role).get_miner_stats()).reputation == reputation, role
    by_type: dict[str, int] = defaultdict(int)
    for reward in details.rewards:
        by_type[str(reward.reward_type)] += int(reward.amount or 0)
    assert dict(by_type) == {kind: int(v) for kind, v in expected["rewards_by_type"].items()}

    with pytest.raises(InvalidTaskState) as caught_state:
        await run.client("validator_1").validator.validate(task_a, run.submissions["miner_1"], 90, "Again.")
    assert_refused(caught_state.value, "not_accepting", InvalidTaskState)


# --- 6. Events over HTTP ------------------------------------------------------------------------


def task_a_names(run: Run, events: list[Event]) -> list[str]:
    names = set(S["events_task_a"])
    return [e.event for e in events if e.data.get("task_id") == run.tasks["task_a"] and e.event in names]


async def test_6_events_over_http(run: Run) -> None:
    client = run.client("publisher")
    since = run.start_seq
    while True:
        page = await client.get_events(since, 100, chain_id=run.chain)
        run.http_events.extend(page.events)
        if not page.events or page.events[-1].seq >= page.head_seq:
            break
        since = page.events[-1].seq
    seqs = [e.seq for e in run.http_events]
    assert seqs == list(range(run.start_seq + 1, run.start_seq + 1 + len(seqs)))
    assert seqs[-1] == page.head_seq
    assert task_a_names(run, run.http_events) == S["events_task_a"]


# --- 7. Events over WebSocket, across a node restart --------------------------------------------


async def test_7_events_over_websocket_across_a_restart(run: Run) -> None:
    listener = TOSAIClient(run.node_url)
    run.clients["listener"] = listener
    run.stream = stream = listener.events(since_seq=run.start_seq, events=None)

    async def follow() -> None:
        try:
            async for event in stream:
                run.streamed.append(event)
        except NodeError as exc:
            run.stream_error = exc

    run.follower = asyncio.create_task(follow())
    count = len(run.http_events)
    await eventually(lambda: len(run.streamed) >= count, 10, "the stream replays step 6's events")
    assert [e.to_dict() for e in run.streamed[:count]] == [e.to_dict() for e in run.http_events]

    restarting = asyncio.create_task(run.control("restart"))
    publisher = run.client("publisher")
    task_c = None
    deadline = time.monotonic() + 60
    while task_c is None:
        try:
            task_c = await publisher.publisher.publish_task(task_data=S["task_c"]["task_data"])
        except NodeConnectionError:  # the test's own retry while the node is down
            assert time.monotonic() < deadline, "the node did not come back within 60 s"
            await asyncio.sleep(0.1)
    await restarting
    run.tasks["task_c"] = task_c.task_id

    def delivered_task_c() -> bool:
        return any(
            e.event == "task_published" and e.data.get("task_id") == task_c.task_id for e in run.streamed
        )

    await eventually(delivered_task_c, 20, "the stream delivers task_c's task_published after the restart")
    assert run.stream_error is None
    seqs = [e.seq for e in run.streamed]
    assert seqs == list(range(run.start_seq + 1, run.start_seq + 1 + len(seqs)))
    last = run.streamed[-1]
    assert (last.event, last.data["task_id"]) == ("task_published", task_c.task_id)


# --- 8. Auto-mining (the TOS design's loop) -----------------------------------------------------


def solver(task: TaskDetails) -> TaskSolution:
    return TaskSolution(content=f"A fixed conformance answer for {task.task_id[:8]}.")


def auto_config(overrides: dict[str, Any]) -> AutoMiningConfig:
    """scenario.json's language-neutral names mapped onto the TOS design's Python fields."""
    settings = {**S["auto_mining"]["config"], **overrides}
    names = {"target_difficulties": "target_difficulty", "use_events": "listen_events"}
    return AutoMiningConfig(**{names.get(k, k): v for k, v in settings.items()}, solution_generator=solver)


async def test_8_auto_mining(run: Run) -> None:
    auto = S["auto_mining"]
    client = await run.add_account("auto_miner", register=True)
    publisher = run.client("publisher")
    config = auto_config({})
    assert config.check_interval == 60
    mining = asyncio.create_task(client.miner.start_auto_mining(config))

    def report() -> Any:
        return client.miner.auto_mining_report

    await eventually(lambda: report() is not None and report().scans >= 1, 15, "the first scan")
    joined_before = set(report().joined)
    unsuitable = await publisher.publisher.publish_task(task_data=auto["unsuitable_task"])
    event_task = await publisher.publisher.publish_task(task_data=auto["event_task"])
    took = await eventually(
        lambda: event_task.task_id in report().joined,
        auto["join_within_seconds"],
        "auto-mining joins event_task on its task_published event",
    )
    await eventually(lambda: event_task.task_id in report().submitted, 10, "it submits to event_task")
    client.miner.stop_auto_mining()
    first = await asyncio.wait_for(mining, 10)
    assert unsuitable.task_id not in first.joined
    assert not set(first.joined) - joined_before - {event_task.task_id}
    details = await publisher.get_task_details(event_task.task_id)
    assert details.submissions[0].submitter == run.address("auto_miner")
    assert took <= auto["join_within_seconds"]

    mining = asyncio.create_task(client.miner.start_auto_mining(auto_config(auto["scan_config"])))
    await eventually(lambda: report() is not None and report().scans >= 1, 15, "the first scan (scan config)")
    scan_task = await publisher.publisher.publish_task(task_data=auto["scan_task"])
    await eventually(
        lambda: scan_task.task_id in report().joined,
        auto["scan_join_within_seconds"],
        "a scan (events off) joins scan_task",
    )
    client.miner.stop_auto_mining()
    started = time.monotonic()
    second = await asyncio.wait_for(mining, 10)
    assert time.monotonic() - started < 5
    assert second.joined == [scan_task.task_id]
    assert unsuitable.task_id not in second.joined
    after = await publisher.get_task_details(unsuitable.task_id)
    assert run.address("auto_miner") not in after.participant_addresses()


# --- 9. Chain reset -----------------------------------------------------------------------------


async def test_9_chain_reset(run: Run) -> None:
    stream = run.stream
    assert stream is not None
    assert run.follower is not None
    await eventually(lambda: run.streamed[-1].seq == stream.last_seq, 5, "the stream is caught up")
    cursor, chain = stream.last_seq, stream.chain_id
    assert chain == run.chain
    # A second stream that asks to follow a reset chain from its first event.
    following = run.clients["listener"].events(on_chain_reset="resubscribe")
    fresh: list[Event] = []

    async def follow_new_chain() -> None:
        async for event in following:
            fresh.append(event)

    follower = asyncio.create_task(follow_new_chain())
    await asyncio.wait_for(following.connected.wait(), 10)

    described = await run.control("reset")
    new_chain = described["chain_id"]
    assert new_chain
    assert new_chain != chain
    await asyncio.wait_for(asyncio.shield(run.follower), 20)
    reset = run.stream_error
    assert isinstance(reset, ChainReset), f"the stream ended with {reset!r}"
    assert (reset.old_chain_id, reset.new_chain_id, reset.last_seq) == (chain, new_chain, cursor)
    assert chain in str(reset)
    assert new_chain in str(reset)

    newcomer = await run.add_account("newcomer", register=False)
    first = await newcomer.publisher.publish_task(task_data=S["task_c"]["task_data"])
    await eventually(lambda: bool(fresh), 15, "the resubscribed stream delivers the new chain's first event")
    follower.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await follower
    await following.aclose()
    assert fresh[0].seq == 1
    assert (fresh[0].event, fresh[0].data["task_id"]) == (
        "task_published",
        first.task_id,
    )
    assert [e.seq for e in fresh] == list(range(1, len(fresh) + 1))
    assert following.chain_id == new_chain
    assert following.resets == 1

    # The publisher signed on the old chain: its next write is signed for the new one.
    with pytest.raises(InsufficientFunds):
        await run.client("publisher").publisher.publish_task(task_data=S["task_a"]["task_data"])
