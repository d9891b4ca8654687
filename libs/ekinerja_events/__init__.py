"""The payload of every event, defined once (docs/events.md, "Payloads"): one module per producer, one frozen
dataclass per event type and schema version, JSON Schema files generated from them (`python -m
ekinerja_events.schema`). Standard library only: the application rooms build and read these, the platform checks
every recorded and every consumed event against them (ekinerja_platform.envelope.check_event, events.py). The
test-only `probe` producer's payload is defined beside the probe (libs/ekinerja_platform/tests/probe)."""
from . import des, identity, recap, skp, snowman  # noqa: F401  (each module registers its definitions)
from .base import REGISTRY, InvalidEventData, Payload, Record, absent_if_none, check, definition

__all__ = ["REGISTRY", "InvalidEventData", "Payload", "Record", "absent_if_none", "check", "definition"]
