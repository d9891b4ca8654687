"""The event envelope of DESIGN §5: what a use case records and the relay publishes. Standard library only, so the
application room can build events without importing the outbox's SQL (`outbox.py` writes them, `unit_of_work.py`
collects them)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ekinerja_events import InvalidEventData, check

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

    @classmethod
    def of(cls, payload, *, nip: str | None = None, instansi_id: str | None = None, **envelope) -> Event:
        """The event carrying `payload` (an `ekinerja_events` definition): its type, producer and schema version."""
        return cls(payload.event_type, payload.producer, payload.to_data(), nip=nip, instansi_id=instansi_id,
                   schema_version=payload.schema_version, **envelope)

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


def check_event(event: Event) -> Event:
    """`event` if its data fits its definition (strictly: what a producer writes); InvalidEventData otherwise, so the
    producer's transaction fails (a bug in our code, found by its tests). The outbox writer and the fake unit of
    work call it: every recorded event passes here."""
    try:
        check(event.producer, event.event_type, event.schema_version, event.data, strict=True)
    except InvalidEventData as exc:
        raise InvalidEventData(f"event {event.producer}.{event.event_type} v{event.schema_version}: {exc}") from None
    return event
