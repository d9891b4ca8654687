"""The bulk import's use cases (`application/importer.py`) on the in-memory unit of work (identity_fakes.py): no
PostgreSQL, no broker. What they decide: which records land and which are reported (line and field), that a re-run
changes and emits nothing, the penilai of people imported before their boss, moves ending the old assignment, the
subordinates told when their boss goes off duty or a position moves, one unit per message, and who may import.
Checked failing: with the `own` dates not noted in `_assign` (a second, older event for the imported person), with
the version bump left out (`bumped[new.nip] = version`), with the instansi check of `apply_message` removed and with
`run.flush()` before a unit/position record removed (employees then land after the tree record that follows them).
"""
import datetime as dt

import pytest
from identity_fakes import FakeIdentityUnitOfWork, FakeOrgStore

from ekinerja_platform.domain_errors import NotFound, PermissionDenied
from ekinerja_platform.tokens import Principal
from identity.application import importer
from identity.application.importer import ImportMessage, JabatanRecord, PegawaiRecord, UnitRecord

pytestmark = pytest.mark.unit

INSTANSI = "KAB-UJI"
NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)  # 08:00 WIB on 2 March
TMT = "2025-01-02"
ADMIN = Principal(subject="admin.kab", roles=("admin_instansi",), instansi_id=INSTANSI)


def nip(index: int) -> str:
    """A valid NIP per index (born 1980-01-01 + index days, TMT CPNS 2005-01)."""
    born = dt.date(1980, 1, 1) + dt.timedelta(days=index)
    return f"{born:%Y%m%d}200501{1 + index % 2}{index % 999 + 1:03d}"


KEPALA, KASI, STAF = nip(1), nip(2), nip(3)
TREE = [UnitRecord("U", "Dinas Uji"),
        JabatanRecord("KEPALA", "U", "Kepala Dinas", "struktural_jpt", "umum"),
        JabatanRecord("KASI", "U", "Kepala Seksi", "struktural_pengawas", "umum", parent_id="KEPALA"),
        JabatanRecord("STAF", "U", "Pengadministrasi", "pelaksana", "umum", parent_id="KASI")]


def person(who, jabatan_id, status="aktif", tmt=TMT, nama=None):
    return PegawaiRecord(who, nama or f"Pegawai {who[-3:]}", "III/b", status, jabatan_id, tmt)


@pytest.fixture(autouse=True)
def _today(frozen_clock):
    frozen_clock(NOW)


@pytest.fixture
def store():
    return FakeOrgStore({INSTANSI})


def apply(store, *records, instansi=INSTANSI, principal=ADMIN):
    """One message in its own fake unit; returns (summary, unit)."""
    uow = FakeIdentityUnitOfWork()
    uow.org = store
    with uow:
        summary = importer.apply_message(uow, principal, INSTANSI, instansi,
                                         [(i + 1, r) for i, r in enumerate(records)], 1, correlation_id="c1")
    return summary, uow


def counts(summary):
    return summary.received, summary.created, summary.updated, summary.unchanged, summary.failed


def penilai(uow, who):
    return [(e["effective_date"], e["penilai_nip"], e["atasan_penilai_nip"], e["version"])
            for e in uow.recorded("assignment_changed") if e["nip"] == who]


def test_a_first_import_stores_everything_and_resolves_a_penilai_imported_after_the_subordinate(store):
    summary, uow = apply(store, *TREE, person(STAF, "STAF"), person(KASI, "KASI"), person(KEPALA, "KEPALA"))
    assert counts(summary) == (7, 7, 0, 0, 0)
    assert set(store.units) == {"U"} and set(store.jabatan_rows) == {"KEPALA", "KASI", "STAF"}
    assert store.held(STAF) == [("STAF", dt.date(2025, 1, 2), None)]
    assert penilai(uow, STAF) == [(TMT, KASI, KEPALA, 1)]  # the boss came later in the same message
    assert len(uow.recorded("position_changed")) == 3 and len(uow.recorded("employee_registered")) == 3
    assert summary.events == len(uow.events) == 9 and uow.committed
    assert uow.audit.records[-1] | {} == {"actor": "admin.kab", "action": "import_pegawai", "target": INSTANSI,
                                          "message": 1, "received": 7, "created": 7, "updated": 0, "unchanged": 0,
                                          "failed": 0, "events": 9}
    assert store.writes == ["pegawai", "assign", "versions"]  # one set-based write of each kind for the batch


def test_running_the_same_import_again_changes_and_emits_nothing(store):
    records = [*TREE, person(STAF, "STAF"), person(KASI, "KASI"), person(KEPALA, "KEPALA")]
    apply(store, *records)
    summary, uow = apply(store, *records)
    assert counts(summary) == (7, 0, 0, 7, 0)
    assert uow.events == [] and summary.events == 0
    assert store.pegawai_rows[STAF].assignment_version == 1


def test_bad_records_are_reported_with_line_and_field_and_the_rest_lands(store):
    far = (NOW.date() + dt.timedelta(days=400)).isoformat()
    summary, _ = apply(store, *TREE,
                       person("1234", "STAF"),                                     # line 5
                       person(KASI, "NOPE"),                                       # line 6
                       person(STAF, "STAF", tmt=far),                              # line 7
                       person(KEPALA, "KEPALA"),                                   # line 8
                       person(KEPALA, "KEPALA", nama="Dua Kali"),                  # line 9
                       JabatanRecord("X", "U", "Aneh", "raja", "umum"),            # line 10
                       None,                                                       # line 11
                       UnitRecord("U2", "Anak", parent_id="U2"))                   # line 12
    assert [(e.line, e.field) for e in summary.errors] == [
        (5, "nip"), (7, "tmt_jabatan"),  # read on arrival
        (6, "jabatan_id"), (9, "nip"),   # checked when the batch is written, before the position record
        (10, "kind"), (11, "record"), (12, "parent_id")]
    assert counts(summary) == (12, 5, 0, 0, 7)
    assert set(store.pegawai_rows) == {KEPALA} and "X" not in store.jabatan_rows and "U2" not in store.units


def test_every_record_of_a_message_naming_another_instansi_fails_and_nothing_lands(store):
    summary, uow = apply(store, *TREE, instansi="KAB-LAIN")
    assert summary.failed == 4 and {e.field for e in summary.errors} == {"instansi_id"}
    assert store.units == {} and uow.events == []


def test_an_unknown_instansi_is_not_found_and_nothing_is_recorded(store):
    store.instansi_ids.clear()
    with pytest.raises(NotFound) as err:
        apply(store, *TREE)
    assert err.value.field == "instansi_id" and store.units == {}


def test_a_move_ends_the_old_assignment_the_day_before_and_says_so_once(store):
    apply(store, *TREE, person(KEPALA, "KEPALA"), person(KASI, "KASI"), person(STAF, "STAF"))
    summary, uow = apply(store, person(STAF, "KASI", tmt="2026-03-01"))
    assert counts(summary) == (1, 0, 1, 0, 0)
    assert store.held(STAF) == [("KASI", dt.date(2026, 3, 1), None), ("STAF", dt.date(2025, 1, 2),
                                                                           dt.date(2026, 2, 28))]
    [event] = uow.recorded("assignment_changed")  # the mover only: nobody is below the vacated STAF position
    assert (event["old"]["end"], event["new"]["jabatan_id"], event["penilai_nip"], event["version"]) == \
        ("2026-02-28", "KASI", KEPALA, 2)
    assert store.pegawai_rows[STAF].assignment_version == 2


def test_a_boss_going_off_duty_gives_the_subordinates_a_new_penilai_from_today(store):
    apply(store, *TREE, person(KEPALA, "KEPALA"), person(KASI, "KASI"), person(STAF, "STAF"))
    summary, uow = apply(store, person(KASI, "KASI", status="tugas_belajar"))
    assert counts(summary) == (1, 0, 1, 0, 0)
    assert uow.recorded("employee_status_changed")[0]["new_status"] == "tugas_belajar"
    assert [(e[0], e[1]) for e in penilai(uow, STAF)] == [("2026-03-02", KEPALA)]


def test_moving_a_position_in_the_tree_tells_its_holders_their_new_penilai(store):
    apply(store, *TREE, person(KEPALA, "KEPALA"), person(KASI, "KASI"), person(STAF, "STAF"))
    moved = JabatanRecord("STAF", "U", "Pengadministrasi", "pelaksana", "umum", parent_id="KEPALA")
    summary, uow = apply(store, moved)
    assert counts(summary) == (1, 0, 1, 0, 0)
    assert store.jabatan_rows["STAF"].version == 2 and len(uow.recorded("position_changed")) == 1
    assert [(e[0], e[1], e[2]) for e in penilai(uow, STAF)] == [("2026-03-02", KEPALA, None)]


def test_employees_before_a_tree_record_are_written_first_keeping_the_streams_order(store):
    apply(store, *TREE)
    summary, _ = apply(store, person(STAF, "BARU"), JabatanRecord("BARU", "U", "Baru", "pelaksana", "umum"),
                       person(KASI, "BARU"))
    assert [(e.line, e.field) for e in summary.errors] == [(1, "jabatan_id")]  # BARU did not exist yet at line 1
    assert store.held(KASI) == [("BARU", dt.date(2025, 1, 2), None)] and store.held(STAF) == []


def test_a_small_message_reads_only_what_it_names_and_a_big_one_the_whole_instansi(store, monkeypatch):
    apply(store, *TREE, person(STAF, "STAF"))
    assert store.scopes[-1]["positions"] == {"KEPALA", "KASI", "STAF"} and store.scopes[-1]["nips"] == {STAF}
    monkeypatch.setattr(importer, "SMALL_IMPORT", 2)
    scoped = len(store.scopes)
    apply(store, *TREE)
    assert len(store.scopes) == scoped  # 4 records > 2: the whole instansi, no scoped read


def stream(store, messages, principal=ADMIN):
    units = []

    def open_unit():
        units.append(FakeIdentityUnitOfWork())
        units[-1].org = store
        return units[-1]
    return importer.import_stream(open_unit, principal, messages, correlation_id="c1"), units


def test_each_message_is_its_own_unit_and_lines_default_to_the_record_number(store):
    done, units = stream(store, [ImportMessage(INSTANSI, [(0, r) for r in TREE]),
                                 ImportMessage(INSTANSI, [(0, person("1234", "STAF")), (42, person("99", "STAF"))])])
    assert done.messages_applied == 2 and all(u.committed for u in units) and len(units) == 2
    assert [(e.line, e.field) for e in done.errors] == [(5, "nip"), (42, "nip")]
    assert (done.received, done.created, done.failed) == (6, 4, 2)


def test_a_stream_that_breaks_off_keeps_the_messages_applied_before_it(store):
    def messages():
        yield ImportMessage(INSTANSI, [(0, r) for r in TREE])
        raise ConnectionError("client went away")
    with pytest.raises(ConnectionError):
        stream(store, messages())
    assert set(store.jabatan_rows) == {"KEPALA", "KASI", "STAF"}


def test_only_the_instansis_admin_may_import_and_nothing_is_opened_otherwise(store):
    other = Principal(subject="admin.lain", roles=("admin_instansi",), instansi_id="KAB-LAIN")
    with pytest.raises(PermissionDenied):
        stream(store, [ImportMessage(INSTANSI, [(0, r) for r in TREE])], principal=other)
    assert store.locked == [] and store.units == {}
