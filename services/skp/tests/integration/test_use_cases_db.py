"""The skp use cases that run without a caller, on a real PostgreSQL database with a clock the test controls:
the yearly rollover, the closing of results after 14 days without keberatan (what the service's timers call), a
move closing a draft document, and the one-statement intake of ``activity_reviewed`` (checked against the
unit-of-work path it replaces). Each test has its own fresh database: these use cases act on every row."""
from __future__ import annotations

import datetime as dt
import random
import threading
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from skp_testlib import new_nip
from sqlalchemy.orm import sessionmaker

from ekinerja_events.identity import AssignmentChanged
from ekinerja_platform.db import DatabaseAccess, make_engine, outbox_table
from ekinerja_platform.domain_errors import FailedPrecondition
from ekinerja_platform.events import apply_once
from ekinerja_platform.tokens import Principal
from skp.adapters import repository as repo
from skp.adapters import tables as t
from skp.adapters.unit_of_work import in_session, on_unit
from skp.application import consumers, handlers
from skp.entrypoints import events

pytestmark = pytest.mark.integration
D = dt.date


@pytest.fixture
def db(database_factory):
    engine = make_engine(database_factory("skp"), pool_size=4)
    yield DatabaseAccess(engine, sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


def envelope(data: dict) -> dict:
    return {"event_id": str(uuid.uuid4()), "data": data}


def reviewed(**fields) -> dict:
    """des's activity_reviewed data, every field des sends (``fields`` override)."""
    return {"activity_id": "", "nip": "", "instansi_id": "inst-1", "unit_id": "unit-1", "tanggal": "2024-05-02",
            "skp_id": None, "kegiatan_id": None, "jenis": "skp", "kuantitas_diakui": "1", "menit": 60,
            "proses": False, "reviewer_nip": "197001011995031003", "submitted_at": "2024-05-02T09:00:00+07:00",
            "reviewed_at": "2024-05-03T09:00:00+07:00", "version": 1, **fields}


VERSIONS: dict[str, int] = {}


def assign(db, nip, jabatan_id, start, *, end=None, penilai=None, atasan=None, assignment_id=None,
           effective=None, kind="pelaksana", acting=False, ended=None):
    assignment_id = assignment_id or f"asg-{uuid.uuid4().hex[:8]}"
    VERSIONS[assignment_id] = VERSIONS.get(assignment_id, 0) + 1
    new = None if ended else {"jabatan_id": jabatan_id, "jabatan_nama": "Jabatan uji", "unit_id": "unit-1",
                              "unit_nama": "Bagian Umum", "kind": kind, "job_group": "umum", "start": start,
                              "end": end}
    old = {"jabatan_id": jabatan_id, "unit_id": "unit-1", "start": start, "end": ended} if ended else None
    assert apply_once(db, "skp", envelope({
        "assignment_id": assignment_id, "nip": nip, "instansi_id": "inst-1", "acting": acting,
        "effective_date": effective or start, "old": old, "new": new, "penilai_nip": penilai,
        "atasan_penilai_nip": atasan, "heads": [h for h in (penilai, atasan) if h],
        "version": VERSIONS[assignment_id]}),
        on_unit(consumers.assignment_changed))
    return assignment_id


def docs_of(db, nip) -> list[dict]:
    with db.transaction() as session:
        return repo.documents_of(session, nip)


def pegawai(nip) -> Principal:
    return Principal(subject=nip, roles=("pegawai",), instansi_id="inst-1", nip=nip)


def skp_closed_events(db, skp_id) -> list[dict]:
    with db.transaction() as session:
        rows = session.execute(sa.select(outbox_table.c.payload).where(
            outbox_table.c.event_type == "skp_closed")).scalars().all()
    return [p["data"] for p in rows if p["data"]["skp_id"] == str(skp_id)]


# --- the yearly rollover ------------------------------------------------------------------------------------------


def test_the_yearly_rollover_drafts_each_continuing_assignment_once(db):
    going, ending, acting, ended, p1, p2 = (new_nip() for _ in range(6))
    a_going = assign(db, going, "jab-roll-1", "2024-03-01", penilai=p1)
    assign(db, ending, "jab-roll-2", "2024-03-01", end="2025-04-30", penilai=p1)
    assign(db, acting, "jab-roll-3", "2024-03-01", acting=True)
    a_ended = assign(db, ended, "jab-roll-4", "2024-03-01", penilai=p1)
    assign(db, ended, "jab-roll-4", "2024-03-01", assignment_id=a_ended, ended="2024-10-31", effective="2024-11-01")
    [before] = docs_of(db, going)
    assert (before["period_start"], before["period_end"]) == (D(2024, 3, 1), D(2024, 12, 31))

    # two replicas' timers fire at once on January 1st: each continuing assignment gets one document
    handled = []
    barrier = threading.Barrier(2)

    def replica():
        barrier.wait()
        with db.transaction() as session:
            handled.append(consumers.rollover_year(in_session(session), D(2025, 1, 1)))
    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(handled) >= 2

    first, new_year = docs_of(db, going)
    assert first == before  # the 2024 document is untouched
    assert (new_year["period_start"], new_year["period_end"], new_year["status"]) == (D(2025, 1, 1),
                                                                                      D(2025, 12, 31), "draft")
    assert (new_year["assignment_id"], new_year["jabatan_id"], new_year["penilai_nip"]) == (a_going, "jab-roll-1", p1)
    with db.transaction() as session:
        kegiatan = repo.active_kegiatan(session, new_year["skp_id"])
        audit = [e["action"] for e in repo.audit_entries(session, new_year["skp_id"])]
    # the whole year: the template's yearly targets, not the 10 months of 2024
    assert [(k["kuantitas"], k["waktu"]) for k in kegiatan] == [(1200, 12), (240, 12), (12, 12)]
    assert audit == ["drafted", "rolled_over"]
    _, short = docs_of(db, ending)
    assert (short["period_start"], short["period_end"]) == (D(2025, 1, 1), D(2025, 4, 30))
    assert len(docs_of(db, acting)) == 0 and len(docs_of(db, ended)) == 1

    # again (next hour, another replica): nothing more
    with db.transaction() as session:
        assert consumers.rollover_year(in_session(session), D(2025, 1, 1)) == 0
    assert len(docs_of(db, going)) == 2

    # a later event of the same assignment (a new penilai from February) changes the 2025 document only
    assign(db, going, "jab-roll-1", "2024-03-01", assignment_id=a_going, penilai=p2, effective="2025-02-01")
    first_after, new_after = docs_of(db, going)
    assert (first_after["penilai_nip"], first_after["period_end"], first_after["version"]) == (
        p1, D(2024, 12, 31), first["version"])
    assert (new_after["penilai_nip"], new_after["period_end"]) == (p2, D(2025, 12, 31))


def test_an_event_of_a_new_year_drafts_that_year_and_one_key_stops_duplicates(db):
    nip, penilai = new_nip(), new_nip()
    assignment = assign(db, nip, "jab-roll-5", "2024-06-01", penilai=penilai)
    assign(db, nip, "jab-roll-5", "2024-06-01", assignment_id=assignment, penilai=penilai, effective="2025-03-01")
    assert [(x["period_start"], x["period_end"]) for x in docs_of(db, nip)] == [
        (D(2024, 6, 1), D(2024, 12, 31)), (D(2025, 1, 1), D(2025, 12, 31))]

    # the same employee, jabatan and period start drafted concurrently under two assignment ids: one document
    with db.transaction() as session:
        data = session.execute(sa.select(t.assignments.c.data).where(
            t.assignments.c.assignment_id == assignment)).scalar()
    results, barrier = [], threading.Barrier(2)

    def draft(assignment_id):
        barrier.wait()
        with db.transaction() as session:
            event = AssignmentChanged.from_data({**data, "assignment_id": assignment_id})
            results.append(consumers.draft_document(in_session(session), event, event.new,
                                                    (D(2026, 1, 1), D(2026, 12, 31))))
    threads = [threading.Thread(target=draft, args=(f"asg-dup-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r is None for r in results) == [False, True]
    assert [x["period_start"] for x in docs_of(db, nip)] == [D(2024, 6, 1), D(2025, 1, 1), D(2026, 1, 1)]


# --- a move closes a draft: its working targets are those of the months served -------------------------------------


def test_a_move_prorates_the_targets_of_a_draft_document_and_audits_it(db):
    nip = new_nip()
    assign(db, nip, "jab-move-1", "2024-01-02")
    assign(db, nip, "jab-move-2", "2024-06-01")  # another assignment: the first ends on May 31 (5 months)
    old, new = docs_of(db, nip)
    # not approved yet: it keeps its workflow state (it can still be agreed for the months served)
    assert (old["status"], old["closed_reason"], old["period_end"]) == ("draft", "moved", D(2024, 5, 31))
    assert old["approved_targets"] is None
    with db.transaction() as session:
        kegiatan = repo.active_kegiatan(session, old["skp_id"])
        [prorated] = [e["detail"] for e in repo.audit_entries(session, old["skp_id"])
                      if e["action"] == "targets_prorated"]
    # umum/pelaksana yearly 1200 surat, 240 data, 12 laporan x 5/12; waktu 12 -> 5
    assert [(k["kuantitas"], k["waktu"]) for k in kegiatan] == [(500, 5), (100, 5), (5, 5)]
    assert (prorated["months_planned"], prorated["months_served"]) == (12, 5)
    assert [k["kuantitas"] for k in prorated["kegiatan"]] == [["1200", "500"], ["240", "100"], ["12", "5"]]
    assert (new["period_start"], new["status"]) == (D(2024, 6, 1), "draft")


# --- results nobody objected to ------------------------------------------------------------------------------------


def year_with_result(db, issued_on: dt.date) -> tuple[dict, str, str]:
    """An employee's 2024 document, approved, realised, assessed and its result issued on ``issued_on``."""
    nip, penilai, atasan = new_nip(), new_nip(), new_nip()
    assign(db, nip, f"jab-res-{nip[-3:]}", "2024-01-02", penilai=penilai, atasan=atasan)
    [doc] = docs_of(db, nip)
    me, pen = pegawai(nip), pegawai(penilai)
    with db.transaction() as session:
        handlers.submit_skp(in_session(session), me, str(doc["skp_id"]))
        view = handlers.approve_skp(in_session(session), pen, str(doc["skp_id"]))
    kid = str(view["kegiatan"][0]["kegiatan_id"])
    for n in range(3):
        apply_once(db, "skp", envelope(reviewed(activity_id=f"act-{nip}-{n}", nip=nip, skp_id=str(doc["skp_id"]),
                                                kegiatan_id=kid, kuantitas_diakui="400")),
                   on_unit(consumers.activity_reviewed))
    rate(db, doc["skp_id"], kid, 2024, 5, nip=nip)
    with db.transaction() as session:
        handlers.set_realisasi(in_session(session), me, str(doc["skp_id"]), kid, "12", "", D(2024, 12, 2))
        handlers.set_perilaku(in_session(session), pen, str(doc["skp_id"]), dict(
            orientasi_pelayanan="80", integritas="80", komitmen="80", disiplin="80", kerja_sama="80"))
        result = handlers.issue_result(in_session(session), pen, str(doc["skp_id"]), issued_on)
    return result, nip, atasan


def rate(db, skp_id, kegiatan_id, tahun, bulan, kualitas="100", *, nip):
    """des's monthly_quality_set for one kegiatan-month."""
    apply_once(db, "skp", envelope({"skp_id": str(skp_id), "nip": nip, "instansi_id": "inst-1",
                                    "kegiatan_id": str(kegiatan_id), "tahun": tahun, "bulan": bulan,
                                    "kualitas": kualitas}),
               on_unit(consumers.monthly_quality_set))


def test_the_result_waits_for_the_kualitas_of_every_month_with_work(db):
    """Realisation without kualitas is not scored 0: IssueResult is refused naming the kegiatan and its months of
    work (without check_rated the result was issued with kualitas 0)."""
    nip, penilai = new_nip(), new_nip()
    assign(db, nip, f"jab-kual-{nip[-3:]}", "2024-01-02", penilai=penilai)
    [doc] = docs_of(db, nip)
    me, pen = pegawai(nip), pegawai(penilai)
    with db.transaction() as session:
        handlers.submit_skp(in_session(session), me, str(doc["skp_id"]))
        view = handlers.approve_skp(in_session(session), pen, str(doc["skp_id"]))
    first = view["kegiatan"][0]
    kid = str(first["kegiatan_id"])
    for n, tanggal in enumerate(["2024-03-04", "2024-05-02"]):
        apply_once(db, "skp", envelope(reviewed(activity_id=f"act-{nip}-{n}", nip=nip, skp_id=str(doc["skp_id"]),
                                                kegiatan_id=kid, tanggal=tanggal, kuantitas_diakui="100")),
                   on_unit(consumers.activity_reviewed))
    with db.transaction() as session:
        handlers.set_realisasi(in_session(session), me, str(doc["skp_id"]), kid, "12", "", D(2024, 12, 2))
        handlers.set_perilaku(in_session(session), pen, str(doc["skp_id"]), dict(
            orientasi_pelayanan="80", integritas="80", komitmen="80", disiplin="80", kerja_sama="80"))
    with pytest.raises(FailedPrecondition) as refused, db.transaction() as session:
        handlers.issue_result(in_session(session), pen, str(doc["skp_id"]), D(2025, 1, 10))
    assert refused.value.field == "kualitas" and refused.value.reason == "KUALITAS_BELUM_DINILAI"
    assert f"{first['nama']!r} (2024-03, 2024-05)" in refused.value.message, refused.value.message
    rate(db, doc["skp_id"], kid, 2024, 5, "90", nip=nip)
    with db.transaction() as session:
        result = handlers.issue_result(in_session(session), pen, str(doc["skp_id"]), D(2025, 1, 10))
    assert result["result_status"] == "issued"


def test_results_without_keberatan_close_after_14_days_once(db):
    quiet, nip_quiet, _ = year_with_result(db, D(2025, 1, 10))
    objected, nip_objected, _ = year_with_result(db, D(2025, 1, 10))
    assert quiet["keberatan_deadline"] == D(2025, 1, 24)
    with db.transaction() as session:
        handlers.file_keberatan(in_session(session), pegawai(nip_objected), objected["skp_id"], "nilai terlalu rendah",
                                D(2025, 1, 20))

    with db.transaction() as session:  # the 14th day: a keberatan may still be filed
        assert handlers.close_expired_results(in_session(session), D(2025, 1, 24)) == 0
    assert docs_of(db, nip_quiet)[0]["result_status"] == "issued"

    # two replicas on the 15th day: the one that locks the row closes it, the other skips it
    first = db.transaction()
    session = first.__enter__()
    assert handlers.close_expired_results(in_session(session), D(2025, 1, 25)) == 1
    with db.transaction() as other:
        assert handlers.close_expired_results(in_session(other), D(2025, 1, 25)) == 0
    first.__exit__(None, None, None)

    [doc] = docs_of(db, nip_quiet)
    assert (doc["result_status"], doc["status"], doc["closed_reason"]) == ("final", "closed", "final")
    assert doc["result"]["nilai_prestasi_kerja"] == quiet["nilai_prestasi_kerja"]
    with db.transaction() as session:
        audit = repo.audit_entries(session, doc["skp_id"])
    assert (audit[-1]["action"], audit[-1]["actor"]) == ("result_final_no_keberatan", "system")
    assert skp_closed_events(db, doc["skp_id"]) == [{
        "skp_id": str(doc["skp_id"]), "nip": nip_quiet, "instansi_id": "inst-1", "period_end": "2024-12-31",
        "reason": "final", "nilai_prestasi_kerja": quiet["nilai_prestasi_kerja"],
        "kegiatan": [{"kegiatan_id": k["kegiatan_id"], "kuantitas": k["kuantitas"]} for k in doc["approved_targets"]]}]

    # the keberatan waits for the atasan; a later run changes nothing and publishes nothing again
    with db.transaction() as session:
        assert handlers.close_expired_results(in_session(session), D(2025, 3, 1)) == 0
    assert docs_of(db, nip_objected)[0]["result_status"] == "keberatan"
    assert len(skp_closed_events(db, doc["skp_id"])) == 1
    with pytest.raises(FailedPrecondition), db.transaction() as session:
        handlers.file_keberatan(in_session(session), pegawai(nip_quiet), str(doc["skp_id"]), "terlambat",
                                D(2025, 1, 26))


# --- activity_reviewed intake ----------------------------------------------------------------------------------------


def test_one_statement_intake_has_the_effect_of_the_unit_of_work_path(db):
    """A random feed with redeliveries, stale versions, "proses" and non-SKP work gives the same realisation and
    the same duplicate answers on both paths; the fast path is one statement (one round trip) per event."""
    rng = random.Random(7)
    nip, kegiatan = new_nip(), [uuid.uuid4() for _ in range(3)]
    docs = {"unit_of_work": uuid.uuid4(), "one_statement": uuid.uuid4()}
    feed = []
    for _ in range(150):
        activity = f"{rng.randrange(40)}"
        event = {"event_id": str(uuid.uuid4()), "data": reviewed(
            activity_id=activity, nip=nip, kegiatan_id=str(rng.choice(kegiatan)), tanggal="2024-04-01",
            jenis=rng.choice(["skp", "skp", "skp", "non_skp"]), kuantitas_diakui=str(rng.randrange(1, 9)),
            proses=rng.random() < 0.2, version=rng.randrange(1, 5), skp=rng.random() < 0.9)}
        feed.append(event)
        if rng.random() < 0.2:
            feed.append(event)  # redelivered
    statements = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    answers = {}
    for path, skp_id in docs.items():
        answers[path] = []
        for event in feed:
            data = {k: v for k, v in event["data"].items() if k != "skp"}
            data.update(activity_id=f"{path}-{data['activity_id']}", skp_id=str(skp_id) if event["data"]["skp"]
                        else None)
            one = {"event_id": _event_id(event["event_id"], path), "data": data}
            statements.clear()
            if path == "unit_of_work":
                answers[path].append(apply_once(db, "skp", one, on_unit(consumers.activity_reviewed)))
            else:
                answers[path].append(events.activity_reviewed_once(db, "skp", one))
                assert len(statements) == 1, statements
    assert answers["unit_of_work"] == answers["one_statement"] and answers["unit_of_work"].count(False) > 0
    with db.transaction() as session:
        realised = {path: repo.realisation(session, skp_id) for path, skp_id in docs.items()}
        rows = {path: sorted((r.activity_id.split("-", 1)[1], r.kegiatan_id, r.jenis, r.kuantitas, r.proses,
                              r.version) for r in session.execute(sa.select(t.activities).where(
                                  t.activities.c.activity_id.like(f"{path}-%"))))
                for path in docs}
    assert realised["unit_of_work"] and realised["unit_of_work"] == realised["one_statement"]
    assert rows["unit_of_work"] == rows["one_statement"]
    assert sum(r["kuantitas"] for r in realised["one_statement"].values()) > Decimal(0)


def _event_id(event_id: str, path: str) -> str:
    """The same event seen by the two paths as two distinct events (the inbox is shared by the database)."""
    return str(uuid.uuid5(uuid.UUID(event_id), path))
