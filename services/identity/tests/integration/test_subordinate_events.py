"""A supervisor's holder changes -> every subordinate whose pejabat penilai or atasan penilai changed as a result
gets an `assignment_changed` (its own unchanged jabatan, the date of the change, the new chain, its next version),
through the outbox in the same transaction. Also: single changes read only the part of the instansi they touch."""
import itertools
import json

import pytest
import sqlalchemy as sa
from identity_testlib import nip, packed

from ekinerja_platform import clock, testing

pytestmark = pytest.mark.integration
INSTANSI = "KAB-CASCADE"
SEKDA, KADIS, KABID, KASI1, KASI2, S1, S2, S3, SPARE = range(9)
TREE = [  # id, parent, kind
    ("SEKDA", None, "struktural_jpt"), ("KADIS", "SEKDA", "struktural_jpt"),
    ("KABID", "KADIS", "struktural_administrator"), ("KASI1", "KABID", "struktural_pengawas"),
    ("KASI2", "KABID", "struktural_pengawas"), ("STAF1", "KASI1", "pelaksana"), ("STAF2", "KASI2", "pelaksana")]
# who holds what from 2024-01-01 (the KASI1 holder starts on STAF2: Kasi 1 is vacant)
TREES = itertools.count(1)
HOLDS = {SEKDA: "SEKDA", KADIS: "KADIS", KABID: "KABID", KASI1: "STAF2", KASI2: "KASI2", S1: "STAF1", S2: "STAF1",
         S3: "STAF2", SPARE: "STAF2"}


class Tree:
    """One small instansi per test: positions `<prefix>.X`, people nip(base + role)."""

    def __init__(self, stub, pb, token, db_url, prefix, base):
        self.stub, self.pb, self.auth, self.prefix, self.base = stub, pb, testing.bearer(token), prefix, base
        self.engine = sa.create_engine(db_url)
        J = pb.ImportPegawaiRequest
        msgs = [J(instansi_id=INSTANSI, unit=pb.ImportUnit(id=f"{prefix}.U", nama="Dinas"))]
        for jid, parent, kind in TREE:
            msgs.append(J(instansi_id=INSTANSI, jabatan=pb.ImportJabatan(
                id=self.j(jid), unit_id=f"{prefix}.U", nama=jid.title(), kind=kind, job_group="umum",
                parent_id=self.j(parent) if parent else "")))
        for role, jid in HOLDS.items():
            msgs.append(J(instansi_id=INSTANSI, pegawai=pb.ImportPegawai(
                nip=self.nip(role), nama=f"P{role}", golongan="III/a", jabatan_id=self.j(jid),
                tmt_jabatan="2024-01-01")))
        assert stub.ImportPegawai(packed(self.pb, msgs), metadata=self.auth, timeout=60).failed == 0
        self.mark = self.last_id()

    def j(self, jid):
        return f"{self.prefix}.{jid}"

    def nip(self, role):
        return nip(self.base + role)

    def last_id(self):
        with self.engine.begin() as conn:
            return conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM outbox")).scalar()

    def new_events(self):
        """assignment_changed written since the last call: {role: [data, ...]} in outbox order."""
        with self.engine.begin() as conn:
            rows = conn.execute(sa.text("SELECT payload FROM outbox WHERE id > :m AND event_type = "
                                        "'assignment_changed' ORDER BY id"), {"m": self.mark}).scalars().all()
        self.mark = self.last_id()
        roles = {self.nip(r): r for r in HOLDS}
        out = {}
        for payload in rows:
            payload = payload if isinstance(payload, dict) else json.loads(payload)
            out.setdefault(roles[payload["data"]["nip"]], []).append(payload["data"])
        return out

    def chain(self, role, on):
        c = self.stub.GetSupervisorChain(self.pb.GetSupervisorChainRequest(nip=self.nip(role), on=on),
                                         metadata=self.auth, timeout=10)
        return c.pejabat_penilai.nip or None, c.atasan_pejabat_penilai.nip or None

    def told(self, data):
        return data["effective_date"], data["penilai_nip"], data["atasan_penilai_nip"]

    def assign(self, role, jid, start, end="", acting=False):
        return self.stub.AssignJabatan(self.pb.AssignJabatanRequest(
            nip=self.nip(role), jabatan_id=self.j(jid), start=start, end=end, acting=acting),
            metadata=self.auth, timeout=10)


@pytest.fixture
def tree(stub, pb, admin_token, identity_db):
    stub.UpsertInstansi(pb.Instansi(id=INSTANSI, nama="Kabupaten Cascade", kind=pb.INSTANSI_KIND_KABUPATEN),
                        metadata=testing.bearer(admin_token), timeout=10)
    index = next(TREES)
    t = Tree(stub, pb, admin_token, identity_db, f"KC{index}", 60_000 + index * 20)
    yield t
    t.engine.dispose()


def assert_subordinate_event(t, data, role, jid, effective, penilai, atasan, version):
    assert data["nip"] == t.nip(role) and data["acting"] is False and data["instansi_id"] == INSTANSI
    assert t.told(data) == (effective, penilai and t.nip(penilai), atasan and t.nip(atasan))
    assert data["old"] == {"jabatan_id": t.j(jid), "unit_id": f"{t.prefix}.U", "start": "2024-01-01", "end": None}
    assert data["new"]["jabatan_id"] == t.j(jid) and data["new"]["start"] == "2024-01-01"
    assert data["new"]["end"] is None and data["new"]["unit_nama"] == "Dinas"
    assert data["version"] == version


def test_a_new_kasi_and_its_end_tell_the_staff_below_and_nobody_else(tree):
    t = tree
    assert t.chain(S1, "2025-03-01") == (t.nip(KABID), t.nip(KADIS))  # Kasi 1 vacant: the Kabid rates
    t.assign(KASI1, "KASI1", "2025-03-01")  # a move from STAF2 to Kasi 1
    got = t.new_events()
    assert set(got) == {KASI1, S1, S2}  # S3 and SPARE (under Kasi 2), the Kabid and above: unchanged
    assert len(got[KASI1]) == 1 and got[KASI1][0]["new"]["jabatan_id"] == t.j("KASI1")
    for role in (S1, S2):
        [data] = got[role]
        assert_subordinate_event(t, data, role, "STAF1", "2025-03-01", KASI1, KABID, version=2)
    assert t.chain(S1, "2025-03-01") == (t.nip(KASI1), t.nip(KABID))

    assignment_id = t.stub.ListAssignments(t.pb.ListAssignmentsRequest(nip=t.nip(KASI1)), metadata=t.auth,
                                           timeout=10).assignments[-1].id
    t.stub.EndAssignment(t.pb.EndAssignmentRequest(assignment_id=assignment_id, end="2025-06-30"),
                         metadata=t.auth, timeout=10)
    got = t.new_events()
    assert set(got) == {KASI1, S1, S2}
    for role in (S1, S2):
        [data] = got[role]
        assert_subordinate_event(t, data, role, "STAF1", "2025-07-01", KABID, KADIS, version=3)
    assert got[KASI1][0]["new"] is None and got[KASI1][0]["effective_date"] == "2025-07-01"


def test_a_plt_for_a_period_tells_the_staff_on_its_first_day_and_the_day_after_its_end(tree):
    t = tree
    t.assign(SPARE, "KASI1", "2025-04-01", end="2025-04-30", acting=True)
    got = t.new_events()
    assert set(got) == {SPARE, S1, S2}
    for role in (S1, S2):
        first, second = got[role]
        assert_subordinate_event(t, first, role, "STAF1", "2025-04-01", SPARE, KABID, version=2)
        assert_subordinate_event(t, second, role, "STAF1", "2025-05-01", KABID, KADIS, version=3)
    # the same assignment again (a retry without key) changes nothing and tells nobody
    t.assign(SPARE, "KASI1", "2025-04-01", end="2025-04-30", acting=True)
    assert t.new_events() == {}


def test_a_vacated_kasi_tells_its_staff_and_a_kadis_leaving_tells_two_levels(tree):
    t = tree
    t.assign(KABID, "KADIS", "2025-02-01", acting=True)  # the Kabid is also Plt Kadis: nobody's chain changes
    assert set(t.new_events()) == {KABID}
    t.assign(KASI2, "STAF1", "2025-05-02")  # the Kasi 2 steps down: Kasi 2 is vacant from 2 May
    got = t.new_events()
    assert set(got) == {KASI2, KASI1, S3, SPARE}  # everyone on STAF2 (the KASI1 person starts there)
    for role in (KASI1, S3, SPARE):
        assert_subordinate_event(t, got[role][0], role, "STAF2", "2025-05-02", KABID, KADIS, version=2)
    # the Kadis leaves: the Kabid, Plt Kadis, is now rated by the Sekda (never by himself), and everyone whose
    # atasan was the Kadis now has the Sekda (the Plt Kadis cannot be the atasan of those the Kabid rates)
    t.assign(KADIS, "STAF1", "2025-06-02")
    got = t.new_events()
    told = {role: [t.told(d) for d in data] for role, data in got.items() if role != KADIS}
    below_kabid = [("2025-06-02", t.nip(KABID), t.nip(SEKDA))]
    assert told == {KABID: [("2025-06-02", t.nip(SEKDA), None)], KASI1: below_kabid, KASI2: below_kabid,
                    S1: below_kabid, S2: below_kabid, S3: below_kabid, SPARE: below_kabid}
    assert got[S3][0]["version"] == 3 and got[KASI2][0]["version"] == 3
    assert got[KASI2][0]["new"]["jabatan_id"] == t.j("STAF1") and got[KASI2][0]["new"]["start"] == "2025-05-02"
    assert t.chain(S3, "2025-06-02") == (t.nip(KABID), t.nip(SEKDA))


def test_a_position_moved_under_another_parent_tells_its_holders_from_today(tree):
    t = tree
    t.assign(KASI1, "KASI1", "2024-06-01")
    t.new_events()
    today = clock.today().isoformat()
    t.stub.UpsertJabatan(t.pb.Jabatan(id=t.j("STAF2"), instansi_id=INSTANSI, unit_id=f"{t.prefix}.U",
                                      nama="Staf2", kind=t.pb.JABATAN_KIND_PELAKSANA,
                                      job_group=t.pb.JOB_GROUP_UMUM, parent_id=t.j("KASI1")),
                         metadata=t.auth, timeout=10)
    got = t.new_events()
    assert set(got) == {S3, SPARE}  # the holders of STAF2; the Kasi 2 and STAF1 are where they were
    for role in (S3, SPARE):
        [data] = got[role]
        assert_subordinate_event(t, data, role, "STAF2", today, KASI1, KABID, version=2)


def test_a_boss_off_duty_is_walked_past_and_the_staff_are_told_when_it_starts_and_ends(tree):
    t = tree
    t.assign(KASI1, "KASI1", "2024-06-01")
    t.new_events()
    t.stub.SetPegawaiStatus(t.pb.SetPegawaiStatusRequest(nip=t.nip(KASI1), status="tugas_belajar",
                                                         effective_date="2025-09-01", end_date="2026-08-31"),
                            metadata=t.auth, timeout=10)
    got = t.new_events()
    assert set(got) == {S1, S2}
    for role in (S1, S2):
        first, second = got[role]
        assert_subordinate_event(t, first, role, "STAF1", "2025-09-01", KABID, KADIS, version=3)
        assert_subordinate_event(t, second, role, "STAF1", "2026-09-01", KASI1, KABID, version=4)
    assert t.chain(S1, "2025-08-31") == (t.nip(KASI1), t.nip(KABID))
    assert t.chain(S1, "2025-09-01") == (t.nip(KABID), t.nip(KADIS))
    assert t.chain(S1, "2026-09-01") == (t.nip(KASI1), t.nip(KABID))
    # a Plt beside the absent Kasi rates its staff while the Kasi studies
    t.assign(SPARE, "KASI1", "2025-10-01", acting=True)
    got = t.new_events()
    assert {r: [t.told(d) for d in ds] for r, ds in got.items() if r != SPARE} == {
        S1: [("2025-10-01", t.nip(SPARE), t.nip(KABID))], S2: [("2025-10-01", t.nip(SPARE), t.nip(KABID))]}


def test_imports_tell_the_staff_of_a_new_boss_and_of_a_boss_going_on_leave(tree):
    t = tree
    J, P = t.pb.ImportPegawaiRequest, t.pb.ImportPegawai
    result = t.stub.ImportPegawai(iter([J(instansi_id=INSTANSI, pegawai=P(
        nip=t.nip(KASI1), nama=f"P{KASI1}", golongan="III/a", jabatan_id=t.j("KASI1"),
        tmt_jabatan="2025-02-03"))]), metadata=t.auth, timeout=30)
    assert (result.updated, result.events) == (1, 3)  # the move and two staff
    got = t.new_events()
    for role in (S1, S2):
        assert_subordinate_event(t, got[role][0], role, "STAF1", "2025-02-03", KASI1, KABID, version=2)
    result = t.stub.ImportPegawai(iter([J(instansi_id=INSTANSI, pegawai=P(
        nip=t.nip(KASI1), nama=f"P{KASI1}", golongan="III/a", status="cuti", jabatan_id=t.j("KASI1"),
        tmt_jabatan="2025-02-03"))]), metadata=t.auth, timeout=30)
    today = clock.today().isoformat()
    got = t.new_events()
    assert set(got) == {S1, S2} and result.events == 3  # employee_status_changed + two staff
    for role in (S1, S2):
        assert_subordinate_event(t, got[role][0], role, "STAF1", today, KABID, KADIS, version=3)
    # re-running changes nothing and tells nobody
    again = t.stub.ImportPegawai(iter([J(instansi_id=INSTANSI, pegawai=P(
        nip=t.nip(KASI1), nama=f"P{KASI1}", golongan="III/a", status="cuti", jabatan_id=t.j("KASI1"),
        tmt_jabatan="2025-02-03"))]), metadata=t.auth, timeout=30)
    assert (again.events, again.unchanged) == (0, 1) and t.new_events() == {}
    # STAF2 moves under Kasi 1 (whose holder is on leave): its holders are rated by the Kabid from today
    moved = t.stub.ImportPegawai(iter([J(instansi_id=INSTANSI, jabatan=t.pb.ImportJabatan(
        id=t.j("STAF2"), unit_id=f"{t.prefix}.U", nama="Staf2", kind="pelaksana", job_group="umum",
        parent_id=t.j("KASI1")))]), metadata=t.auth, timeout=30)
    got = t.new_events()
    assert set(got) == {S3, SPARE} and moved.events == 3  # position_changed + two holders
    for role in (S3, SPARE):
        assert_subordinate_event(t, got[role][0], role, "STAF2", today, KABID, KADIS, version=2)


def test_single_changes_read_only_the_ancestors_and_the_subtree(tree, identity_db, monkeypatch, pb):
    """AssignJabatan and a small import never load the whole instansi (every earlier test's tree is in it)."""
    from identity.adapters import repository
    from identity.bootstrap import SystemCall, database
    from identity.entrypoints.import_api import import_pegawai
    from identity.entrypoints.org_api import OrgApi as Org

    t = tree
    loaded = []
    scoped = repository.OrgView.load_scoped.__func__

    def whole(*args, **kwargs):
        raise AssertionError("loaded the whole instansi")

    def recording(cls, *args, **kwargs):
        view = scoped(cls, *args, **kwargs)
        loaded.append(view)
        return view

    monkeypatch.setattr(repository.OrgView, "load", classmethod(whole))
    monkeypatch.setattr(repository.OrgView, "load_scoped", classmethod(recording))
    db = database(identity_db)
    try:
        Org(db, SystemCall("test")).assign(pb.AssignJabatanRequest(nip=t.nip(KASI1), jabatan_id=t.j("KASI1"),
                                                                   start="2025-03-03"))
        result = import_pegawai(db, SystemCall("test"), [pb.ImportPegawaiRequest(
            instansi_id=INSTANSI, pegawai=pb.ImportPegawai(nip=t.nip(S3), nama="P", golongan="III/a",
                                                           jabatan_id=t.j("STAF1"), tmt_jabatan="2025-04-01"))])
        assert result.failed == 0 and result.events == 1
    finally:
        db.engine.dispose()
    assert loaded
    mine = {t.j(jid) for jid, _, _ in TREE}
    for view in loaded:
        assert set(view.jabatan) <= mine  # no other tree of the instansi
    # AssignJabatan to Kasi 1: its ancestors and its subtree, the STAF2 it leaves with ancestors, not Kasi 2's staff
    # beyond what the old position needs
    first = loaded[0]
    assert {"SEKDA", "KADIS", "KABID", "KASI1", "STAF1"} <= {j.split(".", 1)[1] for j in first.jabatan}
    assert all(a.nip in {t.nip(r) for r in HOLDS} for rows in first.by_nip.values() for a in rows)
    assert t.new_events()[S1][0]["penilai_nip"] == t.nip(KASI1)


def test_a_new_sekda_is_told_to_everyone_below_with_the_heads(tree, stub, pb):
    """The heads up the chain (who may read a subordinate's work in des, skp and recap): a new Sekda changes no
    penilai or atasan far below, yet every holder below is told, with `heads` (without the heads in the chain key
    nobody below the Kadis would hear of it); GetSupervisorChain lists them nearest first."""
    t = tree
    chain = stub.GetSupervisorChain(pb.GetSupervisorChainRequest(nip=t.nip(S3), on="2025-03-01"), metadata=t.auth,
                                    timeout=10)
    assert [h.nip for h in chain.heads] == [t.nip(KASI2), t.nip(KABID), t.nip(KADIS), t.nip(SEKDA)]
    t.assign(SPARE, "SEKDA", "2025-03-01", acting=True)  # a Plt Sekda beside the Sekda
    got = t.new_events()
    assert {S1, S2, S3, KASI1, KASI2, KABID, KADIS} <= set(got)
    [data] = got[S3]
    assert data["heads"] == [t.nip(KASI2), t.nip(KABID), t.nip(KADIS), t.nip(SEKDA), t.nip(SPARE)]
    assert t.told(data)[1:] == (t.nip(KASI2), t.nip(KABID))  # penilai and atasan unchanged
