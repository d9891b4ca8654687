"""recap's events (docs/events.md, recap): a month closed for an instansi (no consumer yet)."""
from __future__ import annotations

from dataclasses import dataclass

from .base import Payload


@dataclass(frozen=True, kw_only=True)
class RecapClosed(Payload):
    producer = "recap"
    event_type = "recap_closed"
    schema_version = 1
    instansi_id: str
    tahun: int
    bulan: int

    @classmethod
    def example(cls):
        return cls(instansi_id="kemenpan", tahun=2024, bulan=3)
