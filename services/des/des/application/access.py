"""What several use cases check before they touch an employee's day: whom a read or a change is about (the target
the policy table authorises), whether a day's context allows a new entry or plan, the month as a range of days.

Framework-free: it reads through the `Relations` port.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from ekinerja_platform.domain_errors import Conflict, FailedPrecondition, InvalidArgument, quote

from . import parsing
from .policy import Target, caller_nip, needs_heads
from .ports import DaySkp, Relations

RULESET_622 = "permenpanrb-6-2022"
DAY_TIME_ID = (dt.date, dt.datetime, uuid.UUID)  # the sort key of list pages: day, entry time, id


def month_range(tahun: int, bulan: int) -> tuple[dt.date, dt.date]:
    start = dt.date(tahun, bulan, 1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def read_target(relations: Relations, principal, target: Target) -> Target:
    """`target` with the heads up the chain, when they could be what allows the caller to read."""
    if needs_heads(principal, target) and target.nip:
        return dataclasses.replace(target, heads=relations.heads_of(target.nip))
    return target


def skp_and_target(relations: Relations, principal, nip: str, on: dt.date) -> tuple[str, DaySkp | None, Target]:
    """The employee (the caller when `nip` is empty), the SKP covering `on` (or None) and the target to authorise."""
    nip = parsing.nip(nip) if nip else caller_nip(principal)
    skp = relations.skp_for_date(nip, on)
    instansi = skp.instansi_id if skp else relations.instansi_of(nip)
    return nip, skp, read_target(relations, principal, Target(nip, instansi, skp.penilai_nip if skp else None))


def target_for(relations: Relations, principal, nip: str, on: dt.date) -> tuple[str, Target]:
    nip, _, target = skp_and_target(relations, principal, nip, on)
    return nip, target


def locked_span(lock) -> str:
    """The locked period as people say it: the day, the month, or the range of days."""
    start, end = lock.tanggal_start, lock.tanggal_end
    if start == end:
        return f"tanggal {start.isoformat()}"
    if lock.scope == "month":
        return f"bulan {start:%Y-%m}"
    return f"{start.isoformat()} s.d. {end.isoformat()}"


def check_version(current: int, expected: int) -> None:
    """An edit or review names the version it read (0: any); a change made meanwhile is a conflict."""
    if expected and current != expected:
        raise Conflict(f"the entry is at version {current}, not {expected}; re-read it", field="expected_version")


def refuse_locked_day(lock, tanggal: dt.date) -> None:
    """An entry of a locked day changes no more (`lock`: the lock covering the day, or None)."""
    if lock:
        raise FailedPrecondition(f"tanggal {tanggal.isoformat()} terkunci oleh pejabat penilai; entri pada hari "
                                 "terkunci tidak dapat diubah", field="activity_id", reason="PERIOD_LOCKED")


def check_context(ctx, tanggal: dt.date, kegiatan_id: str | None):
    """A new entry or plan needs an open SKP covering the day, the kegiatan on it and the day not locked."""
    if ctx is None:
        raise FailedPrecondition(f"no approved SKP covers {tanggal.isoformat()}", field="tanggal")
    if kegiatan_id and ctx.kegiatan_id is None:
        if getattr(ctx, "ruleset", None) == RULESET_622:  # the report names an IKI of the approved plan
            raise InvalidArgument(f"{quote(kegiatan_id)} bukan IKI pada SKP (PermenPANRB 6/2022) yang disetujui "
                                  f"({ctx.skp_id})", field="kegiatan_id")
        raise InvalidArgument(f"{quote(kegiatan_id)} is not a kegiatan of SKP {ctx.skp_id}", field="kegiatan_id")
    if ctx.locked:
        raise FailedPrecondition(f"tanggal {tanggal.isoformat()} terkunci oleh pejabat penilai", field="tanggal",
                                 reason="PERIOD_LOCKED")
    return ctx
