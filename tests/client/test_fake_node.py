"""Malformed replies, HTTP failures and retries, against a tiny in-process fake node.

A real devnode never sends malformed replies or 503s, so only these cases use a fake: an
`httpx.MockTransport` that answers from a script and counts the requests per method.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tos_ai import (
    Client,
    NodeConnectionError,
    NodeHTTPError,
    NodeResponseError,
    NodeTimeoutError,
    RateLimited,
    RetryPolicy,
    TOSAIClient,
)

FAST = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.005, max_retry_after=0.05)
TASK = {
    "task_id": "ab" * 32,
    "title": "A fake task",
    "task_type": "CodeAnalysis",
    "difficulty_level": "Beginner",
    "reward_amount": "10000000000",
    "stake_required": "1000000000",
    "deadline": 1,
    "time_left": 0,
    "participants_count": 0,
    "max_participants": 10,
    "submissions_count": 0,
    "publisher": "tst1x",
    "status": "Published",
}

Reply = Callable[[dict[str, Any]], httpx.Response]


def ok(result: Any) -> Reply:
    return lambda req: httpx.Response(200, json={"jsonrpc": "2.0", "id": req["id"], "result": result})


def status(code: int, text: str = "<html>bad gateway</html>", headers: dict[str, str] | None = None) -> Reply:
    return lambda req: httpx.Response(code, text=text, headers=headers)


def rpc_error(code: int, message: str, data: Any = None) -> Reply:
    return lambda req: httpx.Response(
        200,
        json={"jsonrpc": "2.0", "id": req["id"], "error": {"code": code, "message": message, "data": data}},
    )


def raises(exc: Exception) -> Reply:
    def reply(req: dict[str, Any]) -> httpx.Response:
        raise exc

    return reply


class FakeNode:
    """Answers each method from its script (the last entry repeats) and counts requests."""

    def __init__(self, **scripts: list[Reply]) -> None:
        self.scripts = scripts
        self.requests: Counter[str] = Counter()

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        method = body["method"]
        script = self.scripts[method]
        reply = script[min(self.requests[method], len(script) - 1)]
        self.requests[method] += 1
        return reply(body)

    def async_client(self, **kwargs: Any) -> TOSAIClient:
        return TOSAIClient(
            "http://fake.node", transport=httpx.MockTransport(self.handle), retry=FAST, **kwargs
        )

    def sync_client(self, **kwargs: Any) -> Client:
        return Client("http://fake.node", transport=httpx.MockTransport(self.handle), retry=FAST, **kwargs)


@pytest.mark.parametrize(
    ("result", "field"),
    [
        ([{**TASK, "reward_amount": None}], "result[0].reward_amount"),
        ([{k: v for k, v in TASK.items() if k != "task_id"}], "result[0].task_id"),
        ([{**TASK, "reward_amount": "12.5"}], "result[0].reward_amount"),
        ([{**TASK, "deadline": "tomorrow"}], "result[0].deadline"),
        ({"not": "a list"}, "result"),
        ([42], "result[0]"),
    ],
)
async def test_a_malformed_task_list_raises_node_response_error_naming_the_field(
    result: Any, field: str
) -> None:
    fake = FakeNode(ai_list_active_tasks=[ok(result)])
    async with fake.async_client() as client:
        with pytest.raises(NodeResponseError) as caught:
            await client.list_active_tasks()
    assert caught.value.method == "ai_list_active_tasks"
    assert caught.value.field == field
    assert "ai_list_active_tasks" in str(caught.value)
    assert field in str(caught.value)


@pytest.mark.parametrize(
    ("reply", "field"),
    [
        (lambda req: httpx.Response(200, text="not json"), "body"),
        (lambda req: httpx.Response(200, json=[1, 2]), "body"),
        (lambda req: httpx.Response(200, json={"jsonrpc": "2.0", "id": 999, "result": {}}), "id"),
        (lambda req: httpx.Response(200, json={"id": req["id"], "result": {}}), "jsonrpc"),
        (lambda req: httpx.Response(200, json={"jsonrpc": "2.0", "id": req["id"]}), "result"),
        (
            lambda req: httpx.Response(200, json={"jsonrpc": "2.0", "id": req["id"], "error": {"code": "x"}}),
            "error.code",
        ),
    ],
)
def test_a_broken_envelope_raises_node_response_error(reply: Reply, field: str) -> None:
    fake = FakeNode(get_network_info=[reply])
    with fake.sync_client() as client, pytest.raises(NodeResponseError) as caught:
        client.get_network_info()
    assert caught.value.field == field
    assert caught.value.method == "get_network_info"


async def test_reads_retry_on_5xx_and_succeed() -> None:
    fake = FakeNode(ai_list_active_tasks=[status(503), status(502), ok([TASK])])
    async with fake.async_client() as client:
        tasks = await client.list_active_tasks()
    assert tasks[0]["reward_amount"] == 10_000_000_000
    assert fake.requests["ai_list_active_tasks"] == 3


async def test_reads_give_up_after_the_policys_attempts() -> None:
    fake = FakeNode(get_network_info=[status(503)])
    async with fake.async_client() as client:
        with pytest.raises(NodeHTTPError) as caught:
            await client.get_network_info()
    assert caught.value.status_code == 503
    assert fake.requests["get_network_info"] == FAST.attempts


async def test_reads_retry_on_429_and_on_rate_limited() -> None:
    fake = FakeNode(
        ai_get_task_details=[
            status(429, "slow down", {"retry-after": "0"}),
            rpc_error(-32007, "rate limited", {"retry_after": 0.01}),
            rpc_error(-32001, "unknown task", {"field": "task_id"}),
        ]
    )
    async with fake.async_client() as client:
        with pytest.raises(Exception, match="unknown task"):
            await client.get_task_details("ab" * 32)
    assert fake.requests["ai_get_task_details"] == 3


async def test_a_long_retry_after_is_not_waited_for() -> None:
    fake = FakeNode(get_network_info=[rpc_error(-32007, "rate limited", {"retry_after": 3600})])
    async with fake.async_client() as client:
        with pytest.raises(RateLimited):
            await client.get_network_info()
    assert fake.requests["get_network_info"] == 1


async def test_reads_retry_on_connection_errors_then_raise_node_connection_error() -> None:
    fake = FakeNode(get_network_info=[raises(httpx.ConnectError("connection refused"))])
    async with fake.async_client() as client:
        with pytest.raises(NodeConnectionError, match="connection refused"):
            await client.get_network_info()
    assert fake.requests["get_network_info"] == FAST.attempts


def test_a_read_timeout_becomes_node_timeout_error_after_retries() -> None:
    fake = FakeNode(get_network_info=[raises(httpx.ReadTimeout("slow"))])
    with fake.sync_client() as client, pytest.raises(NodeTimeoutError) as caught:
        client.get_network_info()
    assert caught.value.timeout == 15.0
    assert fake.requests["get_network_info"] == FAST.attempts


@pytest.mark.parametrize(
    "failure",
    [
        status(503),
        raises(httpx.ConnectError("refused")),
        raises(httpx.ReadTimeout("slow")),
        rpc_error(-32007, "rate limited", {"retry_after": 0.01}),
    ],
)
async def test_writes_are_never_retried(failure: Reply) -> None:
    fake = FakeNode(ai_participate_task=[failure, ok({})])
    async with fake.async_client(sender="tst1someone") as client:
        with pytest.raises((NodeHTTPError, NodeConnectionError, NodeTimeoutError, RateLimited)):
            await client.miner.participate_task("ab" * 32, 5)
    assert fake.requests["ai_participate_task"] == 1


def test_sync_writes_are_never_retried_either() -> None:
    fake = FakeNode(ai_publish_task=[status(502)])
    with fake.sync_client() as client, pytest.raises(NodeHTTPError):
        client.publisher.publish_task(task_type="CodeAnalysis", reward_amount=10**10)
    assert fake.requests["ai_publish_task"] == 1


async def test_unknown_methods_through_rpc_call_are_not_retried() -> None:
    fake = FakeNode(custom_method=[status(503)])
    async with fake.async_client() as client:
        with pytest.raises(NodeHTTPError):
            await client.rpc_call("custom_method", {})
    assert fake.requests["custom_method"] == 1


async def test_a_transport_failure_during_a_signed_write_makes_the_next_write_ask_for_the_nonce() -> None:
    from tos_ai import Wallet

    fake = FakeNode(
        get_info=[ok({"network": "devnet", "chain_id": "c0ffee"})],
        get_nonce=[ok({"nonce": 4}), ok({"nonce": 5})],
        ai_cancel_task=[
            ok({"task_id": "x", "status": "cancelled"}),
            raises(httpx.ReadTimeout("lost")),
            ok({}),
        ],
    )
    async with fake.async_client(wallet=Wallet.generate()) as client:
        await client.publisher.cancel_task("ab" * 32)
        with pytest.raises(NodeTimeoutError):
            await client.publisher.cancel_task("ab" * 32)
        await client.publisher.cancel_task("ab" * 32)
    assert fake.requests["get_nonce"] == 2
    assert fake.requests["ai_cancel_task"] == 3


async def test_a_write_refused_for_another_chain_is_signed_again_for_the_nodes_chain_once() -> None:
    from tos_ai import Wallet, WrongChain

    wrong_chain = rpc_error(-32004, "signed for another chain", {"rule": "chain_id", "expected": "new"})
    echo_auth = lambda req: httpx.Response(  # noqa: E731
        200, json={"jsonrpc": "2.0", "id": req["id"], "result": req["params"]["auth"]}
    )
    fake = FakeNode(
        get_info=[ok({"network": "devnet", "chain_id": "old"}), ok({"network": "devnet", "chain_id": "new"})],
        get_nonce=[ok({"nonce": 4}), ok({"nonce": 0})],
        ai_cancel_task=[wrong_chain, echo_auth],
    )
    async with fake.async_client(wallet=Wallet.generate()) as client:
        auth = await client.rpc_call("ai_cancel_task", {"task_id": "ab" * 32})
    assert (auth["chain_id"], auth["nonce"]) == ("new", 0)
    assert (fake.requests["get_info"], fake.requests["get_nonce"], fake.requests["ai_cancel_task"]) == (
        2,
        2,
        2,
    )

    # A second refusal for the chain just read is raised, not sent a third time.
    fake = FakeNode(
        get_info=[ok({"network": "devnet", "chain_id": "old"})] * 2,
        get_nonce=[ok({"nonce": 4})] * 2,
        ai_cancel_task=[wrong_chain, wrong_chain],
    )
    async with fake.async_client(wallet=Wallet.generate()) as client:
        with pytest.raises(WrongChain) as caught:
            await client.publisher.cancel_task("ab" * 32)
    assert caught.value.expected == "new"
    assert fake.requests["ai_cancel_task"] == 2
