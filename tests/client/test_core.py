"""The I/O-free core: request bodies, the event cursor, retry decisions."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tos_ai import NodeConnectionError, NodeResponseError, RateLimited, ResyncRequired, RetryPolicy, Wallet
from tos_ai import methods as m
from tos_ai.core import EventCursor, RpcCore, ws_url_for
from tos_ai.errors import InvalidContent, NodeHTTPError
from tos_ai.wallet import verify_request


def event(seq: int, name: str = "task_published") -> str:
    return json.dumps({"event": name, "seq": seq, "topoheight": 1, "timestamp": 2, "data": {"n": seq}})


def test_request_ids_increase_and_writes_carry_from_or_auth() -> None:
    unsigned = RpcCore("http://n", sender="tst1me")
    first, body = unsigned.request(m.participate_task("t" * 64, 5))
    second, _ = unsigned.request(m.get_network_info())
    assert second == first + 1
    params = json.loads(body)["params"]
    assert params == {"task_id": "t" * 64, "stake_amount": "5", "from": "tst1me"}
    assert "params" not in json.loads(unsigned.request(m.get_network_info())[1])

    wallet = Wallet.generate()
    signed = RpcCore("http://n", wallet=wallet, sender="tst1ignored", chain=("devnet", "c0ffee"))
    _, body = signed.request(m.participate_task("t" * 64, 5), nonce=9)
    params = json.loads(body)["params"]
    auth = params.pop("auth")
    assert "from" not in params
    assert (auth["nonce"], auth["chain_id"]) == (9, "c0ffee")
    assert verify_request(
        wallet.address, "ai_participate_task", params, 9, auth["signature"], chain_id="c0ffee"
    )
    with pytest.raises(ValueError, match="nonce"):
        signed.request(m.participate_task("t" * 64, 5))


def test_the_event_cursor_resumes_after_the_last_event_and_drops_replays() -> None:
    cursor = EventCursor(since_seq=3)
    assert json.loads(cursor.subscribe_message(1))["params"] == {"events": "*", "since_seq": 3}
    assert cursor.on_message(json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"head_seq": 9}})) is None
    assert cursor.on_message(event(3)) is None
    got = cursor.on_message(event(4))
    assert got is not None
    assert got.seq == 4
    assert got.data == {"n": 4}
    assert cursor.on_message(json.dumps({"event": "subscription_dropped", "last_seq": 4})) is None
    assert json.loads(cursor.subscribe_message(2))["params"]["since_seq"] == 4
    assert cursor.on_message(event(4)) is None
    with pytest.raises(ResyncRequired) as caught:
        cursor.on_message(json.dumps({"event": "resync_required", "oldest_seq": 50}))
    assert caught.value.oldest_seq == 50
    assert caught.value.since_seq == 4


def test_a_live_only_cursor_starts_from_the_head_the_node_reports() -> None:
    cursor = EventCursor(events=["task_published"])
    assert json.loads(cursor.subscribe_message(1))["params"] == {
        "events": ["task_published"],
        "since_seq": None,
    }
    cursor.on_message(json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"head_seq": 12}}))
    assert cursor.last_seq == 12
    assert json.loads(cursor.subscribe_message(2))["params"]["since_seq"] == 12


def test_a_malformed_event_raises_node_response_error() -> None:
    with pytest.raises(NodeResponseError, match=r"event\.seq"):
        EventCursor(0).on_message(json.dumps({"event": "task_published", "seq": "x"}))


def test_retry_decisions_follow_the_allow_list() -> None:
    policy = RetryPolicy(attempts=3, base_delay=0.1, max_delay=1.0, max_retry_after=5)
    refused = NodeConnectionError("m", "u", "refused")
    assert policy.delay("get_network_info", refused, 1) is not None
    assert policy.delay("get_network_info", refused, 3) is None
    assert policy.delay("ai_participate_task", refused, 1) is None
    assert policy.delay("get_nonce", RateLimited("m", -32007, "slow", {"retry_after": 2}), 1) == 2
    assert policy.delay("get_nonce", RateLimited("m", -32007, "slow", {"retry_after": 60}), 1) is None
    assert policy.delay("get_nonce", NodeHTTPError("m", 404, ""), 1) is None
    assert policy.delay("get_nonce", InvalidContent("m", -32005, "bad"), 1) is None
    for attempt in range(1, 10):
        assert 0 < policy.backoff(attempt) <= 1.0


def test_the_websocket_url_follows_the_rpc_url() -> None:
    assert ws_url_for("http://127.0.0.1:8545") == "ws://127.0.0.1:8545/ai/ws"
    assert ws_url_for("https://node.example/json_rpc") == "wss://node.example/ai/ws"


def test_a_client_without_a_url_reads_tos_node_url_then_falls_back_to_localhost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tos_ai import Client, TOSAIClient

    monkeypatch.delenv("TOS_NODE_URL", raising=False)
    monkeypatch.delenv("TOS_NODE_WS_URL", raising=False)
    assert Client().rpc_url == "http://localhost:8545"
    assert TOSAIClient().core.ws_url == "ws://localhost:8545/ai/ws"
    monkeypatch.setenv("TOS_NODE_URL", "http://node.example:9000/json_rpc")
    assert Client().rpc_url == TOSAIClient().rpc_url == "http://node.example:9000/json_rpc"
    assert Client().core.ws_url == "ws://node.example:9000/ai/ws"
    monkeypatch.setenv("TOS_NODE_WS_URL", "wss://events.example/ai/ws")
    assert TOSAIClient().core.ws_url == "wss://events.example/ai/ws"
    # A URL given explicitly wins, and its own /ai/ws with it.
    assert Client("http://127.0.0.1:1").core.ws_url == "ws://127.0.0.1:1/ai/ws"


def test_amounts_are_plain_ascii_digits_up_to_the_whole_supply() -> None:
    # str.isdigit() accepts "١٢" (Arabic-Indic digits) and "²": the node does not, so neither may we.
    for bad in ("\u0661\u0662", "\u00b2", " 5", "+5", "1.5", "-1", str(2**64), "18400000000000001"):
        with pytest.raises(ValueError, match="stake"):
            m.participate_task("ab" * 32, bad)
    with pytest.raises(TypeError):
        m.participate_task("ab" * 32, True)
    assert m.participate_task("ab" * 32, "007").params == {"task_id": "ab" * 32, "stake_amount": "7"}


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=45),
        st.text(alphabet="0123456789", min_size=1, max_size=45),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.booleans(),
        st.none(),
    )
)
def test_the_client_accepts_exactly_the_amounts_the_node_accepts(value: object) -> None:
    """A differential check against the node's own amount schema (and its supply ceiling)."""
    from devnode.errors import RpcError
    from devnode.schema import Amount
    from tos_ai import parse_amount

    try:
        Amount().parse(value, "amount")
        node_accepts = True
    except RpcError:
        node_accepts = False
    try:
        parse_amount(value)
        client_accepts = True
    except (TypeError, ValueError):
        client_accepts = False
    assert client_accepts == node_accepts


def event_message(seq: int, chain: str) -> str:
    return json.dumps(
        {"event": "task_published", "seq": seq, "topoheight": seq, "timestamp": 0, "data": {"chain": chain}}
    )


def subscribe_reply(head: int, chain: str) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"head_seq": head, "chain_id": chain}})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=6)), min_size=1, max_size=10))
def test_a_cursor_across_resets_and_reconnects_skips_and_repeats_nothing_on_any_chain(
    connections: list[tuple[bool, int]],
) -> None:
    """A node that may reset its chain between connections; the cursor follows each chain from seq 1."""
    from tos_ai import ChainReset

    chain, head = "chain-0", 0
    cursor = EventCursor(since_seq=0)
    delivered: dict[str, list[int]] = {}
    made: dict[str, int] = {}
    for number, (reset, new_events) in enumerate(connections):
        if reset:
            chain, head = f"chain-{number + 1}", 0
        head += new_events
        made[chain] = head
        cursor.subscribe_message(number)
        noticed: ChainReset | None = None
        try:
            cursor.on_message(subscribe_reply(head, chain))
        except ChainReset as exc:
            noticed = exc
        assert (noticed is not None) == reset_since(cursor, chain)
        if noticed is not None:
            assert noticed.new_chain_id == chain
            cursor.restart(
                noticed.new_chain_id
            )  # what on_chain_reset="resubscribe" does, then subscribes again
            cursor.subscribe_message(number)
            cursor.on_message(subscribe_reply(head, chain))
        for seq in range((cursor.last_seq or 0) + 1, head + 1):  # the node's backlog after since_seq
            event = cursor.on_message(event_message(seq, chain))
            assert event is not None
            delivered.setdefault(chain, []).append(event.seq)
    for name, count in made.items():
        assert delivered.get(name, []) == list(range(1, count + 1)), name


def reset_since(cursor: EventCursor, chain: str) -> bool:
    return cursor.chain_id is not None and cursor.chain_id != chain
