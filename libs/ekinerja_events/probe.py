"""The platform's own test producer (libs/ekinerja_platform/tests/probe): one event carrying a text."""
from __future__ import annotations

from dataclasses import dataclass

from .base import Payload


@dataclass(frozen=True, kw_only=True)
class ProbeHappened(Payload):
    producer = "probe"
    event_type = "probe_happened"
    schema_version = 1
    text: str

    @classmethod
    def example(cls):
        return cls(text="hello")
