"""Events in whose rate needs a path of their own (the others go through `apply_once` on skp's unit of work,
service.py)."""
from __future__ import annotations

import uuid

from ..adapters import repository as repo
from ..application.consumers import activity_values


def activity_reviewed_once(db, consumer: str, envelope: dict) -> bool:
    """``activity_reviewed`` through the inbox in one statement and one round trip (the event rate is the national
    volume of DES): the inbox claim and the upsert are one atomic statement, so the effect happens exactly when
    the claim does. Same effect as ``apply_once(db, consumer, envelope, on_unit(consumers.activity_reviewed))``;
    False when the event was applied already."""
    return repo.apply_activity_once(db.engine, consumer, uuid.UUID(str(envelope["event_id"])),
                                    activity_values(envelope))
