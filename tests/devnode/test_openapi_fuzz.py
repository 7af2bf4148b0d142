"""schemathesis against the node's own OpenAPI document, served by a real devnode (bounded).

Each operation gets EXAMPLES valid requests (positive) and EXAMPLES invalid ones (negative) drawn from
the served document, and every reply is checked against it with every schemathesis check: no 5xx, the
documented status codes, content types, headers and schemas; invalid requests refused, valid ones
accepted. The one exception: a write that matches the schema may still be refused for a rule that
depends on the chain's state (a balance, a reputation, a task's status) or on bytes rather than
characters, which no schema can say, so writes skip the "valid data accepted" check; reads keep it.

schemathesis's pytest plugin does not run under pytest 9, so its strategies are driven with hypothesis.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from nacl.signing import SigningKey
from schemathesis import CheckFunction, GenerationMode
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from devnode.crypto import address_from_public_key
from tests.support.devnode import DevnodeProcess, run_devnode

EXAMPLES = 25  # per operation and mode: about 20 s for the whole document

# Addresses carry a bech32 checksum that no pattern can express: the document names the format, and
# this is what a valid one looks like, in either case.
ADDRESSES = st.builds(
    lambda seed, upper: (lambda address: address.upper() if upper else address)(
        address_from_public_key(bytes(SigningKey(seed).verify_key))
    ),
    st.binary(min_size=32, max_size=32),
    st.booleans(),
)
schemathesis.openapi.format("tos-address", ADDRESSES)


@pytest.fixture(scope="module")
def rest_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    with run_devnode(
        tmp_path_factory.mktemp("openapi"), block_time=0, extra_args=["--rate-limits", "off"]
    ) as started:
        yield started


def operations(node: DevnodeProcess) -> list[Any]:
    document = node.http.get(node.url + "/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    found = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        found.append(result.ok())
    return found


def run_operation(operation: Any, mode: GenerationMode, node: DevnodeProcess) -> None:
    excluded: list[CheckFunction] = [positive_data_acceptance] if operation.method.upper() == "POST" else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=node.url, excluded_checks=excluded)

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_route_keeps_its_documented_promises(rest_node: DevnodeProcess, mode: GenerationMode) -> None:
    failures: list[str] = []
    for operation in operations(rest_node):
        try:
            run_operation(operation, mode, rest_node)
        except Unsatisfiable:
            # Nothing to generate: no invalid input exists for an operation without parameters.
            continue
        except Exception as error:  # every operation runs; the failures are reported together
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
