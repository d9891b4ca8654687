"""The event consumers' glue: each opens recap's unit of work and runs `application.events`.

- identity's and skp's events (and des's that are not partitioned): `apply_once` claims the inbox in one
  transaction, `on_event` applies the event in it;
- des's partitions: `apply_des_batch` runs a batch in one transaction of the intake engine (no pool pre-ping), retried
  once when the pooled connection turned out to be dead;
- `rebuild`: `python -m recap rebuild`, one transaction on the owner's engine.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.unit_of_work import IntakeUnitOfWork, in_session, on_engine
from ..application import events


def on_event(session, envelope: dict) -> None:
    """`apply_once`'s `apply`: log and project the event in the inbox's transaction."""
    events.apply_event(in_session(session), envelope)


def apply_des_batch(engine: sa.Engine, envelopes: list[dict]) -> list[bool]:
    """True per event applied, False per one the inbox already had (`events.apply_des_batch`)."""
    for attempt in (1, 2):
        try:
            with IntakeUnitOfWork(engine) as uow:
                return events.apply_des_batch(uow, envelopes)
        except sa.exc.DBAPIError as exc:
            if attempt == 1 and exc.connection_invalidated:
                continue
            raise
    raise AssertionError("unreachable")


def rebuild(engine: sa.Engine, batch: int = 2000) -> int:
    """Empty every projection and re-apply recap's event log in one transaction; the number of events."""
    with on_engine(engine) as uow:
        return events.rebuild(uow, batch)
