"""The event envelope of DESIGN §5: what a use case records and the relay publishes. Standard library only, so the
application room can build events without importing the outbox's SQL (`outbox.py` writes them, `unit_of_work.py`
collects them)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .ids import uuid7

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Event:
    """The envelope of DESIGN §5; `data` must be JSON-serialisable (decimals as strings)."""

    event_type: str
    producer: str
    data: dict
    nip: str | None = None
    instansi_id: str | None = None
    event_id: str = field(default_factory=uuid7)  # time-ordered: the outbox's unique index grows at its edge
    occurred_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat())
    schema_version: int = SCHEMA_VERSION

    def envelope(self) -> dict:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at,
            "producer": self.producer,
            "nip": self.nip,
            "instansi_id": self.instansi_id,
            "data": self.data,
        }
