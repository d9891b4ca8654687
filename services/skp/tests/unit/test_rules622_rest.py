"""Issue 22 leftovers, without a database: RHK/IKI of position templates (the plan's rules without cascading; each
document gets ids of its own and chooses its intervensi before submitting) and the finalisation's refusal message
(every broken rule with its counts, from the libs' curve check)."""
from __future__ import annotations

import pytest

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument
from ekinerja_platform.tokens import Principal
from ekinerja_rules.permenpanrb_6_2022 import Predikat
from ekinerja_rules.permenpanrb_6_2022.curve import check_distribution
from ekinerja_rules.permenpanrb_6_2022.rules import PredikatOrganisasi
from skp.application import curve, policy
from skp.domain import rhk

pytestmark = pytest.mark.unit


def _iki(**kw):
    return rhk.IkiInput(**{"uraian": "Jumlah naskah", "aspek": "kuantitas", "target": "4", "satuan": "naskah", **kw})


def _rhk(**kw):
    return rhk.RhkInput(**{"jenis": "utama", "uraian": "Tersusunnya kajian", "iki": (_iki(),), **kw})


def test_a_template_holds_rhk_with_their_iki_and_no_intervensi():
    pendekatan, rows = rhk.validate_template_rhk("kuantitatif", [_rhk(), _rhk(jenis="tambahan", uraian="Sosialisasi")],
                                                 "fungsional_tertentu")
    assert pendekatan == "kuantitatif"
    assert [(r["jenis"], r["uraian"], r["rhk_atasan_id"], r["iki"][0]["target"]) for r in rows] == [
        ("utama", "Tersusunnya kajian", None, "4"), ("tambahan", "Sosialisasi", None, "4")]
    _, qualitative = rhk.validate_template_rhk("kualitatif", [_rhk(iki=(rhk.IkiInput(
        uraian="Kualitas kajian", ekspektasi="Kajian diterima pimpinan tanpa revisi besar"),))], "pelaksana")
    assert qualitative[0]["iki"][0]["ekspektasi"] == "Kajian diterima pimpinan tanpa revisi besar"


@pytest.mark.parametrize("items, kind, field", [
    ([_rhk(rhk_atasan_id="x")], "pelaksana", "rhk[0].rhk_atasan_id"),  # the holder picks it, not the template
    ([_rhk(rhk_id="r-1")], "pelaksana", "rhk[0].rhk_id"),
    ([_rhk(iki=(_iki(iki_id="k-1"),))], "pelaksana", "rhk[0].rhk_id"),
    ([], "pelaksana", "rhk"),
    ([_rhk(jenis="tambahan")], "pelaksana", "rhk"),  # no RHK utama
    ([_rhk(iki=(_iki(target="0"),))], "pelaksana", "rhk[0].iki[0].target"),
    ([_rhk(iki=())], "pelaksana", "rhk[0].iki"),
    ([_rhk(perspektif="anggaran")], "pelaksana", "rhk[0].perspektif"),  # perspektif is a JPT's
    ([_rhk()], "struktural_jpt", "rhk[0].perspektif"),  # a JPT's RHK needs one
])
def test_a_wrong_template_is_refused_naming_the_field(items, kind, field):
    with pytest.raises(InvalidArgument) as error:
        rhk.validate_template_rhk("kuantitatif", items, kind)
    assert error.value.field == field


def test_a_jpt_template_may_name_the_organisations_plan():
    _, rows = rhk.validate_template_rhk("kuantitatif", [_rhk(sasaran_organisasi="Indeks SPBE naik",
                                                             perspektif="penerima layanan")], "struktural_jpt")
    assert (rows[0]["sasaran_organisasi"], rows[0]["perspektif"]) == ("Indeks SPBE naik", "penerima layanan")


def test_each_document_gets_ids_of_its_own_and_must_choose_the_intervensi_before_submitting():
    _, rows = rhk.validate_template_rhk("kuantitatif", [_rhk()], "pelaksana")
    first, second = rhk.plan_from_template(rows), rhk.plan_from_template(rows)
    assert first[0]["rhk_id"] != second[0]["rhk_id"] and first[0]["iki"][0]["iki_id"] != second[0]["iki"][0]["iki_id"]
    assert first[0]["uraian"] == rows[0]["uraian"] and first[0]["rhk_atasan_id"] is None
    with pytest.raises(FailedPrecondition) as error:
        rhk.check_submittable(first, "199001012015011001")
    assert error.value.field == "rhk[0].rhk_atasan_id"
    rhk.check_submittable([{**first[0], "rhk_atasan_id": "atasan-rhk"}], "199001012015011001")


def test_the_refusal_lists_every_broken_rule_with_its_counts():
    result = check_distribution(PredikatOrganisasi.KURANG, [Predikat.SANGAT_BAIK] * 2 + [Predikat.BAIK] * 8)
    message = curve.refusal_message(result)
    assert [v.aturan for v in result.pelanggaran] == ["kurang_min", "butuh_perbaikan_min", "sangat_baik_maks"]
    for v in result.pelanggaran:
        assert f"[{v.aturan}] {v.pesan}" in message
    assert "10 pegawai" in message and "alasan_pengecualian" in message


def test_only_the_pyb_finalises():
    admin = Principal("a", ("admin_instansi",), "inst-1")
    assert policy.authorize_instansi("FinaliseDistribution", admin, "inst-1")
    for caller, instansi in ((Principal("b", ("admin_bkn",)), "inst-1"), (admin, "inst-2"),
                             (Principal("199001012015011001", ("pegawai",), "inst-1", "199001012015011001"), "inst-1")):
        with pytest.raises(Exception) as error:
            policy.authorize_instansi("FinaliseDistribution", caller, instansi)
        assert error.value.kind == "permission_denied"
