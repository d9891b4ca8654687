"""Organisation, employee and assignment use cases (`application/org.py`) on the in-memory unit of work
(identity_fakes.py): no PostgreSQL. What they decide: who may read and write what (a supervisor reads its staff,
a stranger learns nothing), what is stored, which events a change writes (none when nothing changes) and who below
a change hears of a new penilai.
Checked failing: with the `supervises` lookup of `_target` removed, with `assign_in_view`'s no-op check removed,
with `org.set_assignment_end` skipped for a move, and with the cascade of `end_assignment` removed.
"""
import datetime as dt

import pytest
from identity_fakes import FakeIdentityUnitOfWork, FakeOrgStore

from ekinerja_platform.domain_errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from ekinerja_platform.tokens import Principal
from identity.application import importer, org
from identity.application.importer import JabatanRecord, PegawaiRecord, UnitRecord

pytestmark = pytest.mark.unit

INSTANSI = "KAB-UJI"
NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)  # 2 March in WIB
TODAY = dt.date(2026, 3, 2)
KEPALA, KASI, STAF, BARU = "198001022005011002", "198001032005012003", "198001042005011004", "198001052005012005"
ADMIN = Principal(subject="admin.kab", roles=("admin_instansi",), instansi_id=INSTANSI)
ADMIN_BKN = Principal(subject="admin", roles=("admin_bkn",))


def employee(nip):
    return Principal(subject=nip, roles=("pegawai",), instansi_id=INSTANSI, nip=nip)


@pytest.fixture(autouse=True)
def _today(frozen_clock):
    frozen_clock(NOW)


@pytest.fixture
def uow():
    unit = FakeIdentityUnitOfWork()
    unit.org = FakeOrgStore({INSTANSI})
    records = [UnitRecord("U", "Dinas Uji"),
               JabatanRecord("KEPALA", "U", "Kepala Dinas", "struktural_jpt", "umum"),
               JabatanRecord("KASI", "U", "Kepala Seksi", "struktural_pengawas", "umum", parent_id="KEPALA"),
               JabatanRecord("STAF", "U", "Pengadministrasi", "pelaksana", "umum", parent_id="KASI"),
               *(PegawaiRecord(n, f"Pegawai {j}", "III/b", "aktif", j, "2025-01-02")
                 for n, j in ((KEPALA, "KEPALA"), (KASI, "KASI"), (STAF, "STAF"))),
               PegawaiRecord(BARU, "Pegawai Baru", "II/a")]
    importer.apply_message(unit, ADMIN, INSTANSI, INSTANSI, list(enumerate(records, 1)), 1)
    unit.events.clear()
    unit.pending.clear()
    unit.audit.records.clear()
    return unit


def penilai_of(uow, nip):
    return [(e["effective_date"], e["penilai_nip"]) for e in uow.recorded("assignment_changed") if e["nip"] == nip]


def test_who_am_i_gives_an_employee_its_record_and_position_and_others_nothing(uow):
    me = org.who_am_i(uow, employee(STAF))
    assert (me.row.nip, me.current.jabatan_id, me.jabatan.nama) == (STAF, "STAF", "Pengadministrasi")
    assert org.who_am_i(uow, ADMIN) is None


def test_an_instansi_is_created_renamed_and_listed_by_pages(uow):
    assert org.upsert_instansi(uow, ADMIN_BKN, "KOTA-B", " Kota B ", "kota") == ("KOTA-B", "Kota B")
    org.upsert_instansi(uow, ADMIN_BKN, "KOTA-A", "Kota A", "kota")
    with pytest.raises(InvalidArgument) as err:
        org.upsert_instansi(uow, ADMIN_BKN, "KOTA-C", "Kota C", None)
    assert err.value.field == "kind" and "pusat, provinsi, kabupaten, kota" in str(err.value)
    with pytest.raises(PermissionDenied):
        org.upsert_instansi(uow, ADMIN, "KOTA-D", "Kota D", "kota")
    rows, token = org.list_instansi(uow, 2, "")
    assert [r.id for r in rows] == ["KAB-UJI", "KOTA-A"] and token
    rows, token = org.list_instansi(uow, 2, token)
    assert [r.id for r in rows] == ["KOTA-B"] and token == ""


def test_a_unit_needs_an_existing_parent_and_never_makes_a_cycle(uow):
    assert org.upsert_unit(uow, ADMIN, INSTANSI, "U2", "Bidang", "U") == ("U2", INSTANSI, "Bidang", "U")
    with pytest.raises(FailedPrecondition) as err:
        org.upsert_unit(uow, ADMIN, INSTANSI, "U", "Dinas Uji", "U2")
    assert err.value.field == "parent_id"
    with pytest.raises(NotFound):
        org.upsert_unit(uow, ADMIN_BKN, "KAB-HILANG", "U3", "Bidang", "")
    assert uow.audit.actions() == ["upsert_unit"]


def test_an_unchanged_position_writes_no_event_and_a_moved_one_tells_its_holders(uow):
    spec = org.jabatan_spec(id="STAF", unit_id="U", nama="Pengadministrasi", kind="pelaksana", job_group="umum",
                            parent_id="KASI", eselon="", jenjang="", jenis_jabatan="")
    org.upsert_jabatan(uow, ADMIN, INSTANSI, spec)
    assert uow.pending == []
    moved = org.jabatan_spec(id="STAF", unit_id="U", nama="Pengadministrasi", kind="pelaksana", job_group="umum",
                             parent_id="KEPALA", eselon="", jenjang="", jenis_jabatan="")
    row = org.upsert_jabatan(uow, ADMIN, INSTANSI, moved)
    assert (row.parent_id, row.version) == ("KEPALA", 2)
    assert [e.event_type for e in uow.pending] == ["position_changed", "assignment_changed"]
    assert penilai_of(uow, STAF) == [("2026-03-02", KEPALA)]
    with pytest.raises(InvalidArgument) as err:
        org.jabatan_spec(id="X", unit_id="U", nama="X", kind=None, job_group="umum", parent_id="", eselon="",
                         jenjang="", jenis_jabatan="")
    assert err.value.field == "kind"


def test_the_organisation_chart_shows_todays_holders_with_names(uow):
    chart = org.organisation(uow, ADMIN, "", "")
    assert (chart.instansi.id, [u.id for u in chart.units], chart.pegawai_count) == (INSTANSI, ["U"], 4)
    holders = {jrow.id: [(h.nip, h.nama) for h in hs] for jrow, hs in chart.positions}
    assert holders == {"KASI": [(KASI, "Pegawai KASI")], "KEPALA": [(KEPALA, "Pegawai KEPALA")],
                       "STAF": [(STAF, "Pegawai STAF")]}
    assert all(hs == [] for _, hs in org.organisation(uow, ADMIN, INSTANSI, "2024-12-31").positions)


def test_registering_an_employee_of_another_instansi_is_refused(uow):
    uow.org.instansi_ids.add("KAB-LAIN")
    admin_lain = Principal(subject="admin.lain", roles=("admin_instansi",), instansi_id="KAB-LAIN")
    instansi_id, spec = org.pegawai_spec(admin_lain, "KAB-LAIN", STAF, "Orang Lain", "III/a", "")
    with pytest.raises(FailedPrecondition) as err:
        org.register_pegawai(uow, admin_lain, instansi_id, spec)
    assert err.value.field == "nip" and uow.org.pegawai_rows[STAF].instansi_id == INSTANSI


def test_registering_a_status_change_tells_the_subordinates_from_today(uow):
    instansi_id, spec = org.pegawai_spec(ADMIN, INSTANSI, KASI, "Pegawai KASI", "III/b", "tugas_belajar")
    view = org.register_pegawai(uow, ADMIN, instansi_id, spec, correlation_id="c1")
    assert view.row.status == "tugas_belajar"
    assert [e.event_type for e in uow.pending] == ["employee_status_changed", "assignment_changed"]
    assert penilai_of(uow, STAF) == [("2026-03-02", KEPALA)]


def test_a_supervisor_reads_its_staff_a_colleague_does_not_and_a_stranger_learns_nothing(uow):
    assert org.get_pegawai(uow, employee(KASI), STAF).row.nip == STAF
    assert org.get_pegawai(uow, employee(KEPALA), STAF).row.nip == STAF  # the head up the chain too
    with pytest.raises(PermissionDenied):
        org.get_pegawai(uow, employee(BARU), STAF)
    with pytest.raises(PermissionDenied):  # not NOT_FOUND: an employee may not probe which NIPs exist
        org.get_pegawai(uow, employee(BARU), "199001012020012001")
    with pytest.raises(NotFound):
        org.get_pegawai(uow, ADMIN, "199001012020012001")


def test_employees_are_listed_by_pages_and_by_unit(uow):
    rows, total, token = org.list_pegawai(uow, ADMIN, "", "", 2, "")
    assert ([r.nip for r in rows], total) == ([KEPALA, KASI], 4) and token
    rows, total, token = org.list_pegawai(uow, ADMIN, INSTANSI, "", 2, token)
    assert ([r.nip for r in rows], token) == ([STAF, BARU], "")
    rows, total, _ = org.list_pegawai(uow, ADMIN, INSTANSI, "U", 10, "")
    assert total == 3 and BARU not in [r.nip for r in rows]  # BARU holds no position
    with pytest.raises(PermissionDenied):
        org.list_pegawai(uow, ADMIN, "KAB-LAIN", "", 10, "")


def test_a_status_for_a_while_tells_the_subordinates_twice_and_an_unchanged_one_nothing(uow):
    nip, status, effective, end = org.status_request(KASI, "cuti", "2026-03-10", "2026-04-30")
    org.set_status(uow, ADMIN, nip, status, effective, end)
    assert penilai_of(uow, STAF) == [("2026-03-10", KEPALA), ("2026-05-01", KASI)]
    uow.pending.clear()
    org.set_status(uow, ADMIN, nip, status, effective, end)
    assert uow.pending == [] and uow.audit.actions() == ["set_status"]
    with pytest.raises(InvalidArgument) as err:
        org.status_request(KASI, "cuti", "2026-03-10", "2026-03-01")
    assert err.value.field == "end_date"


def test_a_move_ends_the_old_position_and_a_repeat_is_a_no_op(uow):
    nip, jabatan_id, start, end = org.assignment_request(BARU, "KASI", "2026-03-02", "", False)
    a, jrow = org.assign(uow, ADMIN, nip, jabatan_id, start, end, False)
    assert (a.jabatan_id, jrow.nama) == ("KASI", "Kepala Seksi")
    nip, jabatan_id, start, end = org.assignment_request(KASI, "STAF", "2026-03-02", "", False)
    org.assign(uow, ADMIN, nip, jabatan_id, start, end, False)
    assert uow.org.held(KASI) == [("KASI", dt.date(2025, 1, 2), dt.date(2026, 3, 1)), ("STAF", TODAY, None)]
    assert uow.org.pegawai_rows[KASI].assignment_version == 2
    count = len(uow.pending)
    org.assign(uow, ADMIN, nip, jabatan_id, start, end, False)
    assert len(uow.pending) == count and uow.org.held(KASI)[-1] == ("STAF", TODAY, None)
    with pytest.raises(NotFound):
        org.assign(uow, ADMIN, BARU, "NOPE", start, None, False)


def test_a_plt_rates_the_staff_while_acting(uow):
    nip, jabatan_id, start, end = org.assignment_request(BARU, "KASI", "2026-03-02", "2026-03-31", True)
    org.assign(uow, ADMIN, nip, jabatan_id, start, end, True)
    assert uow.org.held(KASI) == [("KASI", dt.date(2025, 1, 2), None)]  # the definitive holder stays
    with pytest.raises(InvalidArgument):
        org.assignment_request(BARU, "KASI", "2026-03-02", "2026-03-01", True)


def test_ending_an_assignment_vacates_the_position_from_the_next_day(uow):
    assignment_id = next(i for i, (_, row) in uow.org.assignments.items() if row.nip == KASI)
    old, jrow = org.end_assignment(uow, ADMIN, assignment_id, dt.date(2026, 3, 5))
    assert (old.end, jrow.id) == (dt.date(2026, 3, 5), "KASI")
    kasi_event = uow.recorded("assignment_changed")[0]
    assert (kasi_event["nip"], kasi_event["effective_date"], kasi_event["new"]) == (KASI, "2026-03-06", None)
    assert penilai_of(uow, STAF) == [("2026-03-06", KEPALA)]
    with pytest.raises(InvalidArgument) as err:
        org.end_assignment(uow, ADMIN, assignment_id, dt.date(2020, 1, 1))
    assert err.value.field == "end"
    with pytest.raises(NotFound):
        org.end_assignment(uow, ADMIN, org.parse_assignment_id("00000000-0000-0000-0000-000000000000"), TODAY)
    with pytest.raises(InvalidArgument):
        org.parse_assignment_id("bukan-id")


def test_assignments_are_listed_by_pages_with_their_positions(uow):
    org.assign(uow, ADMIN, KASI, "STAF", TODAY, None, False)
    items, token = org.list_assignments(uow, employee(KASI), KASI, 1, "")
    assert [(a.jabatan_id, j.nama) for a, j in items] == [("KASI", "Kepala Seksi")] and token
    items, token = org.list_assignments(uow, employee(KASI), KASI, 1, token)
    assert [a.jabatan_id for a, _ in items] == ["STAF"] and token == ""


def test_the_supervisor_chain_names_penilai_and_atasan(uow):
    answer = org.supervisor_chain(uow, employee(STAF), STAF, "")
    assert (answer.chain.pejabat_penilai.nip, answer.chain.atasan_pejabat_penilai.nip) == (KASI, KEPALA)
    assert answer.names[KASI] == "Pegawai KASI" and answer.on == TODAY
    with pytest.raises(NotFound) as err:
        org.supervisor_chain(uow, ADMIN, BARU, "")
    assert err.value.field == "nip"
