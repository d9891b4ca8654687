"""The official forms of a document (docs/forms.md): who may have them is who may read the document; the people
named come from what skp learnt from identity (name, golongan, current jabatan), the dates from the audit trail."""
from __future__ import annotations

from ..adapters import forms
from ..adapters import repository as repo
from ..domain.pangkat import pangkat_golongan
from . import handlers as h
from . import policy

FORM_SKP, FORM_PENILAIAN = "skp", "penilaian"


def _person(found: dict | None, jabatan: str | None = None, unit: str | None = None) -> forms.Person:
    if found is None:
        return forms.NOBODY
    return forms.Person(nama=found["nama"] or "-", nip=found["nip"], pangkat=pangkat_golongan(found["golongan"]),
                        jabatan=jabatan or found["jabatan"] or "-", unit=unit or found["unit"] or "-")


def build(session, principal, skp_id: str, kind: str) -> forms.Form:
    """The form ``kind`` (``skp``: Formulir SKP; ``penilaian``: capaian SKP and prestasi kerja) of a document."""
    view = h.get_skp(session, principal, skp_id)
    policy.authorize("ExportSkp", principal, view)
    # the PNS as on the document (the jabatan of this period), the penilai and atasan as they are now
    pns = _person(repo.person_on_forms(session, view["nip"]), view["jabatan_nama"], view.get("unit_nama"))
    penilai = _person(repo.person_on_forms(session, view["penilai_nip"]))
    audited = repo.audit_dates(session, view["skp_id"])
    if kind == FORM_SKP:
        return forms.formulir_skp(view, pns, penilai, {"submitted": audited.get("submitted"),
                                                      "approved": audited.get("approved")})
    atasan = _person(repo.person_on_forms(session, view["atasan_penilai_nip"]))
    final = (audited.get("keberatan_decided") or audited.get("result_accepted")
             or audited.get("result_final_no_keberatan"))
    dates = {"issued": view.get("issued_on"), "keberatan": audited.get("keberatan_filed"),
             "decided": audited.get("keberatan_decided"),
             "received": audited.get("result_accepted") or audited.get("keberatan_filed"), "final": final}
    return forms.penilaian(view, pns, penilai, atasan, h.score_skp(session, principal, skp_id), dates)
