"""Where the shared conformance suite is, and the node the harness started (clients/conformance/README.md).

`TOS_CONFORMANCE_DIR` names the suite's folder (vectors/, scenario.json); outside the harness the
repository's own `clients/conformance/` is read in place. Tests that need a node skip without
`TOS_NODE_URL`, unless `TOS_CONFORMANCE=1`, where a missing node is a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPOSITORY_SUITE = Path(__file__).resolve().parents[3] / "conformance"


def suite_dir() -> Path:
    return Path(os.environ.get("TOS_CONFORMANCE_DIR") or REPOSITORY_SUITE)


def load(name: str) -> Any:
    """One JSON file of the suite, e.g. `load("vectors/signing.json")` or `load("scenario.json")`."""
    return json.loads((suite_dir() / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def node_url() -> str:
    url = os.environ.get("TOS_NODE_URL")
    if url:
        return url
    if os.environ.get("TOS_CONFORMANCE") == "1":
        pytest.fail("TOS_CONFORMANCE=1 but TOS_NODE_URL is not set")
    pytest.skip("needs a devnode: run it with `make test-clients` (clients/conformance/harness.py)")


@pytest.fixture(scope="session")
def control_url(node_url: str) -> str:
    url = os.environ.get("TOS_CONFORMANCE_CONTROL")
    if not url:
        pytest.fail("TOS_CONFORMANCE_CONTROL is not set: run it with `make test-clients`")
    return url.rstrip("/")


def member(rules: Any, path: str) -> Any:
    """The member of an `ai_get_rules` reply at a dotted path (`rate_limits.per_window`)."""
    for name in path.split("."):
        rules = rules[name]
    return rules


def without(rules: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """A copy of an `ai_get_rules` reply without the members at these dotted paths."""
    copy = json.loads(json.dumps(rules))
    for path in paths:
        parent, _, last = path.rpartition(".")
        del (member(copy, parent) if parent else copy)[last]
    return copy
