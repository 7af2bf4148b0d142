"""Section 0 of clients/conformance/scenario.md: every vector file, through tos_ai's public functions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tos_ai import (
    ATOMIC_PER_TOS,
    DIFFICULTY_LEVELS,
    EVENT_NAMES,
    MAX_SUPPLY,
    REWARD_RANGES,
    TASK_TYPE_DETAILS,
    AlreadyDone,
    InsufficientFunds,
    InternalError,
    InvalidContent,
    InvalidParams,
    InvalidRequest,
    InvalidTaskState,
    MethodNotFound,
    NodeRPCError,
    NonceMismatch,
    ParseError,
    PermissionDenied,
    RateLimited,
    Rules,
    UnknownObject,
    Wallet,
    WrongChain,
    decode_address,
    format_tos,
    is_address,
    normalize_address,
    normalize_task_type,
    parse_amount,
    rules,
    to_atomic,
)
from tos_ai.errors import rpc_error
from tos_ai.wallet import canonical_json, canonical_request, verify_request

from .conftest import load

#: The client's error type for each kind of vectors/errors.json.
ERROR_TYPES: dict[str, type[NodeRPCError]] = {
    "parse_error": ParseError,
    "invalid_request": InvalidRequest,
    "method_not_found": MethodNotFound,
    "invalid_params": InvalidParams,
    "internal_error": InternalError,
    "unknown_entity": UnknownObject,
    "insufficient_funds": InsufficientFunds,
    "not_accepting": InvalidTaskState,
    "permission_denied": PermissionDenied,
    "nonce_mismatch": NonceMismatch,
    "wrong_chain": WrongChain,
    "invalid_content": InvalidContent,
    "already_done": AlreadyDone,
    "rate_limited": RateLimited,
}


def cases(name: str, key: str = "cases") -> list[Any]:
    items = load(f"vectors/{name}.json")[key]
    assert items, f"vectors/{name}.json has no {key}"
    return list(items)


def case_id(case: Any) -> str:
    return str(case.get("name", case)) if isinstance(case, dict) else str(case)


@pytest.mark.parametrize("case", cases("canonical_json"), ids=case_id)
def test_canonical_json(case: dict[str, Any]) -> None:
    assert canonical_json(json.loads(case["input"])) == case["canonical"].encode("utf-8")


@pytest.mark.parametrize("case", cases("signing"), ids=case_id)
def test_signing(case: dict[str, Any]) -> None:
    wallet = Wallet.from_private_key(case["private_key"])
    assert wallet.public_key.hex() == case["public_key"]
    assert wallet.address == case["address"]
    params = json.loads(case["params"])
    chain = {"chain_id": case["chain_id"], "network": case["network"]}
    signed = canonical_request(case["method"], params, case["nonce"], **chain)
    assert signed == case["signed_bytes"].encode("utf-8")
    auth = wallet.auth_for(case["method"], params, case["nonce"], **chain)
    assert auth["signature"] == case["signature"]
    assert auth == case["auth"]
    assert wallet.sign_params(case["method"], params, case["nonce"], **chain) == {**params, "auth": auth}
    assert verify_request(wallet.address, case["method"], params, case["nonce"], auth["signature"], **chain)
    changed: list[tuple[str, dict[str, Any], int, dict[str, str]]] = [
        (case["method"] + "x", params, case["nonce"], chain),
        (case["method"], params, case["nonce"] + 1, chain),
        (case["method"], params, case["nonce"], {**chain, "chain_id": chain["chain_id"] + "0"}),
        (case["method"], params, case["nonce"], {**chain, "network": "mainnet"}),
        (case["method"], {**params, "extra": 1}, case["nonce"], chain),
    ]
    for method, other_params, nonce, other_chain in changed:
        assert not verify_request(
            wallet.address, method, other_params, nonce, auth["signature"], **other_chain
        )


@pytest.mark.parametrize("case", cases("addresses"), ids=case_id)
def test_addresses(case: dict[str, Any]) -> None:
    if case["valid"]:
        assert is_address(case["address"], "tst")
        assert decode_address(case["address"], "tst").hex() == case["public_key"]
        assert normalize_address(case["address"], "tst") == case["normalized"]
    else:
        assert not is_address(case["address"], "tst")
        with pytest.raises(ValueError):  # noqa: PT011 - Bech32Error; the vector's reason is the node's words
            normalize_address(case["address"], "tst")


@pytest.mark.parametrize("case", cases("amounts", "atomic"), ids=lambda c: repr(c["input"]))
def test_atomic_amounts(case: dict[str, Any]) -> None:
    if case["valid"]:
        assert parse_amount(case["input"]) == int(case["atomic"])
    else:
        with pytest.raises((ValueError, TypeError)):
            parse_amount(case["input"])


@pytest.mark.parametrize("case", cases("amounts", "tos_to_atomic"), ids=lambda c: repr(c["tos"]))
def test_tos_to_atomic(case: dict[str, Any]) -> None:
    if case["atomic"] is None:
        with pytest.raises(ValueError, match="not a TOS amount"):
            to_atomic(case["tos"])
    else:
        assert to_atomic(case["tos"]) == int(case["atomic"])


@pytest.mark.parametrize("case", cases("amounts", "format"), ids=lambda c: c["text"])
def test_format_tos(case: dict[str, Any]) -> None:
    assert format_tos(int(case["atomic"])) == case["text"]


@pytest.mark.parametrize("case", cases("task_types"), ids=case_id)
def test_task_types(case: dict[str, Any]) -> None:
    if case["valid"]:
        assert normalize_task_type(case["input"]) == case["normalized"]
    else:
        with pytest.raises(ValueError, match="task_type") as caught:
            normalize_task_type(case["input"])
        assert str(caught.value).split(":")[0] == case["field"]


def test_task_type_detail_keys_match_the_nodes() -> None:
    assert dict(TASK_TYPE_DETAILS) == load("vectors/task_types.json")["detail_keys"]


def test_the_rules_the_client_keeps_are_the_rules_the_node_publishes() -> None:
    published = load("vectors/rules.json")["rules"]
    assert rules.known_rules() == published
    assert Rules.known().raw == published


def test_the_rules_vector_reads_as_typed_rules() -> None:
    published = Rules.parse(load("vectors/rules.json")["rules"])
    assert published.difficulty_names == DIFFICULTY_LEVELS
    assert {
        level.name: (level.min_reward, level.max_reward) for level in published.difficulty_levels
    } == dict(REWARD_RANGES)
    assert (published.amounts.atomic_per_tos, published.amounts.max_supply) == (ATOMIC_PER_TOS, MAX_SUPPLY)
    assert {rule.name: rule.detail for rule in published.task_types} == dict(TASK_TYPE_DETAILS)
    assert tuple(published.events) == EVENT_NAMES
    assert published.min_reputation("participate", "Beginner") == published.min_reputation(
        "submit", "Beginner"
    )
    assert published.min_reputation("publish", "Legendary") is None
    reward, stake_required = 12_345_678_901, 0
    assert published.stake_bounds(reward, stake_required) == (reward // 10, reward // 2)
    assert published.stake_bounds(reward, reward // 4) == (reward // 4, reward // 2)


@pytest.mark.parametrize("case", cases("errors", "errors"), ids=lambda c: c["kind"])
def test_errors(case: dict[str, Any]) -> None:
    data = {"rule": case["rule"]} if case["rule"] else {"field": "x"}
    error = rpc_error("some_method", case["code"], case["meaning"], data)
    expected = ERROR_TYPES[case["kind"]]
    assert isinstance(error, expected)
    if case["kind"] == "permission_denied":
        assert not isinstance(error, NonceMismatch | WrongChain)
    assert (error.method, error.code, error.message, error.data) == (
        "some_method",
        case["code"],
        case["meaning"],
        data,
    )
    assert case["meaning"] in str(error)


def test_an_unknown_code_is_a_generic_node_error_that_keeps_everything() -> None:
    error = rpc_error("m", -32099, "something new", {"a": 1})
    assert type(error) is NodeRPCError
    assert (error.code, error.message, error.data) == (-32099, "something new", {"a": 1})
