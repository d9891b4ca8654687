"""Events of the PermenPANRB 6/2022 SKP (docs/events.md), written to the outbox in the transaction of the change.

``rencana_kinerja_approved``: the plan in force (RHK and IKI with their stable ids), so des can tie an activity
report to an IKI of the employee's approved plan. ``evaluasi_rated``: a period rated (ratings, predikat, angka
kredit) with the realisation per IKI it was rated on, so recap shows both. The plain ``skp_approved`` stays the
PP 46 event (its ``kegiatan`` are PP 46 targets): a 6/2022 plan is a different shape, so it is a different event.
"""
from __future__ import annotations

from decimal import Decimal

from ekinerja_events import skp as payloads
from ekinerja_platform.envelope import Event
from ekinerja_rules.permenpanrb_6_2022 import Predikat, Rating

from .ports import SkpUnitOfWork


def plan_payload(doc: dict, pendekatan: str, approved: list[dict]) -> payloads.RencanaKinerjaApproved:
    rhk = tuple(payloads.Rhk(rhk_id=r["rhk_id"], nomor=r["nomor"], jenis=r["jenis"], uraian=r["uraian"],
                             iki=tuple(payloads.Iki(iki_id=i["iki_id"], nomor=i["nomor"], uraian=i["uraian"],
                                                    aspek=i["aspek"], target=i["target"], satuan=i["satuan"])
                                       for i in r["iki"])) for r in approved)
    return payloads.RencanaKinerjaApproved(
        skp_id=str(doc["skp_id"]), nip=doc["nip"], instansi_id=doc["instansi_id"], unit_id=doc["unit_id"],
        jabatan_id=doc["jabatan_id"], ruleset=doc["ruleset"], period_start=doc["period_start"],
        period_end=doc["period_end"], penilai_nip=doc["penilai_nip"], atasan_penilai_nip=doc["atasan_penilai_nip"],
        pendekatan=pendekatan, rhk=rhk, version=doc["version"])


def publish_plan_approved(uow: SkpUnitOfWork, doc: dict, pendekatan: str, approved: list[dict]) -> None:
    uow.record(Event.of(plan_payload(doc, pendekatan, approved), nip=doc["nip"], instansi_id=doc["instansi_id"]))


def rated_payload(doc: dict, evaluation: dict, approved: list[dict]) -> payloads.EvaluasiRated:
    """The rated period as recap keeps it: one line per IKI of the approved plan with its realisation."""
    realisasi = evaluation.get("realisasi") or {}
    lines = []
    for r in approved:
        for i in r["iki"]:
            got = realisasi.get(i["iki_id"]) or {}
            lines.append(payloads.Realisasi(
                rhk_id=r["rhk_id"], rhk_uraian=r["uraian"], iki_id=i["iki_id"], nomor=f"{r['nomor']}.{i['nomor']}",
                uraian=i["uraian"], aspek=i["aspek"], target=i["target"], satuan=i["satuan"],
                realisasi=got.get("realisasi"), uraian_realisasi=got.get("uraian"),
                bukti=tuple(got.get("bukti") or ())))
    ak = evaluation.get("angka_kredit")
    return payloads.EvaluasiRated(
        skp_id=str(doc["skp_id"]), nip=doc["nip"], instansi_id=doc["instansi_id"], unit_id=evaluation.get("unit_id"),
        periode=evaluation["periode"], jenis_periode=evaluation["jenis_periode"],
        period_start=evaluation["period_start"], period_end=evaluation["period_end"], bulan=evaluation["bulan"],
        penilai_nip=evaluation.get("rated_by"), hasil_kerja=evaluation["hasil_kerja"],
        perilaku=evaluation["perilaku"], kode_hasil_kerja=Rating(evaluation["hasil_kerja"]).code,
        kode_perilaku=Rating(evaluation["perilaku"]).code, predikat=evaluation["predikat"],
        kode_predikat=Predikat(evaluation["predikat"]).code, jenjang=evaluation.get("jenjang"),
        angka_kredit=Decimal(ak).quantize(Decimal("0.001")) if ak is not None else None,
        rated_at=evaluation.get("rated_at"), realisasi=tuple(lines))


def publish_rated(uow: SkpUnitOfWork, doc: dict, evaluation: dict, approved: list[dict]) -> None:
    uow.record(Event.of(rated_payload(doc, evaluation, approved), nip=doc["nip"], instansi_id=doc["instansi_id"]))
