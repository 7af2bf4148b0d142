"""Fixtures for the dashboard tests."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.support.devnode import free_port


@pytest.fixture
def node_down(settings: SettingsWrapper, fresh_node_status: None) -> str:
    """Point the dashboard at a port nothing listens on."""
    settings.TOS_NODE_URL = f"http://127.0.0.1:{free_port()}"
    return str(settings.TOS_NODE_URL)
