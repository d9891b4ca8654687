"""Outbox (events written in the same transaction as the change) and inbox (each event applied once).

Never commit and then dispatch: a crash in between loses the event. The relay (`relay.py`) publishes what
`record_event` wrote, after commit, at least once; consumers use `claim_event` so a redelivery has no effect.
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from . import tracing
from .db import inbox_table, outbox_table
from .envelope import SCHEMA_VERSION, Event, check_event  # noqa: F401  (re-exported: producers import them here)

# outbox lanes, for a service whose outbox has the `lane` column (des): bulk imports write BULK_LANE, and the relay
# serves the interactive lane first in every round (relay.py, EKINERJA_RELAY_LANES)
INTERACTIVE_LANE, BULK_LANE = 0, 1


def record_event(session, event: Event) -> None:
    """Add `event` to the outbox inside the caller's transaction, with the current trace context (if any); its data
    checked against its definition first (`check_event`: InvalidEventData fails the transaction)."""
    check_event(event)
    session.execute(outbox_table.insert().values(
        event_id=uuid.UUID(event.event_id), event_type=event.event_type, payload=event.envelope(),
        trace_context=tracing.current_traceparent()))


def claim_event(session, consumer: str, event_id: str) -> bool:
    """Record that `consumer` applies `event_id` in this transaction; False if it already did (skip the effect)."""
    result = session.execute(
        pg_insert(inbox_table).values(consumer=consumer, event_id=uuid.UUID(str(event_id)))
        .on_conflict_do_nothing().returning(inbox_table.c.event_id))
    return result.first() is not None


def outbox_backlog(connection) -> tuple[int, float]:
    """(unsent rows, age in seconds of the oldest unsent row)."""
    row = connection.execute(sa.text(
        "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
        "FROM outbox WHERE sent_at IS NULL")).one()
    return int(row[0]), float(row[1])

