"""The official forms of a document (docs/forms.md): who may have them is who may read the document; the people
named come from what skp learnt from identity (name, golongan, current jabatan), the dates from the audit trail.
The use case gathers what a form states (`FormContent`); `adapters/forms.py` lays it out."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..domain.pangkat import pangkat_golongan
from . import handlers as h
from . import policy
from .ports import NOBODY, Person, SkpUnitOfWork

FORM_SKP, FORM_PENILAIAN = "skp", "penilaian"


@dataclass(frozen=True)
class FormContent:
    """What the form ``kind`` of a document states: the document view, the people it names, the dates it carries
    and (for the penilaian) the score."""

    kind: str
    view: dict
    pns: Person
    penilai: Person
    dates: dict[str, dt.date | None]
    atasan: Person = NOBODY
    score: dict = field(default_factory=dict)


def _person(found: dict | None, jabatan: str | None = None, unit: str | None = None) -> Person:
    if found is None:
        return NOBODY
    return Person(nama=found["nama"] or "-", nip=found["nip"], pangkat=pangkat_golongan(found["golongan"]),
                  jabatan=jabatan or found["jabatan"] or "-", unit=unit or found["unit"] or "-")


def build(uow: SkpUnitOfWork, principal, skp_id: str, kind: str) -> FormContent:
    """The content of form ``kind`` (``skp``: Formulir SKP; ``penilaian``: capaian SKP and prestasi kerja)."""
    view = h.get_skp(uow, principal, skp_id)
    policy.authorize("ExportSkp", principal, view)
    # the PNS as on the document (the jabatan of this period), the penilai and atasan as they are now
    pns = _person(uow.documents.person_on_forms(view["nip"]), view["jabatan_nama"], view.get("unit_nama"))
    penilai = _person(uow.documents.person_on_forms(view["penilai_nip"]))
    audited = uow.documents.audit_dates(view["skp_id"])
    if kind == FORM_SKP:
        return FormContent(kind, view, pns, penilai, {"submitted": audited.get("submitted"),
                                                     "approved": audited.get("approved")})
    atasan = _person(uow.documents.person_on_forms(view["atasan_penilai_nip"]))
    final = (audited.get("keberatan_decided") or audited.get("result_accepted")
             or audited.get("result_final_no_keberatan"))
    dates = {"issued": view.get("issued_on"), "keberatan": audited.get("keberatan_filed"),
             "decided": audited.get("keberatan_decided"),
             "received": audited.get("result_accepted") or audited.get("keberatan_filed"), "final": final}
    return FormContent(kind, view, pns, penilai, dates, atasan, h.score_skp(uow, principal, skp_id))
