"""Publishing an SKP's monthly split (`monthly_targets_set`), so recap measures against des's targets, never
against the yearly target / 12 (DOMAIN §0.14).

One event carries the whole split of the document: every kegiatan, every month of the calendar year(s) of the
period, 0 outside the period (before a move, after a close). `revision` grows with every publication of the
document (a row lock on the document orders them), so a consumer keeps the highest and ignores older ones.
"""
from __future__ import annotations

from ekinerja_platform.outbox import Event, record_event

from ..adapters import repository as repo
from ..adapters.tables import skp_documents
from ..domain import targets


def publish(session, nip: str, skp_id: str) -> None:
    """Record the event for the document's current split, in the caller's transaction."""
    doc = session.execute(skp_documents.update().where(skp_documents.c.nip == nip, skp_documents.c.skp_id == skp_id)
                          .values(targets_revision=skp_documents.c.targets_revision + 1)
                          .returning(skp_documents)).first()
    if doc is None:
        return
    months = targets.months_between(doc.period_start, doc.period_end)
    year = targets.full_years(months)
    split: dict[str, dict] = {}
    for row in repo.targets(session, nip, skp_id):
        split.setdefault(row.kegiatan_id, {})[(row.tahun, row.bulan)] = row.kuantitas
    kegiatan = []
    for k in repo.kegiatan_rows(session, nip, skp_id):
        values = split.get(k.kegiatan_id, {})
        kegiatan.append({
            "kegiatan_id": k.kegiatan_id, "satuan": k.satuan, "kuantitas": f"{k.kuantitas:.3f}",
            "months": [{"tahun": y, "bulan": m, "kuantitas": f"{values.get((y, m), targets.ZERO):.3f}"}
                       for y, m in year]})
    record_event(session, Event("monthly_targets_set", "des", {
        "skp_id": skp_id, "nip": nip, "instansi_id": doc.instansi_id, "period_start": doc.period_start.isoformat(),
        "period_end": doc.period_end.isoformat(), "revision": int(doc.targets_revision), "kegiatan": kegiatan},
        nip=nip, instansi_id=doc.instansi_id))


