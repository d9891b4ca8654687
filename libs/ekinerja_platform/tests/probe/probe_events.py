"""The payload of the platform's test producer (`probe`, in the catalogue for the platform's own tests): one event
carrying a text. Defined here, beside the probe, so that nothing of it ships in a production image; importing this
module registers it (the probe process and the platform tests' conftest do)."""
from __future__ import annotations

from dataclasses import dataclass

from ekinerja_events import Payload


@dataclass(frozen=True, kw_only=True)
class ProbeHappened(Payload):
    producer = "probe"
    event_type = "probe_happened"
    schema_version = 1
    text: str

    @classmethod
    def example(cls):
        return cls(text="hello")
