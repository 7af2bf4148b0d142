"""Write the conformance vectors (`vectors/*.json`) from the devnode's own code.

Every expected value comes from the code the node checks requests with (`devnode.crypto`, the parameter
schemas of `devnode.methods`, the published rules of `devnode.presenters`), so a client that matches the
vectors matches the node. Run from the
repository root:

    .venv/bin/python clients/conformance/generate.py          # rewrite the files
    .venv/bin/python clients/conformance/generate.py --check  # fail if a file is stale (the tests do this)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nacl.signing import SigningKey  # noqa: E402

from devnode import errors as node_errors  # noqa: E402
from devnode import methods as node_methods  # noqa: E402
from devnode.crypto import (  # noqa: E402
    DEVNET_NETWORK,
    AddressError,
    address_from_public_key,
    bech32_encode,
    canonical_json,
    normalize_address,
    sign_request,
    signing_payload,
)
from devnode.errors import RpcError  # noqa: E402
from devnode.schema import Amount  # noqa: E402

VECTORS = Path(__file__).resolve().parent / "vectors"
U64_MAX = 2**64 - 1

# ----- canonical JSON -------------------------------------------------------------------------------------

CANONICAL_CASES: list[tuple[str, str]] = [
    ("keys are sorted", '{"b":1,"a":2,"c":{"z":true,"y":null}}'),
    ("nested objects and arrays keep array order", '{"list":[{"b":2,"a":1},[3,2,1]],"empty":{},"none":[]}'),
    ("no whitespace anywhere", '{ "a" : [ 1 , 2 ] ,\n "b" : "x y" }'),
    ("non-ASCII text is written as UTF-8, not escaped", '{"title":"Évaluer 数据 🚀","ü":"ß"}'),
    ("escaped input reads as the same text", '{"t":"\\u00e9\\ud83d\\ude80"}'),
    (
        "quotes, backslashes and control characters are escaped; / < > & and DEL are not",
        '{"s":"say \\"hi\\"\\\\ path/to <a>&b \\u007f \\n\\r\\t\\b\\f \\u0000\\u001f"}',
    ),
    ("line and paragraph separators are written raw", '{"s":"a\\u2028b\\u2029c"}'),
    (
        "keys sort by Unicode code point, not by UTF-16 unit (U+FF61 before U+1F600)",
        '{"\\ud83d\\ude00":1,"\\uff61":2,"a":3,"B":4,"é":5}',
    ),
    ("integers beyond 2^53 keep every digit", '{"a":9007199254740993,"u64_max":18446744073709551615}'),
    ("negative integers and zero", '{"a":-9223372036854775808,"b":0,"c":-1}'),
    ("numbers with a fraction: shortest round-trip form", '{"a":0.67,"b":0.5,"c":1.5,"d":3.14159}'),
    (
        "small fractions as the node writes them: an exponent from 1e-05 down, two digits at least",
        '{"a":1e-7,"b":0.00001,"c":0.0001,"d":1.5e-10,"e":2.5E-300,"f":123.456e-2}',
    ),
    ("true, false and null", '{"t":true,"f":false,"n":null}'),
    (
        "a whole request body as signed",
        '{"method":"ai_publish_task","nonce":0,"params":{"task_data":{"title":"t","reward_amount":"50000000000",'
        '"verification_type":{"PeerReview":{"required_reviewers":3,"consensus_threshold":0.67}}}},'
        '"chain_id":"c","network":"devnet"}',
    ),
]


def canonical_vectors() -> dict[str, Any]:
    cases = []
    for name, text in CANONICAL_CASES:
        cases.append({"name": name, "input": text, "canonical": canonical_json(json.loads(text)).decode()})
    return {
        "about": (
            "input is JSON text; parse it (integers of any size exactly, no float for them) and write it "
            "canonically: object keys sorted by Unicode code point, no whitespace, UTF-8, strings escaped "
            'only for ", \\ and U+0000-U+001F (\\b \\f \\n \\r \\t, else \\u00XX in lowercase hex), '
            "integers in plain decimal, fractions in the shortest form that reads back to the same double, "
            "as Python's repr writes it (exponent from 1e-05 down, at least two exponent digits: 1e-07). "
            "canonical is the exact text (compare bytes after UTF-8 encoding)."
        ),
        "cases": cases,
    }


# ----- signatures -----------------------------------------------------------------------------------------

CHAIN_A = "3f2a9c0d1e4b5a67"
CHAIN_B = "a1b2c3d4e5f60718"

SIGNING_CASES: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    (
        "publish with a nested task, unicode, an integer and a fraction",
        "01" * 32,
        "ai_publish_task",
        {
            "task_data": {
                "title": "Évaluer l'algorithme 🚀",
                "description": "Optimise the sort; keep it stable.",
                "task_type": {"CodeAnalysis": {"language": "rust"}},
                "reward_amount": "50000000000",
                "difficulty_level": "Intermediate",
                "max_participants": 3,
                "verification_type": {"PeerReview": {"required_reviewers": 2, "consensus_threshold": 0.67}},
            }
        },
        0,
        CHAIN_A,
    ),
    (
        "the same request for another chain signs differently",
        "01" * 32,
        "ai_publish_task",
        {
            "task_data": {
                "title": "Évaluer l'algorithme 🚀",
                "description": "Optimise the sort; keep it stable.",
                "task_type": {"CodeAnalysis": {"language": "rust"}},
                "reward_amount": "50000000000",
                "difficulty_level": "Intermediate",
                "max_participants": 3,
                "verification_type": {"PeerReview": {"required_reviewers": 2, "consensus_threshold": 0.67}},
            }
        },
        0,
        CHAIN_B,
    ),
    (
        "participate with a string stake and a later nonce",
        "02" * 32,
        "ai_participate_task",
        {"task_id": "ab" * 32, "stake_amount": "5000000000"},
        7,
        CHAIN_A,
    ),
    (
        "an integer beyond 2^53 in the params is signed with every digit",
        "03" * 32,
        "ai_register_miner",
        {"miner_config": {"registration_fee": U64_MAX, "specializations": ["rust", "audits"]}},
        1,
        CHAIN_A,
    ),
    (
        "approve with quotes, a backslash and a newline in the reasoning",
        "04" * 32,
        "ai_validate_submission",
        {
            "task_id": "cd" * 32,
            "submission_id": "ef" * 32,
            "validation_result": {
                "Approve": {"quality_score": 87, "reasoning": 'Handles "empty" input;\nuses a\\b path.'}
            },
        },
        12,
        CHAIN_A,
    ),
    (
        "a from member sent beside auth is covered too",
        "05" * 32,
        "ai_cancel_task",
        {
            "task_id": "01" * 32,
            "from": address_from_public_key(bytes(SigningKey(bytes.fromhex("05" * 32)).verify_key)),
        },
        3,
        CHAIN_A,
    ),
    (
        "a submission whose test_results hold nested JSON",
        "06" * 32,
        "ai_submit_solution",
        {
            "task_id": "9f" * 32,
            "solution_data": {
                "content": "Use a binary heap; O(n log n).",
                "code": "fn main() {}\n",
                "test_results": {"passed": 12, "failed": 0, "cases": [{"name": "empty", "ok": True}]},
            },
        },
        0,
        CHAIN_B,
    ),
]


def signing_vectors() -> dict[str, Any]:
    cases = []
    for name, seed, method, params, nonce, chain_id in SIGNING_CASES:
        key = SigningKey(bytes.fromhex(seed))
        signed = sign_request(key, method, params, nonce, chain_id=chain_id)
        payload = signing_payload(method, params, nonce, chain_id=chain_id, network=DEVNET_NETWORK)
        cases.append(
            {
                "name": name,
                "private_key": seed,
                "public_key": bytes(key.verify_key).hex(),
                "address": address_from_public_key(bytes(key.verify_key)),
                "method": method,
                "params": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
                "nonce": nonce,
                "chain_id": chain_id,
                "network": DEVNET_NETWORK,
                "signed_bytes": payload.decode(),
                "signature": signed["auth"]["signature"],
                "auth": signed["auth"],
            }
        )
    return {
        "about": (
            "private_key is the 32-byte ed25519 seed in hex. params is the JSON text of the params as sent, "
            "without auth. signed_bytes = canonical JSON of "
            '{"chain_id", "method", "network", "nonce", "params"}; signature = ed25519(signed_bytes), hex; '
            "auth is the object to add to the params. ed25519 is deterministic: match signature exactly, "
            "and check that changing any of method, nonce, chain_id, network or params breaks it."
        ),
        "cases": cases,
    }


# ----- addresses ------------------------------------------------------------------------------------------


def _address_case(name: str, text: str) -> dict[str, Any]:
    try:
        normalized = normalize_address(text)
    except AddressError as error:
        return {"name": name, "address": text, "valid": False, "reason": str(error)}
    from devnode.crypto import public_key_from_address

    return {
        "name": name,
        "address": text,
        "valid": True,
        "normalized": normalized,
        "public_key": public_key_from_address(normalized).hex(),
    }


def address_vectors() -> dict[str, Any]:
    keys = [bytes(SigningKey(bytes.fromhex(f"{index:02x}" * 32)).verify_key) for index in range(1, 4)]
    good = address_from_public_key(keys[0])
    flipped = good[:-1] + ("q" if good[-1] != "q" else "p")
    middle = len(good) // 2
    swapped = good[:middle] + ("q" if good[middle] != "q" else "p") + good[middle + 1 :]
    bech32m = _bech32m_encode("tst", keys[0])
    cases = [
        _address_case("a devnet address", good),
        _address_case("another devnet address", address_from_public_key(keys[1])),
        _address_case("the network account (all-zero key)", address_from_public_key(bytes(32))),
        _address_case(
            "all upper case is valid and normalizes to lower case", address_from_public_key(keys[2]).upper()
        ),
        _address_case("wrong checksum (last character changed)", flipped),
        _address_case("wrong checksum (a data character changed)", swapped),
        _address_case("mainnet prefix on the devnet", address_from_public_key(keys[0], "tos")),
        _address_case("mixed case", good[:10].upper() + good[10:]),
        _address_case("bech32m checksum instead of bech32", bech32m),
        _address_case("a 20-byte payload is not a key", bech32_encode("tst", bytes(20))),
        _address_case("a character outside the alphabet ('b')", good[:8] + "b" + good[9:]),
        _address_case("no separator", good.replace("1", "", 1)),
        _address_case("empty", ""),
        _address_case("too long (over 90 characters)", bech32_encode("tst", bytes(64))),
    ]
    return {
        "about": (
            "Classic bech32 (BIP-173, not bech32m), HRP tst on the devnet, data = the 32-byte ed25519 public "
            "key. A valid address may be all lower or all upper case; normalized is the lower-case form the "
            "node uses. Clients must refuse every case marked valid=false (the reason is the node's words)."
        ),
        "cases": cases,
    }


def _bech32m_encode(hrp: str, payload: bytes) -> str:
    from devnode import crypto

    words = crypto.convert_bits(payload, 8, 5, pad=True)
    polymod = crypto._polymod([*crypto._hrp_expand(hrp), *words, 0, 0, 0, 0, 0, 0]) ^ 0x2BC830A3
    checksum = [(polymod >> 5 * (5 - index)) & 31 for index in range(6)]
    return hrp + "1" + "".join(crypto._CHARSET[word] for word in [*words, *checksum])


# ----- amounts --------------------------------------------------------------------------------------------


def _amount_case(value: Any) -> dict[str, Any]:
    try:
        parsed = Amount().parse(value, "amount")
    except RpcError as error:
        return {"input": value, "valid": False, "reason": error.message}
    return {"input": value, "valid": True, "atomic": str(parsed)}


def amount_vectors() -> dict[str, Any]:
    atomic_inputs: list[Any] = [
        "0",
        0,
        "1",
        "50000000000",
        50000000000,
        "9007199254740993",
        "18400000000000000",
        18400000000000000,
        "18400000000000001",
        18400000000000001,
        "18446744073709551615",
        "007",
        "18446744073709551616",
        "-1",
        -1,
        "1.5",
        1.5,
        "1e9",
        "",
        " 5",
        "5 ",
        "0x10",
        "+5",
        "١٢",
        True,
        None,
    ]
    tos_cases = [
        ("1", "100000000"),
        ("1.5", "150000000"),
        ("0.00000001", "1"),
        ("184000000", "18400000000000000"),
        ("50", "5000000000"),
        ("0.000000001", None),
        ("-1", None),
        ("1,5", None),
        ("abc", None),
    ]
    formatted = [
        ("0", "0 TOS"),
        ("1", "0.00000001 TOS"),
        ("150000000", "1.5 TOS"),
        ("5000000000", "50 TOS"),
        ("18446744073709551615", "184467440737.09551615 TOS"),
    ]
    return {
        "about": (
            "atomic: what an amount parameter or result accepts. A valid amount is a JSON integer or a "
            "string of ASCII digits only, from 0 to the chain's maximum supply, 18400000000000000 "
            "(184,000,000 TOS, which fits u64); the node refuses more with -32602 rule max_supply, and "
            "results always send strings. Keep amounts as u64 / BigInt / bigint, never as floating "
            "point. The node may refuse a valid amount for a rule (a difficulty's range, a balance): that "
            "is a node error, not a parse error. "
            "tos_to_atomic: a TOS figure with at most 8 decimals (1 TOS = 10^8 atomic); atomic null = refused. "
            "format: atomic to the display text (trailing zeros trimmed)."
        ),
        "atomic": [_amount_case(value) for value in atomic_inputs],
        "tos_to_atomic": [{"tos": tos, "atomic": atomic} for tos, atomic in tos_cases],
        "format": [{"atomic": atomic, "text": text} for atomic, text in formatted],
    }


# ----- task types -----------------------------------------------------------------------------------------


def _task_type_case(name: str, value: Any) -> dict[str, Any]:
    parse: Callable[[Any, str], Any] = node_methods._parse_task_type
    try:
        normalized = parse(value, "task_type")
    except RpcError as error:
        return {
            "name": name,
            "input": value,
            "valid": False,
            "code": error.code,
            "field": error.data.get("field"),
        }
    return {"name": name, "input": value, "valid": True, "normalized": normalized}


def task_type_vectors() -> dict[str, Any]:
    cases = [
        _task_type_case("a bare variant name", "CodeAnalysis"),
        _task_type_case("externally tagged with its detail", {"CodeAnalysis": {"language": "rust"}}),
        _task_type_case("externally tagged, empty detail", {"SecurityAudit": {}}),
        _task_type_case("externally tagged, null detail", {"DataAnalysis": None}),
        _task_type_case("SecurityAudit", {"SecurityAudit": {"scope": "SmartContract"}}),
        _task_type_case("DataAnalysis", {"DataAnalysis": {"data_type": "TimeSeries"}}),
        _task_type_case("AlgorithmOptimization", {"AlgorithmOptimization": {"domain": "sorting"}}),
        _task_type_case("LogicReasoning takes an integer complexity", {"LogicReasoning": {"complexity": 3}}),
        _task_type_case("GeneralTask", {"GeneralTask": {"category": "writing"}}),
        _task_type_case("an unknown variant", "Poetry"),
        _task_type_case("a detail of another variant", {"CodeAnalysis": {"scope": "SmartContract"}}),
        _task_type_case("complexity above 10", {"LogicReasoning": {"complexity": 11}}),
        _task_type_case("complexity as a string", {"LogicReasoning": {"complexity": "3"}}),
        _task_type_case("a detail that is not a string", {"CodeAnalysis": {"language": 5}}),
        _task_type_case("two variants at once", {"CodeAnalysis": {}, "DataAnalysis": {}}),
        _task_type_case("a number", 5),
        _task_type_case("wrong case", "codeanalysis"),
    ]
    return {
        "about": (
            "Task types are externally tagged: {Variant: {detail_key: value}}; a bare variant name is "
            "accepted too. normalized is the form the node stores and returns in task summaries. The REST "
            "flat form puts the detail beside task_type in the body (see rest_flat). detail_keys names each "
            "variant's one detail."
        ),
        "detail_keys": dict(node_methods.rules.TASK_TYPE_DETAILS),
        "cases": cases,
        "rest_flat": [
            {
                "body": {"task_type": "CodeAnalysis", "language": "rust", "reward_amount": "50000000000"},
                "task_type": {"CodeAnalysis": {"language": "rust"}},
                "default_title": "CodeAnalysis (rust)",
            }
        ],
    }


# ----- errors ---------------------------------------------------------------------------------------------

ERROR_KINDS: list[tuple[int, str, str | None, str]] = [
    (node_errors.PARSE_ERROR, "parse_error", None, "the request is not valid JSON"),
    (
        node_errors.INVALID_REQUEST,
        "invalid_request",
        None,
        "not a valid JSON-RPC request (or a batch too big)",
    ),
    (node_errors.METHOD_NOT_FOUND, "method_not_found", None, "no such method"),
    (
        node_errors.INVALID_PARAMS,
        "invalid_params",
        None,
        "a parameter has the wrong type or shape; data.field names it",
    ),
    (node_errors.INTERNAL_ERROR, "internal_error", None, "the node failed; the request changed nothing"),
    (node_errors.UNKNOWN_ENTITY, "unknown_entity", None, "unknown task or submission"),
    (node_errors.INSUFFICIENT_FUNDS, "insufficient_funds", None, "balance too low or stake out of range"),
    (
        node_errors.NOT_ACCEPTING,
        "not_accepting",
        None,
        "the task does not take this action now (status, deadline, full)",
    ),
    (
        node_errors.PERMISSION_DENIED,
        "permission_denied",
        None,
        "not allowed: someone else's task, own task, reputation, signature",
    ),
    (
        node_errors.PERMISSION_DENIED,
        "nonce_mismatch",
        "nonce",
        "the signed nonce is not the account's next; data.expected",
    ),
    (
        node_errors.PERMISSION_DENIED,
        "wrong_chain",
        "chain_id",
        "signed for another chain; data.expected is the node's",
    ),
    (node_errors.INVALID_CONTENT, "invalid_content", None, "a length, score or amount breaks a content rule"),
    (
        node_errors.ALREADY_DONE,
        "already_done",
        None,
        "done before: second participation, validation, registration",
    ),
    (
        node_errors.RATE_LIMITED,
        "rate_limited",
        None,
        "too many actions of this kind; data.retry_after seconds",
    ),
]


def error_vectors() -> dict[str, Any]:
    from devnode.app import _http_status

    return {
        "about": (
            "Every error the node sends and the kind each client maps it to (one error type per kind; "
            "nonce_mismatch and wrong_chain are permission_denied with data.rule naming them, and should be "
            "subtypes of it). http_status is the REST status for the code. Any other code is a generic "
            "node error that keeps its code, message and data."
        ),
        "errors": [
            {"code": code, "kind": kind, "rule": rule, "meaning": meaning, "http_status": _http_status(code)}
            for code, kind, rule, meaning in ERROR_KINDS
        ],
    }


# ----- rules ----------------------------------------------------------------------------------------------

# The members of ai_get_rules that follow the node's settings (--rate-limits, --validation-window,
# --max-events); every other member is the same on every node.
CONFIGURABLE_RULES = [
    "rate_limits.per_window",
    "deadlines.validation_window_seconds",
    "transport.events_kept",
]


def rules_vectors() -> dict[str, Any]:
    from devnode.node import NodeConfig
    from devnode.presenters import published_rules

    return {
        "about": (
            "rules is what ai_get_rules answers on a node started with the defaults (REST GET /ai/rules). "
            "A client that keeps a rule as a constant (difficulty names, reward ranges, the stake divisors, "
            "reputation minimums, task types, statuses, event names, the maximum supply) checks it against "
            "this file; one that needs a rule at run time (the auto-miner's stake and suitability) reads "
            "ai_get_rules from the node. configurable names the members (dotted paths) that follow the "
            "node's settings and may differ on a live node (the conformance harness turns rate limits off: "
            "per_window is null there); every other member is the same on every node. Amounts are atomic "
            "units as decimal strings."
        ),
        "configurable": CONFIGURABLE_RULES,
        "rules": published_rules(NodeConfig()),
    }


# ----- files ----------------------------------------------------------------------------------------------

FILES: dict[str, Callable[[], dict[str, Any]]] = {
    "canonical_json.json": canonical_vectors,
    "signing.json": signing_vectors,
    "addresses.json": address_vectors,
    "amounts.json": amount_vectors,
    "task_types.json": task_type_vectors,
    "errors.json": error_vectors,
    "rules.json": rules_vectors,
}


def render(build: Callable[[], dict[str, Any]]) -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="fail if a committed file differs")
    args = parser.parse_args(argv)
    VECTORS.mkdir(exist_ok=True)
    stale = []
    for name, build in FILES.items():
        path = VECTORS / name
        text = render(build)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale vectors: {', '.join(stale)}; run clients/conformance/generate.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
