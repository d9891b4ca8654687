"""The events des publishes, built on their definitions (`ekinerja_events.des`, docs/events.md "Payloads").

Decimals are quantized to the places des has always sent ("2.50"; "1.000" for the monthly split), since a payload
writes a decimal as it is: the wire stays byte for byte what it was (tests/unit/test_event_wire_format.py).
`activity_submitted` is also built by PostgreSQL on the set-based paths (adapters/event_sql.py, the same shape)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ekinerja_events import des as payloads
from ekinerja_platform.envelope import Event

TWO_PLACES = Decimal("0.01")


def places2(value: Decimal) -> Decimal:
    """`value` with two places, as des sends every kuantitas and kualitas ("12.00")."""
    return Decimal(value).quantize(TWO_PLACES)


def places2_or_none(value: Decimal | None) -> Decimal | None:
    return None if value is None else places2(value)


def activity_submitted_payload(v: dict) -> payloads.ActivitySubmitted:
    return payloads.ActivitySubmitted(
        activity_id=str(v["activity_id"]), nip=v["nip"], instansi_id=v["instansi_id"], unit_id=v.get("unit_id"),
        tanggal=v["tanggal"], skp_id=v.get("skp_id"), kegiatan_id=v.get("kegiatan_id"), jenis=v["jenis"],
        kuantitas=places2(v["kuantitas"]), menit=v.get("menit"), proses=bool(v.get("proses")),
        penilai_nip=v.get("penilai_nip"), version=int(v["version"]))


def activity_submitted(v: dict) -> Event:
    return Event.of(activity_submitted_payload(v), nip=v["nip"], instansi_id=v.get("instansi_id"))


def activity_reviewed(v: dict) -> Event:
    return Event.of(payloads.ActivityReviewed(
        activity_id=str(v["activity_id"]), nip=v["nip"], instansi_id=v["instansi_id"], unit_id=v.get("unit_id"),
        tanggal=v["tanggal"], skp_id=v.get("skp_id"), kegiatan_id=v.get("kegiatan_id"), jenis=v["jenis"],
        kuantitas_diakui=places2_or_none(v["kuantitas_diakui"]), menit=v.get("menit"), proses=bool(v.get("proses")),
        reviewer_nip=v["reviewer_nip"], submitted_at=v.get("submitted_at"), reviewed_at=v.get("reviewed_at"),
        version=int(v["version"])), nip=v["nip"], instansi_id=v.get("instansi_id"))


def revision_requested(v: dict) -> Event:
    return Event.of(payloads.RevisionRequested(
        activity_id=str(v["activity_id"]), nip=v["nip"], instansi_id=v["instansi_id"], unit_id=v.get("unit_id"),
        tanggal=v["tanggal"], reviewer_nip=v["reviewer_nip"], catatan=v["catatan"], version=int(v["version"])),
        nip=v["nip"], instansi_id=v.get("instansi_id"))


def plan_submitted(p: dict) -> Event:
    return Event.of(payloads.PlanSubmitted(
        plan_id=str(p["plan_id"]), nip=p["nip"], instansi_id=p["instansi_id"], unit_id=p.get("unit_id"),
        tanggal=p["tanggal"], skp_id=p["skp_id"], kegiatan_id=p["kegiatan_id"], kuantitas=places2(p["kuantitas"])),
        nip=p["nip"], instansi_id=p["instansi_id"])


def period_locked(nip: str, skp, scope: str, start: dt.date, activity_ids: list[str], locked_by: str) -> Event:
    day = scope == "day"
    return Event.of(payloads.PeriodLocked(
        nip=nip, instansi_id=skp.instansi_id, skp_id=skp.skp_id, scope=scope, tanggal=start if day else None,
        tahun=None if day else start.year, bulan=None if day else start.month, activity_ids=tuple(activity_ids),
        locked_by=locked_by), nip=nip, instansi_id=skp.instansi_id)


def monthly_quality_set(nip: str, skp, kegiatan_id: str, tahun: int, bulan: int, kualitas: Decimal) -> Event:
    return Event.of(payloads.MonthlyQualitySet(skp_id=skp.skp_id, nip=nip, instansi_id=skp.instansi_id,
                                      kegiatan_id=kegiatan_id, tahun=tahun, bulan=bulan, kualitas=places2(kualitas)),
                    nip=nip, instansi_id=skp.instansi_id)
