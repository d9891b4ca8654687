"""Builders of the event envelopes recap consumes, exactly as docs/events.md states them.

Integration tests publish these with `publish_event`; the cross-service test that drives des and skp through their
own APIs can assert the same numbers by replacing the publishing step with real RPCs.
"""
from __future__ import annotations

import datetime as dt
import uuid

from ekinerja_platform.outbox import Event


def _at(day: str, hour: int = 8) -> str:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.timezone.utc).isoformat()


def employee_registered(nip, instansi_id, nama="Pegawai", status="aktif"):
    return Event("employee_registered", "identity", {"nip": nip, "nama": nama, "instansi_id": instansi_id,
                                                     "golongan": "III/a", "status": status},
                 nip=nip, instansi_id=instansi_id).envelope()


def status_changed(nip, instansi_id, old, new, effective, end=None):
    return Event("employee_status_changed", "identity", {"nip": nip, "instansi_id": instansi_id, "old_status": old,
                                                         "new_status": new, "effective_date": effective,
                                                         "end_date": end}, nip=nip, instansi_id=instansi_id).envelope()


def position_changed(jabatan_id, instansi_id, unit_id, nama="Analis", version=1, unit_nama=None):
    return Event("position_changed", "identity", {
        "jabatan_id": jabatan_id, "instansi_id": instansi_id, "unit_id": unit_id, "unit_nama": unit_nama or unit_id,
        "nama": nama, "kind": "fungsional_umum", "job_group": "umum", "parent_id": None, "eselon": None,
        "jenjang": None, "version": version}, instansi_id=instansi_id).envelope()


def assignment_changed(assignment_id, nip, instansi_id, jabatan_id, unit_id, start, end=None, penilai=None,
                       version=1, acting=False, unit_nama=None, heads=None):
    new = {"jabatan_id": jabatan_id, "jabatan_nama": jabatan_id, "unit_id": unit_id, "unit_nama": unit_nama or unit_id,
           "kind": "fungsional_umum", "job_group": "umum", "start": start, "end": end}
    return Event("assignment_changed", "identity", {
        "assignment_id": assignment_id, "nip": nip, "instansi_id": instansi_id, "acting": acting,
        "effective_date": start, "old": None, "new": new, "penilai_nip": penilai, "atasan_penilai_nip": None,
        "heads": heads if heads is not None else [penilai] if penilai else [],
        "version": version}, nip=nip, instansi_id=instansi_id).envelope()


def skp_approved(skp_id, nip, instansi_id, unit_id, jabatan_id, start, end, penilai, kegiatan, version=1):
    return Event("skp_approved", "skp", {
        "skp_id": skp_id, "nip": nip, "instansi_id": instansi_id, "unit_id": unit_id, "jabatan_id": jabatan_id,
        "period_start": start, "period_end": end, "penilai_nip": penilai, "atasan_penilai_nip": None,
        "kegiatan": [{"kegiatan_id": k, "nomor": i + 1, "nama": f"Kegiatan {k}", "satuan": "dokumen",
                      "kuantitas": str(q), "kualitas": "100", "waktu": 12, "biaya": None}
                     for i, (k, q) in enumerate(kegiatan)],
        "version": version}, nip=nip, instansi_id=instansi_id).envelope()


def skp_scored(skp_id, nip, instansi_id, unit_id, year, penilai, nilai):
    return Event("skp_scored", "skp", {
        "skp_id": skp_id, "nip": nip, "instansi_id": instansi_id, "unit_id": unit_id, "year": year,
        "penilai_nip": penilai, "nilai_capaian_skp": str(nilai), "nilai_perilaku": str(nilai),
        "nilai_prestasi_kerja": str(nilai), "sebutan": "Baik"}, nip=nip, instansi_id=instansi_id).envelope()


def plan_submitted(nip, instansi_id, unit_id, tanggal, skp_id="", kegiatan_id="", kuantitas="1", plan_id=None):
    return Event("plan_submitted", "des", {
        "plan_id": plan_id or uuid.uuid4().hex, "nip": nip, "instansi_id": instansi_id, "unit_id": unit_id,
        "tanggal": tanggal, "skp_id": skp_id, "kegiatan_id": kegiatan_id, "kuantitas": str(kuantitas)},
        nip=nip, instansi_id=instansi_id, occurred_at=_at(tanggal, 7)).envelope()


def activity_submitted(activity_id, nip, instansi_id, unit_id, tanggal, skp_id="", kegiatan_id="", kuantitas="1",
                       menit=60, proses=False, penilai="", version=1, jenis="skp", submitted_at=None):
    return Event("activity_submitted", "des", {
        "activity_id": activity_id, "nip": nip, "instansi_id": instansi_id, "unit_id": unit_id, "tanggal": tanggal,
        "skp_id": skp_id, "kegiatan_id": kegiatan_id or None, "jenis": jenis, "kuantitas": str(kuantitas),
        "menit": menit, "proses": proses, "penilai_nip": penilai, "version": version},
        nip=nip, instansi_id=instansi_id, occurred_at=submitted_at or _at(tanggal, 16)).envelope()


def activity_reviewed(activity_id, nip, instansi_id, unit_id, tanggal, skp_id="", kegiatan_id="", diakui="1",
                      menit=60, proses=False, reviewer="", version=2, jenis="skp"):
    return Event("activity_reviewed", "des", {
        "activity_id": activity_id, "nip": nip, "instansi_id": instansi_id, "unit_id": unit_id, "tanggal": tanggal,
        "skp_id": skp_id, "kegiatan_id": kegiatan_id or None, "jenis": jenis, "kuantitas_diakui": str(diakui),
        "menit": menit, "proses": proses, "reviewer_nip": reviewer, "submitted_at": _at(tanggal, 16),
        "reviewed_at": _at(tanggal, 18), "version": version}, nip=nip, instansi_id=instansi_id).envelope()


def revision_requested(activity_id, nip, instansi_id, unit_id, tanggal, reviewer="", version=2):
    return Event("revision_requested", "des", {
        "activity_id": activity_id, "nip": nip, "instansi_id": instansi_id, "unit_id": unit_id, "tanggal": tanggal,
        "reviewer_nip": reviewer, "catatan": "lengkapi bukti", "version": version},
        nip=nip, instansi_id=instansi_id).envelope()


def period_locked(nip, instansi_id, skp_id, activity_ids, tanggal):
    return Event("period_locked", "des", {
        "nip": nip, "instansi_id": instansi_id, "skp_id": skp_id, "scope": "day", "tanggal": tanggal,
        "activity_ids": list(activity_ids), "locked_by": "penilai"}, nip=nip, instansi_id=instansi_id).envelope()


def monthly_quality_set(skp_id, nip, instansi_id, kegiatan_id, tahun, bulan, kualitas):
    return Event("monthly_quality_set", "des", {
        "skp_id": skp_id, "nip": nip, "instansi_id": instansi_id, "kegiatan_id": kegiatan_id, "tahun": tahun,
        "bulan": bulan, "kualitas": str(kualitas)}, nip=nip, instansi_id=instansi_id).envelope()


def monthly_targets_set(skp_id, nip, instansi_id, kegiatan, period_start, period_end, revision=1, split=None):
    """des's split of an SKP: `kegiatan` [{kegiatan_id, kuantitas, satuan?}]; `split` {kegiatan_id: {(tahun, bulan):
    kuantitas}} overrides; otherwise an even split over the period's months (3 decimals, remainder to the last)."""
    from decimal import Decimal
    start, end = dt.date.fromisoformat(period_start), dt.date.fromisoformat(period_end)
    period = [(y, m) for y in range(start.year, end.year + 1) for m in range(1, 13)
              if (start.year, start.month) <= (y, m) <= (end.year, end.month)]
    items = []
    for k in kegiatan:
        given = (split or {}).get(k["kegiatan_id"])
        if given is None:
            units = int(Decimal(str(k["kuantitas"])) * 1000)
            base, extra = divmod(units, len(period))
            given = {month: Decimal(base + (1 if i >= len(period) - extra else 0)) / 1000
                     for i, month in enumerate(period)}
        months = [{"tahun": y, "bulan": m, "kuantitas": f"{Decimal(given.get((y, m), 0)):.3f}"}
                  for y in range(start.year, end.year + 1) for m in range(1, 13)]
        items.append({"kegiatan_id": k["kegiatan_id"], "satuan": k.get("satuan", "dokumen"),
                      "kuantitas": f"{Decimal(str(k['kuantitas'])):.3f}", "months": months})
    return Event("monthly_targets_set", "des", {
        "skp_id": skp_id, "nip": nip, "instansi_id": instansi_id, "period_start": period_start,
        "period_end": period_end, "revision": revision, "kegiatan": items}, nip=nip, instansi_id=instansi_id).envelope()


def targets_for(skp_envelope, revision=1, split=None):
    """The `monthly_targets_set` des publishes after it learns this `skp_approved` (its even split)."""
    d = skp_envelope["data"]
    return monthly_targets_set(d["skp_id"], d["nip"], d["instansi_id"], d["kegiatan"], d["period_start"],
                               d["period_end"], revision=revision, split=split)


def with_targets(*skp_envelopes):
    """Each `skp_approved` followed by des's split of it."""
    return [e for envelope in skp_envelopes for e in (envelope, targets_for(envelope, revision=envelope["data"]
                                                                              ["version"]))]


def evaluasi_rated(skp_id, nip, instansi_id, unit_id, periode, start, end, bulan, penilai, hasil_kerja, perilaku,
                   predikat, kode_predikat, angka_kredit=None, jenjang=None, realisasi=()):
    """skp's PermenPANRB 6/2022 rated period; ``realisasi``: (iki_id, nomor, target, realisasi, bukti count)."""
    jenis = "tahunan" if len(periode) == 4 else "triwulanan" if "Q" in periode else "bulanan"
    codes = {"di_atas": 1, "sesuai": 2, "di_bawah": 3}
    return Event("evaluasi_rated", "skp", {
        "skp_id": skp_id, "nip": nip, "instansi_id": instansi_id, "unit_id": unit_id, "periode": periode,
        "jenis_periode": jenis, "period_start": start, "period_end": end, "bulan": bulan, "penilai_nip": penilai,
        "hasil_kerja": hasil_kerja, "perilaku": perilaku, "kode_hasil_kerja": codes[hasil_kerja],
        "kode_perilaku": codes[perilaku], "predikat": predikat, "kode_predikat": kode_predikat, "jenjang": jenjang,
        "angka_kredit": angka_kredit, "rated_at": _at(end),
        "realisasi": [{"rhk_id": "rhk-1", "rhk_uraian": "Layanan daring tersedia", "iki_id": iki_id,
                       "nomor": nomor, "uraian": f"IKI {nomor}", "aspek": "kuantitas", "target": target,
                       "satuan": "dokumen", "realisasi": value, "uraian_realisasi": None,
                       "bukti": [f"act-{i}" for i in range(bukti)]}
                      for iki_id, nomor, target, value, bukti in realisasi]},
        nip=nip, instansi_id=instansi_id).envelope()


def rencana_kinerja_approved(skp_id, nip, instansi_id, unit_id, start, end, penilai, iki, version=1):
    """skp's approved 6/2022 plan with one RHK; ``iki``: (iki_id, uraian, target, satuan)."""
    return Event("rencana_kinerja_approved", "skp", {
        "skp_id": skp_id, "nip": nip, "instansi_id": instansi_id, "unit_id": unit_id, "jabatan_id": "j-622",
        "ruleset": "permenpanrb-6-2022", "period_start": start, "period_end": end, "penilai_nip": penilai,
        "atasan_penilai_nip": None, "pendekatan": "kuantitatif",
        "rhk": [{"rhk_id": "rhk-1", "nomor": 1, "jenis": "utama", "uraian": "Layanan daring tersedia",
                 "iki": [{"iki_id": i, "nomor": n, "uraian": u, "aspek": "kuantitas", "target": t, "satuan": s}
                         for n, (i, u, t, s) in enumerate(iki, start=1)]}],
        "version": version}, nip=nip, instansi_id=instansi_id).envelope()
