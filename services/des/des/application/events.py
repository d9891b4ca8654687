"""The events des publishes, built exactly as docs/events.md states them (dates ISO, decimals as strings)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ekinerja_platform.envelope import Event


def _s(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _event(event_type: str, view: dict, data: dict) -> Event:
    return Event(event_type, "des", data, nip=view["nip"], instansi_id=view.get("instansi_id"))


def activity_submitted_data(v: dict) -> dict:
    return {"activity_id": str(v["activity_id"]), "nip": v["nip"], "instansi_id": v["instansi_id"],
            "unit_id": v.get("unit_id"), "tanggal": _s(v["tanggal"]), "skp_id": v.get("skp_id"),
            "kegiatan_id": v.get("kegiatan_id"), "jenis": v["jenis"], "kuantitas": _s(v["kuantitas"]),
            "menit": v.get("menit"), "proses": bool(v.get("proses")), "penilai_nip": v.get("penilai_nip"),
            "version": int(v["version"])}


def activity_submitted(v: dict) -> Event:
    return _event("activity_submitted", v, activity_submitted_data(v))


def activity_reviewed(v: dict) -> Event:
    return _event("activity_reviewed", v, {
        "activity_id": str(v["activity_id"]), "nip": v["nip"], "instansi_id": v["instansi_id"],
        "unit_id": v.get("unit_id"), "tanggal": _s(v["tanggal"]), "skp_id": v.get("skp_id"),
        "kegiatan_id": v.get("kegiatan_id"), "jenis": v["jenis"], "kuantitas_diakui": _s(v["kuantitas_diakui"]),
        "menit": v.get("menit"), "proses": bool(v.get("proses")), "reviewer_nip": v["reviewer_nip"],
        "submitted_at": _s(v.get("submitted_at")), "reviewed_at": _s(v.get("reviewed_at")),
        "version": int(v["version"])})


def revision_requested(v: dict) -> Event:
    return _event("revision_requested", v, {
        "activity_id": str(v["activity_id"]), "nip": v["nip"], "instansi_id": v["instansi_id"],
        "unit_id": v.get("unit_id"), "tanggal": _s(v["tanggal"]), "reviewer_nip": v["reviewer_nip"],
        "catatan": v["catatan"], "version": int(v["version"])})


def plan_submitted(p: dict) -> Event:
    return Event("plan_submitted", "des", {
        "plan_id": str(p["plan_id"]), "nip": p["nip"], "instansi_id": p["instansi_id"], "unit_id": p.get("unit_id"),
        "tanggal": _s(p["tanggal"]), "skp_id": p["skp_id"], "kegiatan_id": p["kegiatan_id"],
        "kuantitas": _s(p["kuantitas"])}, nip=p["nip"], instansi_id=p["instansi_id"])


def period_locked(nip: str, skp, scope: str, start: dt.date, activity_ids: list[str], locked_by: str) -> Event:
    data = {"nip": nip, "instansi_id": skp.instansi_id, "skp_id": skp.skp_id, "scope": scope}
    if scope == "day":
        data["tanggal"] = start.isoformat()
    else:
        data.update(tahun=start.year, bulan=start.month)
    data.update(activity_ids=list(activity_ids), locked_by=locked_by)
    return Event("period_locked", "des", data, nip=nip, instansi_id=skp.instansi_id)


def monthly_quality_set(nip: str, skp, kegiatan_id: str, tahun: int, bulan: int, kualitas: Decimal) -> Event:
    return Event("monthly_quality_set", "des", {
        "skp_id": skp.skp_id, "nip": nip, "instansi_id": skp.instansi_id, "kegiatan_id": kegiatan_id,
        "tahun": tahun, "bulan": bulan, "kualitas": f"{kualitas:.2f}"}, nip=nip, instansi_id=skp.instansi_id)
