"""Applying the events recap consumes: log each in recap's event log, then project it (`uow.projection`); des's
batches through the set-based intake (`uow.intake`). The inbox is claimed by the caller (`apply_once`, or the
intake's `claim_many` here).

Also the rebuild: empty every projection and re-apply the event log in order. Because projections are
order-independent and idempotent (see `recap.domain.projection`), the result equals the live projection.
"""
from __future__ import annotations

from ..domain import projection
from .ports import RecapUnitOfWork

# identity's and skp's events, and des's month targets and quality (the adapters' `sql_store.REFERENCE_HANDLERS`)
REFERENCE_EVENTS = frozenset({
    "employee_registered", "employee_status_changed", "position_changed", "assignment_changed", "skp_approved",
    "skp_scored", "skp_closed", "evaluasi_rated", "rencana_kinerja_approved", "monthly_quality_set",
    "monthly_targets_set"})


def project(uow: RecapUnitOfWork, envelope: dict) -> None:
    """Project without inbox or log (the rebuild; and an event `apply_event` logged)."""
    event_type = envelope["event_type"]
    if event_type in projection.PROJECTED_EVENTS:
        uow.projection.apply_des(envelope)
    elif event_type in REFERENCE_EVENTS:
        uow.projection.apply_reference(envelope)
    else:
        raise projection.BadEvent(f"recap does not consume {event_type}")


def apply_event(uow: RecapUnitOfWork, envelope: dict) -> None:
    """Log the event and project it, in this unit (its inbox already claimed)."""
    uow.projection.log(envelope)
    project(uow, envelope)


def apply_des_batch(uow: RecapUnitOfWork, envelopes: list[dict]) -> list[bool]:
    """des's events delivered together on one partition, in one unit: the inbox claims them all, activity and plan
    events are merged and counted together (`uow.intake.apply_many`), a reference event (des's monthly targets and
    quality) is applied in its place between them. The same final state as one unit per event, at a fraction of
    the round trips and commits; True per event applied, False per one the inbox already had."""
    fresh = uow.intake.claim_many(envelopes)
    run: list[dict] = []  # consecutive activity/plan events, applied together
    for envelope, new in zip(envelopes, fresh, strict=True):
        if not new:
            continue
        if envelope["event_type"] in projection.PROJECTED_EVENTS:
            run.append(envelope)
            continue
        uow.intake.apply_many(run)  # what came before a reference event is applied before it
        run = []
        apply_event(uow, envelope)
    uow.intake.apply_many(run)
    return fresh


def rebuild(uow: RecapUnitOfWork, batch: int = 2000) -> int:
    """Empty the projections and re-apply the event log, in this unit; returns the number of events. The event log
    is held against inserts until the unit ends, so live consumers wait and then apply on top."""
    uow.projection.clear()
    count, last = 0, 0
    while True:
        rows = uow.projection.logged_after(last, batch)
        if not rows:
            return count
        for seq, envelope in rows:
            project(uow, envelope)
            last = seq
            count += 1
