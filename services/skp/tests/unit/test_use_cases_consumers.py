"""What skp does with identity's and des's events (application/consumers.py), on the in-memory unit of work
(tests/skp_fakes.py): drafting a new assignment's document, a move closing the old one with its targets prorated,
a new penilai re-announcing the approved SKP, an older event ignored, the yearly rollover, and realisation from
des. No database, no broker."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from skp_fakes import FakeSkpUnitOfWork

from ekinerja_events import des, identity
from ekinerja_platform.tokens import Principal
from skp.application import consumers, handlers
from skp.application.ports import TemplateVersion
from skp.domain import document as d

pytestmark = pytest.mark.unit

NIP, PENILAI, ATASAN, NEW_PENILAI = ("199001012015011001", "198001012005011002", "197001011995031003",
                                     "198502022010011004")
VERSIONS: dict[str, int] = {}


def sent(payload) -> dict:
    """The envelope a consumer gets: the data as the producer writes it (the payload's JSON)."""
    return {"data": payload.to_data()}


def position(nama: str, version: int, jenis=None):
    return sent(identity.PositionChanged(
        jabatan_id="jab-1", instansi_id="inst-1", unit_id="unit-1", unit_nama="Bagian Umum", nama=nama,
        kind="pelaksana", job_group="umum", jenis_jabatan=jenis, version=version))


@pytest.fixture
def uow():
    uow = FakeSkpUnitOfWork()
    consumers.position_changed(uow, position("Pengadministrasi", 1))
    return uow


def day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def assignment(uow, start: str, *, assignment_id="asg-1", jabatan_id="jab-1", end=None, penilai=PENILAI,
               acting=False, ended=None, effective=None, version=None) -> None:
    VERSIONS[assignment_id] = version or VERSIONS.get(assignment_id, 0) + 1
    new = None if ended else identity.AssignmentAfter(
        jabatan_id=jabatan_id, jabatan_nama="Pengadministrasi", unit_id="unit-1", unit_nama="Bagian Umum",
        kind="pelaksana", job_group="umum", start=day(start), end=day(end))
    old = identity.AssignmentBefore(jabatan_id=jabatan_id, unit_id="unit-1", start=day(start),
                                    end=day(ended)) if ended else None
    consumers.assignment_changed(uow, sent(identity.AssignmentChanged(
        assignment_id=assignment_id, nip=NIP, instansi_id="inst-1", acting=acting,
        effective_date=day(effective or start), old=old, new=new, penilai_nip=penilai, atasan_penilai_nip=ATASAN,
        heads=tuple(h for h in (penilai, ATASAN) if h), version=VERSIONS[assignment_id])))


def documents(uow) -> list[dict]:
    return uow.documents.of_employee(NIP)


def test_a_new_assignment_drafts_its_document_from_the_catalogue_prorated_to_the_months(uow):
    assignment(uow, "2024-07-15")
    [doc] = documents(uow)
    assert (doc["period_start"], doc["period_end"], doc["status"], doc["penilai_nip"]) == (
        dt.date(2024, 7, 15), dt.date(2024, 12, 31), d.DRAFT, PENILAI)
    assert doc["ruleset"] == "pp46-2011"
    kegiatan = uow.documents.active_kegiatan(doc["skp_id"])
    assert kegiatan and all(k["waktu"] <= 6 for k in kegiatan)
    [drafted] = uow.documents.audit_entries(doc["skp_id"])
    assert drafted["action"] == "drafted" and drafted["detail"]["source"] == "catalogue:pelaksana"


def test_an_acting_assignment_or_an_older_event_drafts_nothing(uow):
    assignment(uow, "2024-01-01", assignment_id="asg-plt", acting=True)
    assert documents(uow) == []
    assignment(uow, "2024-01-01", version=5)
    assignment(uow, "2024-03-01", version=4)  # older than what is kept: ignored
    [doc] = documents(uow)
    assert doc["period_start"] == dt.date(2024, 1, 1)


def test_a_move_closes_the_approved_document_with_the_served_targets_and_drafts_the_new_one(uow):
    assignment(uow, "2024-01-01")
    [old] = documents(uow)
    handlers.submit_skp(uow, Principal(subject=NIP, roles=("pegawai",), nip=NIP), str(old["skp_id"]))
    handlers.approve_skp(uow, Principal(subject=PENILAI, roles=("pegawai",), nip=PENILAI), str(old["skp_id"]))
    planned = {k["nama"]: Decimal(k["kuantitas"]) for k in uow.documents.get(old["skp_id"])["approved_targets"]}

    assignment(uow, "2024-07-01", assignment_id="asg-2", penilai=NEW_PENILAI)
    closed, new = documents(uow)
    assert (closed["status"], closed["closed_reason"], closed["period_end"]) == (d.CLOSED, "moved",
                                                                                dt.date(2024, 6, 30))
    served = {k["nama"]: Decimal(k["kuantitas"]) for k in closed["approved_targets"]}
    assert served == {nama: (q / 2).quantize(Decimal("0.01")) for nama, q in planned.items()}
    [event] = uow.recorded("skp_closed")
    assert (event["skp_id"], event["reason"], event["period_end"]) == (str(old["skp_id"]), "moved", "2024-06-30")
    assert (new["period_start"], new["assignment_id"], new["penilai_nip"]) == (dt.date(2024, 7, 1), "asg-2",
                                                                               NEW_PENILAI)
    assert [e["action"] for e in uow.documents.audit_entries(old["skp_id"])][-2:] == ["targets_prorated",
                                                                                     "closed_moved"]


def test_the_end_of_an_assignment_closes_its_draft_which_keeps_its_workflow_state(uow):
    assignment(uow, "2024-01-01")
    assignment(uow, "2024-01-01", ended="2024-09-30", effective="2024-10-01")
    [doc] = uow.documents.rows.values()
    assert (doc["status"], doc["closed_reason"], doc["period_end"]) == (d.DRAFT, "moved", dt.date(2024, 9, 30))
    assert uow.recorded("skp_closed")[0]["kegiatan"] == []  # never approved: des does not know it


def test_a_new_penilai_of_an_approved_document_is_recorded_and_announced_again(uow):
    assignment(uow, "2024-01-01")
    [doc] = documents(uow)
    handlers.submit_skp(uow, Principal(subject=NIP, roles=("pegawai",), nip=NIP), str(doc["skp_id"]))
    handlers.approve_skp(uow, Principal(subject=PENILAI, roles=("pegawai",), nip=PENILAI), str(doc["skp_id"]))
    assignment(uow, "2024-01-01", penilai=NEW_PENILAI)
    assert uow.documents.get(doc["skp_id"])["penilai_nip"] == NEW_PENILAI
    assert [e["penilai_nip"] for e in uow.recorded("skp_approved")] == [PENILAI, NEW_PENILAI]
    assert uow.documents.audit_entries(doc["skp_id"])[-1]["detail"] == {"penilai_nip": NEW_PENILAI}


def test_the_yearly_rollover_drafts_each_continuing_assignment_once(uow):
    assignment(uow, "2024-03-01")
    assignment(uow, "2024-03-01", assignment_id="asg-plt", jabatan_id="jab-9", acting=True)  # never rolled over
    assert consumers.rollover_year(uow, dt.date(2025, 1, 1)) == 1
    _, new_year = documents(uow)
    assert (new_year["period_start"], new_year["period_end"], new_year["assignment_id"]) == (
        dt.date(2025, 1, 1), dt.date(2025, 12, 31), "asg-1")
    assert [e["action"] for e in uow.documents.audit_entries(new_year["skp_id"])] == ["drafted", "rolled_over"]
    assert consumers.rollover_year(uow, dt.date(2025, 1, 1)) == 0


def test_a_ruleset_6_2022_document_drafts_the_template_rhk_plan(uow):
    uow.settings.change("ruleset", "inst-1", 2025, "permenpanrb-6-2022", 1, "admin-1")
    uow.templates.add_version(TemplateVersion("jab-1", 1, "inst-1", "edit", "RHK", "admin", [], "kuantitatif", [
        {"jenis": "utama", "uraian": "Tersedianya layanan", "iki": [{"uraian": "Jumlah layanan"}]}]))
    assignment(uow, "2025-01-01")
    [doc] = documents(uow)
    plan = uow.plans.get(doc["skp_id"])
    assert plan["pendekatan"] == "kuantitatif" and [r["uraian"] for r in plan["rhk"]] == ["Tersedianya layanan"]
    assert plan["rhk"][0]["rhk_atasan_id"] is None


def test_employee_registered_keeps_the_name_for_the_forms(uow):
    consumers.employee_registered(uow, sent(identity.EmployeeRegistered(
        nip=NIP, nama="Siti Aminah", instansi_id="inst-1", golongan="III/c", status="aktif")))
    assert uow.documents.person_on_forms(NIP)["nama"] == "Siti Aminah"
    assert uow.documents.employee_instansi(NIP) == "inst-1"


def test_reviewed_work_and_monthly_kualitas_feed_the_realisation_and_an_older_version_is_ignored(uow):
    skp_id, kid = uuid.uuid4(), uuid.uuid4()

    def reviewed(version, kuantitas, proses=False, skp=str(skp_id)):
        return sent(des.ActivityReviewed(
            activity_id="act-1", nip=NIP, instansi_id="inst-1", unit_id="unit-1", tanggal=dt.date(2024, 5, 2),
            skp_id=skp, kegiatan_id=str(kid) if skp else None, jenis="skp" if skp else "non_skp",
            kuantitas_diakui=Decimal(kuantitas), menit=60, proses=proses, reviewer_nip=PENILAI,
            submitted_at=dt.datetime(2024, 5, 2, 3, tzinfo=dt.timezone.utc),
            reviewed_at=dt.datetime(2024, 5, 3, 3, tzinfo=dt.timezone.utc), version=version))
    consumers.activity_reviewed(uow, reviewed(2, "5"))
    consumers.activity_reviewed(uow, reviewed(1, "9"))  # arrives late: ignored
    consumers.monthly_quality_set(uow, sent(des.MonthlyQualitySet(
        skp_id=str(skp_id), nip=NIP, instansi_id="inst-1", kegiatan_id=str(kid), tahun=2024, bulan=5,
        kualitas=Decimal("90.00"))))
    assert uow.documents.realisation(skp_id)[kid] == {"kuantitas": Decimal(5), "kualitas": Decimal(90),
                                                      "bulan_dinilai": 1}
    assert consumers.activity_values(reviewed(3, "1", skp=None)) is None  # work outside an SKP


def test_position_changed_keeps_the_latest_version_only(uow):
    consumers.position_changed(uow, position("Analis", 3, jenis="analis_kebijakan"))
    consumers.position_changed(uow, position("Lama", 2))
    kept = uow.templates.position("jab-1")
    assert (kept.nama, kept.jenis_jabatan) == ("Analis", "analis_kebijakan")
