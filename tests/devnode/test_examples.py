"""docs/node-api.md: every method has a real example, and the committed page matches a fresh run."""

from __future__ import annotations

import re

import pytest

from devnode.docs import openrpc_document
from devnode.examples.recorder import ROOT, Recorder
from devnode.examples.render import MARKER_RE

DOC = ROOT / "docs" / "node-api.md"
# Sections whose text does not depend on the clock or the random chain id: they must match exactly.
STABLE_PREFIXES = ("params:", "cli", "dev-accounts", "split")
# The worked signature covers this run's random chain id: it must match once the id and what follows from
# it (the signature) are masked.
MASKED_PREFIXES = ("signed:canonical",)
CHAIN_BOUND_RE = re.compile(r'("chain_id":"|Chain id[^`]*`|Signature: `)[0-9a-f]+')
SHAPE_RE = re.compile(
    r'"method": "(?P<method>[^"]+)"|"code": (?P<code>-?\d+)|HTTP (?P<status>\d{3})'
    r'|"event": ?"(?P<event>\w+)"|^ *\d+ (?P<line_event>\w+) ',
    re.M,
)


def served_methods() -> list[str]:
    return [method["name"] for method in openrpc_document()["methods"]]


def sections_of(text: str) -> dict[str, str]:
    return {match["key"]: match["body"] for match in MARKER_RE.finditer(text)}


def shape(body: str) -> list[tuple[str, str]]:
    """What a recorded exchange did (methods, codes, statuses, events), without its volatile values."""
    return [
        (kind, value)
        for match in SHAPE_RE.finditer(body)
        for kind, value in match.groupdict().items()
        if value is not None
    ]


def assert_every_method_has_an_example(text: str) -> None:
    sections = sections_of(text)
    for name in served_methods():
        assert f"### `{name}`" in text, f"no heading for {name}"
        assert sections.get(f"params:{name}", "").strip(), f"no params table for {name}"
        example = sections.get(f"rpc:{name}", "")
        assert f'"method": "{name}"' in example, f"no recorded request for {name}"
        assert '"result"' in example, f"no recorded response for {name}"


@pytest.fixture(scope="module")
def regenerated(scenario_run: tuple[str, list[Recorder]]) -> str:
    return scenario_run[0]


def test_the_committed_doc_has_a_recorded_example_for_every_method_the_node_serves() -> None:
    assert_every_method_has_an_example(DOC.read_text(encoding="utf-8"))


def test_the_committed_doc_documents_no_method_the_node_does_not_serve() -> None:
    text = DOC.read_text(encoding="utf-8")
    reference = text.split("## JSON-RPC methods", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^### `([^`]+)`", reference, re.M) == served_methods()


def test_a_fresh_run_records_an_example_for_every_method(regenerated: str) -> None:
    assert_every_method_has_an_example(regenerated)


def test_the_committed_doc_is_what_a_fresh_run_produces_apart_from_volatile_values(regenerated: str) -> None:
    committed, fresh = sections_of(DOC.read_text(encoding="utf-8")), sections_of(regenerated)
    assert committed.keys() == fresh.keys()
    for key in fresh:
        if key.startswith(STABLE_PREFIXES):
            assert committed[key] == fresh[key], f"{key} is stale: run python -m devnode.examples"
        elif key.startswith(MASKED_PREFIXES):
            assert CHAIN_BOUND_RE.sub(r"\1…", committed[key]) == CHAIN_BOUND_RE.sub(r"\1…", fresh[key]), (
                f"{key} is stale: run python -m devnode.examples"
            )
        else:
            assert shape(committed[key]) == shape(fresh[key]), (
                f"{key} is stale: run python -m devnode.examples"
            )
