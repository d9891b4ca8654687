"""Publishing an SKP's monthly split (`monthly_targets_set`), so recap measures against des's targets, never
against the yearly target / 12 (DOMAIN §0.14).

One event carries the whole split of the document: every kegiatan, every month of the calendar year(s) of the
period, 0 outside the period (before a move, after a close). `revision` grows with every publication of the
document (a row lock on the document orders them), so a consumer keeps the highest and ignores older ones.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ekinerja_events.des import KegiatanSplit, MonthlyTargetsSet, MonthTarget
from ekinerja_platform.envelope import Event

from ..domain import targets
from .ports import DesUnitOfWork

THREE_PLACES = Decimal("0.001")


def publish(uow: DesUnitOfWork, nip: str, skp_id: str) -> None:
    """Record the event for the document's current split, in the caller's unit of work."""
    doc = uow.targets.next_revision(nip, skp_id)
    if doc is None:
        return
    split: dict[str, dict] = {}
    for row in uow.targets.split(nip, skp_id):
        split.setdefault(row.kegiatan_id, {})[(row.tahun, row.bulan)] = row.kuantitas
    kegiatan = [(k.kegiatan_id, k.satuan, k.kuantitas) for k in uow.targets.kegiatan(nip, skp_id)]
    uow.record(event(nip, skp_id, doc.instansi_id, doc.period_start, doc.period_end, doc.revision, kegiatan, split))


def event(nip: str, skp_id: str, instansi_id: str, period_start: dt.date, period_end: dt.date, revision: int,
          kegiatan: list[tuple[str, str, Decimal]], split: dict[str, dict]) -> Event:
    """The event on its definition; `split` {kegiatan_id: {(tahun, bulan): kuantitas}}, every kuantitas with the
    three places des has always sent."""
    year = targets.full_years(targets.months_between(period_start, period_end))
    items = []
    for kegiatan_id, satuan, total in kegiatan:
        values = split.get(kegiatan_id, {})
        months = tuple(MonthTarget(tahun=y, bulan=m, kuantitas=_places3(values.get((y, m), targets.ZERO)))
                       for y, m in year)
        items.append(KegiatanSplit(kegiatan_id=kegiatan_id, satuan=satuan, kuantitas=_places3(total), months=months))
    return Event.of(MonthlyTargetsSet(skp_id=skp_id, nip=nip, instansi_id=instansi_id, period_start=period_start,
                                      period_end=period_end, revision=revision, kegiatan=tuple(items)),
                    nip=nip, instansi_id=instansi_id)


def _places3(value) -> Decimal:
    return Decimal(value).quantize(THREE_PLACES)
