"""Telling subordinates their penilai changed (`application/cascade.py`) on in-memory organisation views and a fake
version counter: no PostgreSQL. Checked failing: with the `own` skip removed (a second, older-dated event for
someone whose own event the change writes) and with `versions[nip] += 1` removed (the event would repeat the last
version a consumer already has).
"""
import datetime as dt
from types import SimpleNamespace

import pytest
from identity_fakes import FakeAssignmentVersions

from identity.adapters.repository import AssignmentRow, OrgView
from identity.application import cascade

pytestmark = pytest.mark.unit

INSTANSI = "KAB-UJI"
KABID, KASI, STAF, PLT = "197503032002121001", "198004042005012001", "199006062015032001", "198707072010011001"
START = dt.date(2025, 1, 1)
CHANGE = dt.date(2026, 3, 2)


def position(jabatan_id, parent_id, kind):
    return SimpleNamespace(id=jabatan_id, nama=jabatan_id.title(), unit_id="dinas", kind=kind, job_group="umum",
                           parent_id=parent_id, eselon=None, jenjang=None, instansi_id=INSTANSI,
                           jenis_jabatan=None, version=1)


def view(*held):
    """The dinas: kabid above kasi above staf, with `held` = (nip, jabatan_id, start, end, acting) rows."""
    org = OrgView(INSTANSI)
    org.units["dinas"] = SimpleNamespace(id="dinas", nama="Dinas Uji")
    for row in (position("kabid", None, "struktural_administrator"), position("kasi", "kabid", "struktural_pengawas"),
                position("staf", "kasi", "pelaksana")):
        org.put_jabatan(row)
    for i, (nip, jabatan_id, start, end, acting) in enumerate(held):
        org.add_assignment(AssignmentRow(f"a{i}", nip, jabatan_id, start, end, acting))
    return org


BASE = [(KABID, "kabid", START, None, False), (STAF, "staf", START, None, False)]


def test_a_new_kasi_becomes_the_staffs_penilai_from_the_day_of_the_change():
    versions = FakeAssignmentVersions({STAF: 4})
    after = view(*BASE, (KASI, "kasi", CHANGE, None, False))
    events = cascade.subordinate_events(versions, view(*BASE), after, cascade.interval("kasi", CHANGE, None))
    assert [(e.nip, e.data["penilai_nip"], e.data["atasan_penilai_nip"], e.data["effective_date"],
             e.data["version"]) for e in events] == [(STAF, KASI, KABID, "2026-03-02", 5)]
    assert versions.current[STAF] == 5


def test_a_plt_rates_the_staff_while_acting_and_the_kabid_again_the_day_after():
    after = view(*BASE, (PLT, "kasi", CHANGE, CHANGE + dt.timedelta(days=30), True))
    events = cascade.subordinate_events(FakeAssignmentVersions(), view(*BASE), after,
                                        cascade.interval("kasi", CHANGE, CHANGE + dt.timedelta(days=30)))
    assert PLT not in {e.nip for e in events}
    assert [(e.data["effective_date"], e.data["penilai_nip"]) for e in events] == \
        [("2026-03-02", PLT), ("2026-04-02", KABID)]  # the Plt rates the staff while acting, then the kabid again
    assert [e.data["version"] for e in events] == [1, 2]


def test_a_change_that_alters_no_chain_writes_nothing_and_takes_no_version():
    versions = FakeAssignmentVersions({STAF: 7})
    same = view(*BASE)
    assert cascade.subordinate_events(versions, same, view(*BASE), [cascade.Change("staf", CHANGE)]) == []
    assert versions.current == {STAF: 7}


def test_whoever_gets_an_own_event_for_the_change_gets_no_second_one():
    after = view(*BASE, (KASI, "kasi", CHANGE, None, False))
    events = cascade.subordinate_events(FakeAssignmentVersions(), view(*BASE), after,
                                        cascade.interval("kasi", CHANGE, None), own={STAF: CHANGE})
    assert events == []
