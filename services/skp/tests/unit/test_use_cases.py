"""skp's PP 46/2011 document use cases (application/handlers.py, official_forms.py) on the in-memory unit of work
(tests/skp_fakes.py): no database, no broker. Each use case: the happy path and the refusal that matters; the
PostgreSQL twins of the repositories are covered by tests/integration."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from skp_fakes import FakeSkpUnitOfWork, new_document

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from ekinerja_platform.tokens import Principal
from skp.application import handlers, official_forms
from skp.domain import document as d

pytestmark = pytest.mark.unit

OWNER_NIP, PENILAI_NIP, ATASAN_NIP = "199001012015011001", "198001012005011002", "197001011995031003"


def pegawai(nip: str, instansi: str = "inst-1") -> Principal:
    return Principal(subject=nip, roles=("pegawai",), instansi_id=instansi, nip=nip)


OWNER, PENILAI, ATASAN = pegawai(OWNER_NIP), pegawai(PENILAI_NIP), pegawai(ATASAN_NIP)
OUTSIDER = pegawai("199501012020011009")
ADMIN = Principal(subject="admin-1", roles=("admin_instansi",), instansi_id="inst-1")


def target(nama="Menyusun laporan", kuantitas="12", waktu="12", biaya=None) -> d.Target:
    return d.Target(None, 1, nama, "laporan", Decimal(kuantitas), Decimal(100), Decimal(waktu),
                    Decimal(biaya) if biaya else None, None)


def target_input(nama="Menyusun laporan", kuantitas="12", waktu="12", kegiatan_id="") -> d.TargetInput:
    return d.TargetInput(kegiatan_id, nama, "laporan", kuantitas, "100", waktu, "", "")


@pytest.fixture
def uow():
    return FakeSkpUnitOfWork()


def draft(uow, **values) -> str:
    doc = uow.documents.add(new_document(**values), [target()])
    return str(doc["skp_id"])


def approved(uow, **values) -> str:
    skp_id = draft(uow, **values)
    handlers.submit_skp(uow, OWNER, skp_id)
    handlers.approve_skp(uow, PENILAI, skp_id)
    return skp_id


def realised_and_assessed(uow) -> tuple[str, str]:
    """An approved 2024 document with a year of work rated, its realisation entered and the perilaku assessed."""
    skp_id = approved(uow)
    kid = str(uow.documents.active_kegiatan(uuid.UUID(skp_id))[0]["kegiatan_id"])
    for bulan in range(1, 13):
        uow.documents.report_work(skp_id, kid, 2024, bulan, "1")
        uow.documents.rate_month(skp_id, kid, 2024, bulan, "100")
    handlers.set_realisasi(uow, OWNER, skp_id, kid, "12", "", dt.date(2024, 12, 2))
    handlers.set_perilaku(uow, PENILAI, skp_id, dict(orientasi_pelayanan="80", integritas="80", komitmen="80",
                                                     disiplin="80", kerja_sama="80"))
    return skp_id, kid


# --- reads --------------------------------------------------------------------------------------------------------


def test_the_owner_reads_the_document_and_an_outsider_is_refused(uow):
    skp_id = draft(uow)
    view = handlers.get_skp(uow, OWNER, skp_id)
    assert view["status"] == d.DRAFT and [k["nama"] for k in view["kegiatan"]] == ["Menyusun laporan"]
    with pytest.raises(PermissionDenied):
        handlers.get_skp(uow, OUTSIDER, skp_id)
    with pytest.raises(InvalidArgument) as bad:
        handlers.get_skp(uow, OWNER, "not-a-uuid")
    assert bad.value.field == "skp_id"
    with pytest.raises(NotFound):
        handlers.get_skp(uow, OWNER, str(uuid.uuid4()))


def test_a_head_up_the_chain_reads_the_document(uow):
    skp_id = draft(uow)
    kadis = pegawai("196501011990031001")
    uow.documents.heads["asg-1"] = frozenset({kadis.nip})
    assert handlers.get_skp(uow, kadis, skp_id)["skp_id"] == uuid.UUID(skp_id)


def test_list_skp_pages_the_readable_documents_and_refuses_an_outsider_even_with_none(uow):
    first = draft(uow)
    second = draft(uow, skp_id=uuid.uuid4(), assignment_id="asg-2", period_start=dt.date(2025, 1, 1),
                   period_end=dt.date(2025, 12, 31))
    page, token = handlers.list_skp(uow, OWNER, "", 0, 1)
    assert [str(v["skp_id"]) for v in page] == [first] and token
    page, token = handlers.list_skp(uow, OWNER, "", 0, 1, token)
    assert [str(v["skp_id"]) for v in page] == [second] and token == ""
    assert [str(v["skp_id"]) for v in handlers.list_skp(uow, OWNER, "", 2025)[0]] == [second]
    with pytest.raises(PermissionDenied):
        handlers.list_skp(uow, OUTSIDER, OWNER_NIP, 0)
    with pytest.raises(PermissionDenied):
        handlers.list_skp(uow, OUTSIDER, "199901012020011111", 0)  # no documents at all: the same answer
    uow.documents.people["199901012020011111"] = {"instansi_id": "inst-1"}
    assert handlers.list_skp(uow, ADMIN, "199901012020011111", 0) == ([], "")  # its admin: an empty list
    with pytest.raises(InvalidArgument) as bad:
        handlers.list_skp(uow, OWNER, "", 99999)
    assert bad.value.field == "year"


def test_list_audit_shows_every_change_in_order_to_a_reader_only(uow):
    skp_id = approved(uow)
    entries, token = handlers.list_audit(uow, PENILAI, skp_id)
    assert [e["action"] for e in entries] == ["submitted", "approved"] and token == ""
    with pytest.raises(PermissionDenied):
        handlers.list_audit(uow, OUTSIDER, skp_id)


# --- targets and agreement ----------------------------------------------------------------------------------------


def test_the_owner_edits_the_targets_at_the_version_seen_and_a_stale_edit_is_refused(uow):
    skp_id = draft(uow)
    [kegiatan] = handlers.get_skp(uow, OWNER, skp_id)["kegiatan"]
    view = handlers.update_targets(uow, OWNER, skp_id, 1, [
        target_input(kuantitas="10", kegiatan_id=str(kegiatan["kegiatan_id"])), target_input("Mengarsipkan surat")],
        "")
    assert view["version"] == 2 and [(k["nama"], k["kuantitas"]) for k in view["kegiatan"]] == [
        ("Menyusun laporan", Decimal(10)), ("Mengarsipkan surat", Decimal(12))]
    assert uow.documents.audit[-1]["action"] == "targets_changed"
    with pytest.raises(FailedPrecondition) as stale:
        handlers.update_targets(uow, OWNER, skp_id, 1, [target_input()], "")
    assert stale.value.field == "expected_version"
    with pytest.raises(PermissionDenied):
        handlers.update_targets(uow, PENILAI, skp_id, 2, [target_input()], "")


def test_an_edit_after_approval_needs_a_reason_and_opens_a_revision(uow):
    skp_id = approved(uow)
    version = handlers.get_skp(uow, OWNER, skp_id)["version"]
    with pytest.raises(InvalidArgument) as missing:
        handlers.update_targets(uow, OWNER, skp_id, version, [target_input()], "")
    assert missing.value.field == "reason"
    view = handlers.update_targets(uow, OWNER, skp_id, version, [target_input()], "tugas baru")
    assert view["status"] == d.REVISION and view["approved_targets"] is not None


def test_submit_needs_a_penilai(uow):
    skp_id = draft(uow)
    assert handlers.submit_skp(uow, OWNER, skp_id)["status"] == d.SUBMITTED
    lonely = draft(uow, skp_id=uuid.uuid4(), assignment_id="asg-2", penilai_nip=None)
    with pytest.raises(FailedPrecondition) as refused:
        handlers.submit_skp(uow, OWNER, lonely)
    assert refused.value.field == "penilai_nip"


def test_the_penilai_approves_and_skp_approved_carries_the_frozen_targets(uow):
    skp_id = draft(uow)
    handlers.submit_skp(uow, OWNER, skp_id)
    with pytest.raises(PermissionDenied):
        handlers.approve_skp(uow, OWNER, skp_id)
    with pytest.raises(FailedPrecondition):
        handlers.approve_skp(uow, ATASAN, skp_id)  # a submission is the penilai's to approve
    assert uow.recorded("skp_approved") == []
    with uow:
        view = handlers.approve_skp(uow, PENILAI, skp_id)
    assert view["status"] == d.APPROVED and view["approved_version"] == 3
    [event] = uow.recorded("skp_approved")
    assert event["skp_id"] == skp_id and event["penilai_nip"] == PENILAI_NIP and event["version"] == 3
    assert [(k["nama"], k["kuantitas"]) for k in event["kegiatan"]] == [("Menyusun laporan", "12")]
    assert uow.committed and [e.event_type for e in uow.events] == ["skp_approved"]


def test_the_penilai_returns_with_a_note_the_owner_escalates_and_the_atasan_decides(uow):
    skp_id = draft(uow)
    handlers.submit_skp(uow, OWNER, skp_id)
    with pytest.raises(InvalidArgument):
        handlers.return_skp(uow, PENILAI, skp_id, " ")
    view = handlers.return_skp(uow, PENILAI, skp_id, "Lengkapi target")
    assert (view["status"], view["return_note"]) == (d.RETURNED, "Lengkapi target")
    with pytest.raises(PermissionDenied):
        handlers.escalate_skp(uow, PENILAI, skp_id, "tidak setuju")
    assert handlers.escalate_skp(uow, OWNER, skp_id, "Target sudah wajar")["status"] == d.DISPUTED
    with pytest.raises(FailedPrecondition):
        handlers.approve_skp(uow, PENILAI, skp_id)  # a disagreement is the atasan's
    assert handlers.approve_skp(uow, ATASAN, skp_id)["status"] == d.APPROVED
    assert uow.recorded("skp_approved")[0]["skp_id"] == skp_id


def test_escalation_needs_an_atasan(uow):
    skp_id = draft(uow, atasan_penilai_nip=None)
    handlers.submit_skp(uow, OWNER, skp_id)
    handlers.return_skp(uow, PENILAI, skp_id, "Lengkapi")
    with pytest.raises(FailedPrecondition) as refused:
        handlers.escalate_skp(uow, OWNER, skp_id, "tidak setuju")
    assert refused.value.field == "atasan_penilai_nip"


# --- realisation and assessment -----------------------------------------------------------------------------------


def test_realisation_is_entered_in_the_last_month_of_the_period(uow):
    skp_id = approved(uow)
    kid = str(handlers.get_skp(uow, OWNER, skp_id)["kegiatan"][0]["kegiatan_id"])
    with pytest.raises(FailedPrecondition) as early:
        handlers.set_realisasi(uow, OWNER, skp_id, kid, "12", "", dt.date(2024, 11, 30))
    assert early.value.field == "period_end"
    with pytest.raises(InvalidArgument) as other:
        handlers.set_realisasi(uow, OWNER, skp_id, str(uuid.uuid4()), "12", "", dt.date(2024, 12, 1))
    assert other.value.field == "kegiatan_id"
    view = handlers.set_realisasi(uow, OWNER, skp_id, kid, "11.5", "", dt.date(2024, 12, 1))
    assert view["kegiatan"][0]["realisasi"]["waktu"] == Decimal("11.5")


def test_realisation_needs_approved_targets(uow):
    skp_id = draft(uow)
    kid = str(handlers.get_skp(uow, OWNER, skp_id)["kegiatan"][0]["kegiatan_id"])
    with pytest.raises(FailedPrecondition) as refused:
        handlers.set_realisasi(uow, OWNER, skp_id, kid, "12", "", dt.date(2024, 12, 1))
    assert refused.value.field == "status"


def test_biaya_is_required_when_the_kegiatan_has_a_biaya_target(uow):
    doc = uow.documents.add(new_document(), [target(biaya="1000000")])
    skp_id = str(doc["skp_id"])
    handlers.submit_skp(uow, OWNER, skp_id)
    handlers.approve_skp(uow, PENILAI, skp_id)
    kid = str(handlers.get_skp(uow, OWNER, skp_id)["kegiatan"][0]["kegiatan_id"])
    with pytest.raises(InvalidArgument) as missing:
        handlers.set_realisasi(uow, OWNER, skp_id, kid, "12", "", dt.date(2024, 12, 1))
    assert missing.value.field == "biaya"


def test_tugas_tambahan_lies_in_the_period(uow):
    skp_id = approved(uow)
    with pytest.raises(InvalidArgument) as outside:
        handlers.add_tugas_tambahan(uow, OWNER, skp_id, "Panitia HUT RI", "2025-01-02")
    assert outside.value.field == "tanggal"
    view = handlers.add_tugas_tambahan(uow, PENILAI, skp_id, "Panitia HUT RI", "2024-08-17")
    assert [(t["uraian"], t["tanggal"], t["created_by"]) for t in view["tugas_tambahan"]] == [
        ("Panitia HUT RI", dt.date(2024, 8, 17), PENILAI_NIP)]
    with pytest.raises(PermissionDenied):
        handlers.add_tugas_tambahan(uow, OUTSIDER, skp_id, "x", "2024-08-17")


def test_the_penilai_sets_kreativitas_of_a_level_of_the_ruleset(uow):
    skp_id = approved(uow)
    with pytest.raises(InvalidArgument) as bad:
        handlers.set_kreativitas(uow, PENILAI, skp_id, "galaksi", "x", "y")
    assert bad.value.field == "level"
    with pytest.raises(PermissionDenied):
        handlers.set_kreativitas(uow, OWNER, skp_id, "", "", "")
    from ekinerja_rules.rulesets import get_ruleset
    level = get_ruleset("pp46-2011").kreativitas_levels()[0]
    view = handlers.set_kreativitas(uow, PENILAI, skp_id, level, "Aplikasi arsip", "SK Kepala Dinas")
    assert (view["kreativitas_level"], view["kreativitas_uraian"]) == (level, "Aplikasi arsip")


def test_the_penilai_sets_perilaku_with_kepemimpinan_only_for_struktural(uow):
    skp_id = approved(uow)
    five = dict(orientasi_pelayanan="80", integritas="81", komitmen="82", disiplin="83", kerja_sama="84")
    with pytest.raises(InvalidArgument) as bad:
        handlers.set_perilaku(uow, PENILAI, skp_id, {**five, "kepemimpinan": "80"})
    assert bad.value.field == "perilaku.kepemimpinan"
    view = handlers.set_perilaku(uow, PENILAI, skp_id, five)
    assert view["perilaku"] == five


# --- scores, results, keberatan -----------------------------------------------------------------------------------


def test_the_live_score_goes_through_the_offline_calculator(uow):
    skp_id, _ = realised_and_assessed(uow)
    result = handlers.score_skp(uow, OWNER, skp_id)
    assert result["skp_ids"] == [skp_id] and result["ruleset"] == "pp46-2011"
    assert result["input"]["skp"][0]["kegiatan"][0]["realisasi"] == {"kuantitas": "12", "kualitas": "100",
                                                                     "waktu": "12"}
    assert Decimal(result["nilai_capaian_skp"]) > 0 and result["nilai_perilaku"] is not None
    with pytest.raises(PermissionDenied):
        handlers.score_skp(uow, OUTSIDER, skp_id)


def test_a_result_is_issued_after_the_period_with_the_perilaku_and_every_month_rated(uow):
    skp_id = approved(uow)
    with pytest.raises(FailedPrecondition) as early:
        handlers.issue_result(uow, PENILAI, skp_id, dt.date(2024, 12, 31))
    assert early.value.field == "period_end"
    with pytest.raises(FailedPrecondition) as no_perilaku:
        handlers.issue_result(uow, PENILAI, skp_id, dt.date(2025, 1, 5))
    assert no_perilaku.value.field == "perilaku"
    kid = str(uow.documents.active_kegiatan(uuid.UUID(skp_id))[0]["kegiatan_id"])
    uow.documents.report_work(skp_id, kid, 2024, 5, "12")
    handlers.set_realisasi(uow, OWNER, skp_id, kid, "12", "", dt.date(2024, 12, 2))
    handlers.set_perilaku(uow, PENILAI, skp_id, dict(orientasi_pelayanan="80", integritas="80", komitmen="80",
                                                     disiplin="80", kerja_sama="80"))
    with pytest.raises(FailedPrecondition) as unrated:
        handlers.issue_result(uow, PENILAI, skp_id, dt.date(2025, 1, 5))
    assert unrated.value.reason == "KUALITAS_BELUM_DINILAI" and "2024-05" in str(unrated.value)
    assert uow.recorded("skp_scored") == []
    uow.documents.rate_month(skp_id, kid, 2024, 5, "90")
    result = handlers.issue_result(uow, PENILAI, skp_id, dt.date(2025, 1, 5))
    assert (result["result_status"], result["keberatan_deadline"]) == (d.RESULT_ISSUED, dt.date(2025, 1, 19))
    [scored] = uow.recorded("skp_scored")
    assert scored["skp_id"] == skp_id and scored["nilai_prestasi_kerja"] == result["nilai_prestasi_kerja"]
    assert handlers.score_skp(uow, OWNER, skp_id)["result_status"] == d.RESULT_ISSUED  # the stored result


def issued(uow) -> str:
    skp_id, _ = realised_and_assessed(uow)
    handlers.issue_result(uow, PENILAI, skp_id, dt.date(2025, 1, 5))
    return skp_id


def test_the_owner_accepts_the_result_and_the_document_closes(uow):
    skp_id = issued(uow)
    with pytest.raises(PermissionDenied):
        handlers.accept_result(uow, PENILAI, skp_id)
    result = handlers.accept_result(uow, OWNER, skp_id)
    assert result["result_status"] == d.RESULT_FINAL
    [closed] = uow.recorded("skp_closed")
    assert (closed["reason"], closed["nilai_prestasi_kerja"]) == ("final", result["nilai_prestasi_kerja"])
    with pytest.raises(FailedPrecondition):
        handlers.accept_result(uow, OWNER, skp_id)


def test_a_keberatan_is_filed_in_its_14_days_and_the_atasan_revises_the_perilaku(uow):
    skp_id = issued(uow)
    with pytest.raises(FailedPrecondition) as late:
        handlers.file_keberatan(uow, OWNER, skp_id, "terlambat", dt.date(2025, 1, 20))
    assert late.value.field == "skp_id"
    filed = handlers.file_keberatan(uow, OWNER, skp_id, "Nilai perilaku terlalu rendah", dt.date(2025, 1, 19))
    assert (filed["result_status"], filed["keberatan_alasan"]) == (d.RESULT_KEBERATAN,
                                                                   "Nilai perilaku terlalu rendah")
    with pytest.raises(PermissionDenied):
        handlers.decide_keberatan(uow, PENILAI, skp_id, "ditolak", False, None)
    before = filed["nilai_prestasi_kerja"]
    decided = handlers.decide_keberatan(uow, ATASAN, skp_id, "Dinaikkan", True, dict(
        orientasi_pelayanan="95", integritas="95", komitmen="95", disiplin="95", kerja_sama="95"))
    assert decided["result_status"] == d.RESULT_FINAL and decided["keberatan_catatan"] == "Dinaikkan"
    assert Decimal(decided["nilai_prestasi_kerja"]) > Decimal(before)
    assert [e["nilai_prestasi_kerja"] for e in uow.recorded("skp_scored")] == [before,
                                                                              decided["nilai_prestasi_kerja"]]
    assert uow.recorded("skp_closed")[0]["nilai_prestasi_kerja"] == decided["nilai_prestasi_kerja"]


def test_results_nobody_objected_to_close_after_their_deadline(uow):
    skp_id = issued(uow)
    assert handlers.close_expired_results(uow, dt.date(2025, 1, 19)) == 0
    assert handlers.close_expired_results(uow, dt.date(2025, 1, 20)) == 1
    doc = uow.documents.get(skp_id)
    assert (doc["result_status"], doc["status"], doc["closed_reason"]) == (d.RESULT_FINAL, d.CLOSED, "final")
    assert uow.documents.audit[-1]["actor"] == "system"
    assert [e["reason"] for e in uow.recorded("skp_closed")] == ["final"]


# --- official forms -----------------------------------------------------------------------------------------------


def test_the_formulir_skp_names_the_people_and_the_agreement_dates(uow):
    skp_id = approved(uow)
    uow.documents.people.update({OWNER_NIP: {"nama": "Siti Aminah", "golongan": "III/c"},
                                 PENILAI_NIP: {"nama": "Budi Santoso", "golongan": "IV/a", "jabatan": "Kepala Bagian",
                                               "unit": "Sekretariat"}})
    content = official_forms.build(uow, OWNER, skp_id, official_forms.FORM_SKP)
    assert (content.pns.nama, content.pns.pangkat, content.pns.jabatan) == ("Siti Aminah", "Penata, III/c",
                                                                            "Pengadministrasi Umum")
    assert (content.penilai.nama, content.penilai.jabatan) == ("Budi Santoso", "Kepala Bagian")
    assert content.dates == {"submitted": dt.date(2025, 1, 10), "approved": dt.date(2025, 1, 10)}
    with pytest.raises(PermissionDenied):
        official_forms.build(uow, OUTSIDER, skp_id, official_forms.FORM_SKP)


def test_the_penilaian_form_carries_the_score_and_the_atasan(uow):
    skp_id = issued(uow)
    content = official_forms.build(uow, PENILAI, skp_id, official_forms.FORM_PENILAIAN)
    assert content.atasan.nip == ATASAN_NIP and content.dates["issued"] == dt.date(2025, 1, 5)
    assert content.score["nilai_prestasi_kerja"] == handlers.score_skp(uow, OWNER, skp_id)["nilai_prestasi_kerja"]


def test_the_atasan_upholds_the_result_and_it_becomes_final_unchanged(uow):
    skp_id = issued(uow)
    before = handlers.score_skp(uow, OWNER, skp_id)["nilai_prestasi_kerja"]
    handlers.file_keberatan(uow, OWNER, skp_id, "Nilai terlalu rendah", dt.date(2025, 1, 6))
    with pytest.raises(InvalidArgument):
        handlers.decide_keberatan(uow, ATASAN, skp_id, " ", False, None)
    decided = handlers.decide_keberatan(uow, ATASAN, skp_id, "Nilai sudah sesuai", False, None)
    assert (decided["result_status"], decided["nilai_prestasi_kerja"]) == (d.RESULT_FINAL, before)
    assert len(uow.recorded("skp_scored")) == 1 and uow.recorded("skp_closed")[0]["nilai_prestasi_kerja"] == before
