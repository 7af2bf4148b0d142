"""Fixtures for the dashboard tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.support.devnode import free_port
from tests.support.fake_ai import FakeAI, run_fake_ai


@pytest.fixture
def node_down(settings: SettingsWrapper, fresh_node_status: None) -> str:
    """Point the dashboard at a port nothing listens on."""
    settings.TOS_NODE_URL = f"http://127.0.0.1:{free_port()}"
    return str(settings.TOS_NODE_URL)


@pytest.fixture
def fake_ai() -> Iterator[FakeAI]:
    """A local OpenAI- and Anthropic-compatible server that records what it was asked."""
    with run_fake_ai() as fake:
        yield fake
