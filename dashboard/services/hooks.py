"""What the relay calls for each run of events it announces, inside its transaction (`services.on_new_events`)."""

from __future__ import annotations

from collections.abc import Sequence

from dashboard.models import NodeEvent
from dashboard.services import automining, network, notifications


def on_new_events(events: Sequence[NodeEvent]) -> None:
    """The network figures and notifications take the events into account (each in a savepoint of its own,
    so neither can stop the relay), then published tasks wake auto-mining after the commit."""
    network.on_new_events(events)
    notifications.on_new_events(events)
    automining.on_new_events(events)
