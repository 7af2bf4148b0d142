"""Fuzzing the JSON-RPC surface of a real devnode process (hypothesis, bounded).

Every method, with random params shaped like its own (known names, wrong types) or not at all: text
with lone surrogates and NUL, integers past 64 bits, negative and huge numbers, NaN and infinities,
deep nesting, odd ids, notifications and batches. Whatever is sent: never a 500, always a JSON-RPC reply
(or 204 for notifications only), never -32603 (an input the node failed on instead of refusing it), and
a refusal changes nothing a client can read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devnode.methods import METHODS
from devnode.schema import Json, ListOf, Obj, Schema
from tests.support.devnode import DevnodeProcess, run_devnode

R = 10_000_000_000
EXAMPLES = 250  # about 15 s against one node on this machine's 2 cores

# ----- values ---------------------------------------------------------------------------------------

SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
ASCII = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=4)
# A lone surrogate between ASCII characters, so that it cannot pair up into a valid character.
LONE_SURROGATE = st.builds(lambda head, odd, tail: head + odd + tail, ASCII, SURROGATE, ASCII)
TEXT = st.one_of(
    st.text(st.one_of(st.characters(), st.just("\x00")), max_size=12),
    LONE_SURROGATE,
    st.sampled_from(["", "\x00", "tst1", "0" * 64, "CodeAnalysis", "Approve", "*"]),
)
NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 18_400_000_000_000_001, 10**40]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 0.5, -0.0]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def plausible(draw: st.DrawFn, node_values: dict[str, list[Any]]) -> Any:
    """A value that may well pass a type check: a real address, task id, amount, task type..."""
    pool = draw(st.sampled_from(list(node_values)))
    return draw(st.sampled_from(node_values[pool]))


@st.composite
def shaped(draw: st.DrawFn, schema: Schema, node_values: dict[str, list[Any]], depth: int = 0) -> Any:
    """A value for `schema` that reaches past its type checks: known member names at every depth,
    each with a plausible value, a value of the right shape, or anything at all."""
    choice = draw(st.integers(0, 9))
    if choice == 0 or depth > 4:
        return draw(JSON)
    if choice == 1:
        return draw(plausible(node_values))
    if isinstance(schema, Obj):
        names = [prop.name for prop in schema.props]
        chosen = draw(st.lists(st.sampled_from([*names, "from"]), max_size=len(names) + 1, unique=True))
        by_name = {prop.name: prop.schema for prop in schema.props}
        value = {name: draw(shaped(by_name.get(name, Json()), node_values, depth + 1)) for name in chosen}
        if not draw(st.integers(0, 10)):
            value[draw(TEXT)] = draw(JSON)  # an unknown member
        return value
    if isinstance(schema, ListOf):
        return draw(st.lists(shaped(schema.item, node_values, depth + 1), max_size=3))
    return draw(st.one_of(NUMBERS, TEXT, plausible(node_values)))


@st.composite
def params_for(draw: st.DrawFn, method: str, node_values: dict[str, list[Any]]) -> Any:
    """Params for `method`: mostly shaped like its own, sometimes positional or anything at all."""
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return draw(JSON)  # anything at all, params itself included
    if shape == 1:
        return draw(st.lists(JSON, max_size=3))  # positional
    schema = METHODS[method].params if method in METHODS else Obj()
    return draw(shaped(schema, node_values))


@st.composite
def request(draw: st.DrawFn, node_values: dict[str, list[Any]]) -> dict[str, Any]:
    method = draw(st.one_of(st.sampled_from(sorted(METHODS)), TEXT))
    # Mostly a well-formed envelope, so the params and the method name get to be checked too.
    item: dict[str, Any] = {"jsonrpc": "2.0" if draw(st.integers(0, 9)) else draw(JSON)}
    item["method"] = method if draw(st.integers(0, 20)) else draw(JSON)
    if draw(st.integers(0, 5)):
        valid_id = st.one_of(st.integers(-(2**70), 2**70), TEXT, st.none())
        item["id"] = draw(valid_id if draw(st.integers(0, 5)) else JSON)
    if draw(st.booleans()):
        item["params"] = draw(params_for(method, node_values))
    if not draw(st.integers(0, 15)):
        item[draw(TEXT)] = draw(JSON)
    return item


def encode(payload: Any, depth: int) -> bytes:
    """JSON as a client could send it: NaN and Infinity as bare words, surrogates as \\u escapes."""
    text = json.dumps(payload, allow_nan=True)
    if depth:
        text = "[" * depth + text + "]" * depth
    return text.encode("ascii")


# ----- the node ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevnodeProcess, dict[str, list[Any]]]]:
    with run_devnode(tmp_path_factory.mktemp("fuzz"), block_time=0) as node:
        accounts = node.rpc("dev_accounts")
        assert isinstance(accounts, list)
        addresses = [account["address"] for account in accounts]
        task_ids = []
        for sender in addresses[:3]:
            result = node.rpc(
                "ai_publish_task",
                {"task_data": {"task_type": "CodeAnalysis", "reward_amount": R}, "from": sender},
            )
            assert isinstance(result, dict)
            task_ids.append(result["task_id"])
        values: dict[str, list[Any]] = {
            "addresses": addresses[:4],
            "task_ids": task_ids,
            "amounts": ["1000000000", 1_000_000_000, str(R), "0", "18400000000000000"],
            "task_data": [
                {"task_type": "CodeAnalysis", "reward_amount": R},
                {
                    "task_type": {"GeneralTask": {"category": "x"}},
                    "reward_amount": str(R),
                    "deadline_hours": 2,
                },
            ],
            "verdicts": [
                {"Approve": {"quality_score": 90, "reasoning": "fine"}},
                {"Reject": {"reason": "no"}},
            ],
            "solutions": [{"content": "a solution long enough"}],
            "small": [1, 10, 3600, 100, 0],
            "names": ["CodeAnalysis", "Beginner", "reward_amount", "desc", "*"],
        }
        yield node, values


def fingerprint(node: DevnodeProcess, addresses: list[str]) -> Any:
    """What any change would move: events, height, clock, statistics, the dev accounts' balances."""
    batch = [
        {"jsonrpc": "2.0", "id": 0, "method": "get_info"},
        {"jsonrpc": "2.0", "id": 1, "method": "get_ai_mining_statistics"},
        *(
            {"jsonrpc": "2.0", "id": 2 + index, "method": "get_balance", "params": {"address": address}}
            for index, address in enumerate(addresses)
        ),
    ]
    replies = node.http.post(node.url, json=batch).json()
    info = replies[0]["result"]
    return (
        info["head_seq"],
        info["topoheight"],
        info["time_offset"],
        replies[1]["result"],
        [reply["result"]["balance"] for reply in replies[2:]],
    )


def assert_rpc_reply(reply: Any) -> bool:
    """A well-formed JSON-RPC reply; True when it is an error."""
    assert isinstance(reply, dict), reply
    assert reply.get("jsonrpc") == "2.0", reply
    assert "id" in reply, reply
    assert ("result" in reply) != ("error" in reply), reply
    if "error" in reply:
        error = reply["error"]
        assert isinstance(error["code"], int), reply
        assert isinstance(error["message"], str), reply
        assert error["message"], reply
        # -32603 would keep the state, but it means the node failed on an input it should have refused.
        assert error["code"] != -32603, reply
        return True
    return False


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_request_breaks_the_node_or_changes_it_when_refused(
    fuzzed: tuple[DevnodeProcess, dict[str, list[Any]]], data: st.DataObject
) -> None:
    node, values = fuzzed
    batch = data.draw(st.integers(0, 6), label="batch size (0: a single request)")
    requests = data.draw(st.lists(request(values), min_size=max(1, batch), max_size=max(1, batch)))
    payload: Any = requests if batch else requests[0]
    depth = data.draw(st.sampled_from([0] * 12 + [1, 50, 3000]), label="extra nesting")
    body = encode(payload, depth)
    before = fingerprint(node, values["addresses"])
    reply = node.http.post(node.url, content=body, headers={"content-type": "application/json"})
    assert reply.status_code != 500, reply.text
    assert reply.status_code in (200, 204, 400, 413), (reply.status_code, reply.text)
    if reply.status_code == 204:
        assert reply.content == b""
        return
    assert reply.headers["content-type"] == "application/json"
    answer = reply.json()
    answers = answer if isinstance(answer, list) else [answer]
    assert answers
    errors = [assert_rpc_reply(item) for item in answers]
    if all(errors) and len(answers) >= (len(requests) if batch and not depth else 1):
        # Every request was refused (a notification's refusal has no reply, so count only full sets).
        assert fingerprint(node, values["addresses"]) == before


def test_the_fuzzer_reaches_refusals_of_every_kind_it_is_meant_to(
    fuzzed: tuple[DevnodeProcess, dict[str, list[Any]]],
) -> None:
    """A fixed sample of the cases above, so a change to the strategies cannot quietly drop them."""
    node, _ = fuzzed
    cases = [
        ('{"jsonrpc":"2.0","id":1,"method":"get_balance","params":{"address":"\\ud800"}}', "unicode"),
        ('{"jsonrpc":"2.0","id":1,"method":"dev_mine","params":{"blocks":NaN}}', "finite"),
        ('{"jsonrpc":"2.0","id":1,"method":"get_info","params":{"x":-Infinity}}', "finite"),
        (
            '{"jsonrpc":"2.0","id":1,"method":"dev_faucet","params":{"address":"x","amount":18446744073709551616}}',
            "address",
        ),
        (
            '{"jsonrpc":"2.0","id":1,"method":"ai_list_active_tasks","params":{"offset":9223372036854775808}}',
            "int64",
        ),
        ('{"jsonrpc":"2.0","id":1,"method":"get_info","params":{"\\u0000":1}}', "unknown_field"),
    ]
    for body, rule in cases:
        reply = node.http.post(node.url, content=body.encode(), headers={"content-type": "application/json"})
        assert reply.status_code == 200
        assert reply.json()["error"]["data"]["rule"] == rule, body
    deep = encode({"jsonrpc": "2.0", "id": 1, "method": "get_info", "params": {"a": 1}}, 0).replace(
        b'{"a": 1}', b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    )
    reply = node.http.post(node.url, content=deep, headers={"content-type": "application/json"})
    assert reply.status_code in (200, 400)
    assert reply.json()["error"]["code"] in (-32700, -32602)
