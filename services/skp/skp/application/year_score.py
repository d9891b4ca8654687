"""The score of an employee's year from stored documents, through the very code of `ekinerja skp score`.

The stored numbers are written as the contract's input (SKP_SCORE_FORMAT.md, decimals as strings) and go through
``parse_score_input`` -> ``score_year`` -> ``format_score_output``: the RPC and the offline calculator cannot
disagree, and the input is returned beside the result so anyone can check it with the calculator.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from ekinerja_platform import clock
from ekinerja_platform.domain_errors import FailedPrecondition
from ekinerja_rules.rulesets import PP46_2011, get_ruleset
from ekinerja_rules.score_contract import format_score_output, parse_score_input
from ekinerja_rules.scoring import score_year

from ..domain.document import CLOSED, plain
from .ports import SkpUnitOfWork


def require_pp46(ruleset_id: str) -> None:
    """A document made under PermenPANRB 6/2022 has no PP 46 score: its predikat comes from the evaluation."""
    if ruleset_id != PP46_2011.id:
        raise FailedPrecondition(f"dokumen ini dinilai dengan {ruleset_id}: nilai PP 46/2011 tidak berlaku, "
                                 "predikatnya dari evaluasi kinerja", field="ruleset", reason="RULESET_BUKAN_PP46")


def year_documents(uow: SkpUnitOfWork, doc: dict) -> list[dict]:
    """The documents scored together with ``doc``: the employee's documents of the same year with approved
    targets, up to and including ``doc`` (a document closed by a move and the one after it, DOMAIN §0.6)."""
    require_pp46(doc["ruleset"])
    year = doc["period_start"].year
    out = []
    for other in uow.documents.of_employee(doc["nip"], year):
        if other["period_start"].year != year or other["approved_targets"] is None:
            continue
        if other["skp_id"] != doc["skp_id"] and (other["period_start"] > doc["period_start"]
                                                  or other["status"] != CLOSED):
            continue
        out.append(other)
    if not any(d["skp_id"] == doc["skp_id"] for d in out):
        raise FailedPrecondition("the targets have not been approved yet", field="status")
    return out


def document_input(uow: SkpUnitOfWork, doc: dict, index: int) -> dict:
    rows = uow.documents.kegiatan_by_id(doc["skp_id"])
    realised = uow.documents.realisation(doc["skp_id"])
    kegiatan = []
    for k_index, target in enumerate(doc["approved_targets"]):
        kid = uuid.UUID(target["kegiatan_id"])
        row = rows[kid]
        r = realised.get(kid, {"kuantitas": Decimal(0), "kualitas": None})
        path = f"skp[{index}].kegiatan[{k_index}].realisasi"
        out_target = {"kuantitas": target["kuantitas"], "satuan": target["satuan"], "kualitas": target["kualitas"],
                      "waktu": target["waktu"]}
        if target.get("biaya") is not None:
            out_target["biaya"] = target["biaya"]
        if target.get("angka_kredit") is not None:
            out_target["angka_kredit"] = target["angka_kredit"]
        no_output = r["kuantitas"] == 0
        waktu = row["realisasi_waktu"]
        if waktu is None and not no_output:
            raise FailedPrecondition(f"realisasi waktu of {target['nama']!r} is not entered yet", field=f"{path}.waktu")
        realisasi = {"kuantitas": plain(r["kuantitas"]),
                     "kualitas": plain(r["kualitas"]) if r["kualitas"] is not None else "0",
                     "waktu": plain(waktu) if waktu is not None else "0"}
        biaya_counts = target.get("biaya") is not None and Decimal(target["biaya"]) > 0
        if row["realisasi_biaya"] is not None:
            realisasi["biaya"] = plain(row["realisasi_biaya"])
        elif biaya_counts:
            if not no_output:
                raise FailedPrecondition(f"realisasi biaya of {target['nama']!r} is not entered yet",
                                         field=f"{path}.biaya")
            realisasi["biaya"] = "0"
        kegiatan.append({"nama": target["nama"], "target": out_target, "realisasi": realisasi})
    return {"kegiatan": kegiatan, "tugas_tambahan": len(uow.documents.tugas_tambahan(doc["skp_id"])),
            "kreativitas": doc["kreativitas_level"]}


def check_rated(uow: SkpUnitOfWork, documents: list[dict]) -> None:
    """A kegiatan with realisation but no kualitas is not silently scored 0 (issue 16.3): the year's result waits
    until the penilai has rated it; FailedPrecondition lists the kegiatan with their months of work."""
    missing = []
    for doc in documents:
        names = {uuid.UUID(k["kegiatan_id"]): k["nama"] for k in doc["approved_targets"]}
        for kid, months in uow.documents.unrated_kegiatan(doc["skp_id"]).items():
            if kid in names:
                missing.append(f"{names[kid]!r} ({', '.join(f'{y:04d}-{m:02d}' for y, m in months)})")
    if missing:
        raise FailedPrecondition("kualitas belum dinilai untuk kegiatan yang sudah ada realisasinya: "
                                 + "; ".join(missing) + ". Pejabat penilai menetapkannya dengan "
                                 "`ekinerja des quality set`", field="kualitas", reason="KUALITAS_BELUM_DINILAI")


def score_input(uow: SkpUnitOfWork, doc: dict, perilaku: dict | None = None) -> tuple[list[dict], dict]:
    """(documents scored, the contract input) for the year of ``doc``, perilaku from ``doc`` unless given."""
    documents = year_documents(uow, doc)
    data: dict = {"skp": [document_input(uow, d, i) for i, d in enumerate(documents)]}
    perilaku = doc["perilaku"] if perilaku is None else perilaku
    if perilaku:
        data["perilaku"] = dict(perilaku)
    return documents, data


def score(data: dict, ruleset_id: str) -> dict:
    """The contract's output for ``data`` (InvalidArgument naming the field should a stored value be invalid)."""
    require_pp46(ruleset_id)
    ruleset = get_ruleset(ruleset_id)
    documents, perilaku = parse_score_input(data, ruleset)  # InvalidScoreInput is the platform's InvalidArgument
    return format_score_output(score_year(documents, perilaku, ruleset))


def year_of(doc: dict) -> int:
    return doc["period_start"].year


def today() -> dt.date:
    return clock.today()
