"""help(tos_ai.TOSAIClient) is enough to use the client: every public call says what it does."""

from __future__ import annotations

import inspect
import pydoc

import pytest

import tos_ai
from tos_ai.aio import AsyncDev, AsyncMiner, AsyncPublisher, AsyncValidator
from tos_ai.sync import Dev, Miner, Publisher, Validator

PLAIN = pydoc.plaintext  # type: ignore[attr-defined]  # typeshed leaves it out
CLASSES = [
    tos_ai.TOSAIClient,
    AsyncMiner,
    AsyncValidator,
    AsyncPublisher,
    AsyncDev,
    tos_ai.AsyncEventStream,
    tos_ai.AsyncBatch,
    tos_ai.Client,
    Miner,
    Validator,
    Publisher,
    Dev,
    tos_ai.EventStream,
    tos_ai.SyncBatch,
]


def public_members(cls: type) -> list[tuple[str, object]]:
    return [
        (name, member)
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    ]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_public_call_has_a_docstring_that_says_more_than_its_name(cls: type) -> None:
    assert len(inspect.getdoc(cls) or "") > 60, cls.__name__
    missing = []
    for name, member in public_members(cls):
        doc = inspect.getdoc(member) or ""
        if len(doc) < 25 or "on the node." in doc:
            missing.append(name)
    assert not missing, f"{cls.__name__}: {missing}"


def test_help_shows_the_signature_and_the_errors_of_a_call() -> None:
    text = pydoc.render_doc(tos_ai.TOSAIClient, renderer=PLAIN)
    assert "get_task_details(self, task_id: 'str') -> 'TaskDetails'" in text
    assert "UnknownObject" in text
    assert "TOS_NODE_URL" in text
    miner = pydoc.render_doc(AsyncMiner, renderer=PLAIN)
    assert "participate_task(self, task_id: 'str', stake: 'int | str') -> 'Participation'" in miner
    assert "InsufficientFunds" in miner


def test_every_exported_name_is_documented() -> None:
    undocumented = [
        name
        for name in tos_ai.__all__
        if (inspect.isclass(getattr(tos_ai, name)) or inspect.isfunction(getattr(tos_ai, name)))
        and not inspect.getdoc(getattr(tos_ai, name))
    ]
    assert not undocumented
