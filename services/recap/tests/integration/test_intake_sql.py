"""The SQL intake of des events against real PostgreSQL (no service process): its round trips, and that it gives the
same counters as the pure reference projection and the same achievement as the Python formula, for any order."""
import datetime as dt
import random

import pytest
import recap_events as ev
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recap_histories import NIPS, activity_histories
from sqlalchemy.orm import Session

from ekinerja_platform.outbox import claim_event
from recap.adapters import intake
from recap.adapters import queries_sql as queries
from recap.adapters import tables as t
from recap.adapters.unit_of_work import in_session
from recap.application import events as use_cases
from recap.domain import projection
from recap.domain.achievement import show
from recap.entrypoints import consumers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fast(recap_db):
    engine = intake.make_intake_engine(recap_db, pool_size=2)
    yield engine
    engine.dispose()


def _statements(engine):
    seen = []

    def record(conn, cursor, statement, *rest):
        seen.append(statement)
    sa.event.listen(engine, "before_cursor_execute", record)
    return seen, record


def _reset(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE inbox, event_log, " + ", ".join(x.name for x in t.PROJECTION_TABLES)))


def _targets(engine):
    """SKP s1 (k1: 24, k2: 0 → left out) for both employees, 2025; s0 (k1: 7) for NIPS[0], Dec 2024 - Feb 2025."""
    envelopes = [e for nip in NIPS for e in ev.with_targets(ev.skp_approved(
        "s1", nip, "i-1", "u-a", "j-a", "2025-01-01", "2025-12-31", None, [("k1", 24), ("k2", 0)]))]
    envelopes += ev.with_targets(ev.skp_approved("s0", NIPS[0], "i-1", "u-a", "j-a", "2024-12-01", "2025-02-28",
                                                 None, [("k1", 7)]))
    with Session(engine) as session, session.begin():
        for envelope in envelopes:
            use_cases.apply_event(in_session(session), envelope)


def test_one_des_event_is_two_statements_without_pre_ping(recap_db, fast):
    _reset(fast)
    assert fast.pool._pre_ping is False
    seen, listener = _statements(fast)
    event = ev.activity_submitted("rt-1", NIPS[0], "i-1", "u-a", "2025-03-03", "s1", "k1", kuantitas=2, version=1)
    try:
        assert intake.apply_des_event(fast, event) is True
        assert len(seen) == 2, seen        # claim+log+lock+load, then save+counters+achievement
        seen.clear()
        assert intake.apply_des_event(fast, event) is False   # redelivered: one statement, no effect
        assert len(seen) == 1
    finally:
        sa.event.remove(fast, "before_cursor_execute", listener)
    with fast.connect() as conn:
        row = conn.execute(sa.text("SELECT reported, reported_qty, pending FROM employee_counters "
                                   "WHERE kind = 'month' AND nip = :n"), {"n": NIPS[0]}).one()
        assert (row.reported, row.reported_qty, row.pending) == (1, 2, 1)
        assert conn.execute(sa.text("SELECT count(*) FROM event_log")).scalar() == 1


def _db_counters(engine) -> dict:
    out = {}
    with engine.connect() as conn:
        for row in conn.execute(sa.select(t.employee_counters)).mappings():
            out[("emp", row["kind"], row["period_key"], row["nip"], row["unit_id"], row["instansi_id"])] = row
        for row in conn.execute(sa.select(t.kegiatan_counters)).mappings():
            out[("keg", row["kind"], row["period_key"], row["nip"], row["skp_id"], row["kegiatan_id"])] = row
    cleaned = {key: {n: row[n] for n in projection.COUNTERS if row[n]} for key, row in out.items()}
    return {key: row for key, row in cleaned.items() if row}


def _reference(events) -> dict:
    store = projection.MemoryStore()
    for envelope in events:
        store.apply(envelope)
    return {key: {n: v for n, v in row.items() if v} for key, row in store.counters.items() if any(row.values())}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(activity_histories(), st.randoms(use_true_random=False))
def test_sql_intake_equals_the_reference_projection_in_any_order(recap_db, fast, events, rnd):
    _reset(fast)
    _targets(fast)
    shuffled = list(events) + list(events[:2])      # with redeliveries
    rnd.shuffle(shuffled)
    for envelope in shuffled:
        intake.apply_des_event(fast, envelope)
    assert _db_counters(fast) == _reference(events)
    months = sorted({(dt.date.fromisoformat(e["data"]["tanggal"][:10]).replace(day=1)) for e in events
                     if e["data"].get("tanggal")})
    with Session(fast) as session:
        for kind, days in (("month", months), ("year", sorted({m.replace(month=1) for m in months}))):
            for day in days:
                maintained = queries.achievements(session, list(NIPS), kind, day)
                reference = queries.computed_achievements(session, list(NIPS), kind, day)
                assert {n: round(v, 10) for n, v in maintained.items()} == \
                    {n: round(v, 10) for n, v in reference.items() if v is not None}, (kind, day)


def test_a_later_skp_approval_recomputes_the_maintained_achievement(recap_db, fast):
    _reset(fast)
    nip = NIPS[1]
    for envelope in (ev.activity_submitted("t1", nip, "i-1", "u-a", "2025-04-02", "s9", "k1", kuantitas=3),
                     ev.activity_reviewed("t1", nip, "i-1", "u-a", "2025-04-02", "s9", "k1", diakui=3)):
        intake.apply_des_event(fast, envelope)
    day = dt.date(2025, 4, 1)
    with Session(fast) as session:
        assert queries.achievements(session, [nip], "month", day) == {}      # no target yet
    with Session(fast) as session, session.begin():   # the SKP arrives after the work: 36 a year → 3 a month
        approved = ev.skp_approved("s9", nip, "i-1", "u-a", "j-a", "2025-01-01", "2025-12-31", None, [("k1", 36)])
        use_cases.apply_event(in_session(session), approved)
    with Session(fast) as session:   # the month waits for des's split; the year is the SKP's
        assert nip not in queries.achievements(session, [nip], "month", day)
        assert show(queries.achievements(session, [nip], "year", day)[nip]) == "8.33"      # 3 of 36
    with Session(fast) as session, session.begin():
        use_cases.apply_event(in_session(session), ev.targets_for(approved))
    with Session(fast) as session:
        assert queries.achievements(session, [nip], "month", day)[nip] == 100
        assert show(queries.achievements(session, [nip], "year", day)[nip]) == "8.33"      # 3 of 36
    with Session(fast) as session, session.begin():   # a new version with a bigger target replaces it
        for envelope in ev.with_targets(ev.skp_approved("s9", nip, "i-1", "u-a", "j-a", "2025-01-01", "2025-12-31",
                                                        None, [("k1", 72)], version=2)):
            use_cases.apply_event(in_session(session), envelope)
    with Session(fast) as session:
        assert queries.achievements(session, [nip], "month", day)[nip] == 50
    with Session(fast) as session, session.begin():   # des's adjusted split: April's target is 0
        use_cases.apply_event(in_session(session), ev.targets_for(approved, revision=3, split={"k1": {
            **{(2025, m): 6 for m in range(1, 13) if m != 4}, (2025, 5): 12}}))
    with Session(fast) as session:
        assert nip not in queries.achievements(session, [nip], "month", day)   # no 1,200 %


def test_concurrent_events_of_one_employee_keep_achievement_exact(recap_db, fast):
    """Two workers applying reviews of different kegiatan of one employee-month: the advisory lock serialises the
    recompute, so the maintained value equals the formula over the final counters."""
    import threading
    _reset(fast)
    nip = NIPS[0]
    _targets(fast)
    events = []
    for i in range(30):
        common = dict(activity_id=f"c{i}", nip=nip, instansi_id="i-1", unit_id="u-a", tanggal="2025-05-05",
                      skp_id="s1", kegiatan_id="k1" if i % 2 else "k2")
        events.append(ev.activity_submitted(**common, kuantitas=1, version=1))
        events.append(ev.activity_reviewed(**common, diakui=1, version=2))
    random.Random(4).shuffle(events)
    errors = []

    def work(part):
        try:
            for envelope in part:
                intake.apply_des_event(fast, envelope)
        except Exception as exc:  # surfaced below
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(events[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    day = dt.date(2025, 5, 1)
    with Session(fast) as session:
        assert queries.achievements(session, [nip], "month", day) == \
            queries.computed_achievements(session, [nip], "month", day)
        assert queries.achievements(session, [nip], "month", day)[nip] == 750   # 15 of a monthly target of 2


def test_two_revisions_of_one_split_handled_at_once_keep_the_newest(fast):
    """Two workers applying revisions of one document's split at once: the older one must wait and then yield to the
    newer (without serialising them, both read "no revision yet" and the second one's rows collide with the first's,
    and the consumer dead-letters a valid event)."""
    import threading

    from recap.adapters import sql_store
    _reset(fast)
    skp = ev.skp_approved("s9", NIPS[0], "i-1", "u-a", "j-a", "2025-01-01", "2025-12-31", None, [("k1", 12)])
    newer = ev.targets_for(skp, revision=3, split={"k1": {(2025, m): 1 for m in range(1, 13)}})
    older = ev.targets_for(skp, revision=2, split={"k1": {(2025, 1): 0, (2025, 2): 2,
                                                          **{(2025, m): 1 for m in range(3, 13)}}})
    first = Session(fast)
    first.begin()
    sql_store.monthly_targets_set(first, newer)  # written, not yet committed
    outcome = {}

    def second():
        try:
            with Session(fast) as session, session.begin():
                sql_store.monthly_targets_set(session, older)
        except Exception as exc:  # noqa: BLE001 - the test reports whatever escaped
            outcome["error"] = exc
    worker = threading.Thread(target=second)
    worker.start()
    worker.join(1.0)  # give the second worker time to reach the first one's locks
    first.commit()
    first.close()
    worker.join(30)
    assert not worker.is_alive() and "error" not in outcome, outcome
    with fast.connect() as conn:
        revisions = conn.execute(sa.select(t.monthly_targets.c.revision).where(
            t.monthly_targets.c.skp_id == "s9")).scalars().all()
    assert revisions and set(revisions) == {3}


def _state(engine, stream) -> dict:
    """Everything the intake writes, zero counter rows included (applied_at and seq left out; inbox and log: the
    stream's events)."""
    tables = {"activities": "activity_id", "plans": "plan_id", "employee_counters": None,
              "kegiatan_counters": None, "employee_achievement": None, "monthly_targets": None}
    out = {}
    with engine.connect() as conn:
        for table in tables:
            rows = conn.execute(sa.text(f"SELECT * FROM {table}")).mappings().all()
            out[table] = sorted(repr(sorted(dict(r).items())) for r in rows)
        ids = {"ids": sorted({e["event_id"] for e in stream})}
        out["inbox"] = conn.execute(sa.text("SELECT event_id::text FROM inbox WHERE event_id::text = ANY(:ids) "
                                            "ORDER BY 1"), ids).scalars().all()
        out["log"] = conn.execute(sa.text("SELECT event_id::text || envelope::text FROM event_log "
                                          "WHERE event_id::text = ANY(:ids) ORDER BY 1"), ids).scalars().all()
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(activity_histories(), st.lists(st.integers(1, 9), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_batches_of_any_size_give_the_state_of_one_event_per_transaction(recap_db, fast, events, sizes, rnd):
    """consumers.apply_des_batch (one transaction per batch, facts merged and counters summed in Python) leaves the
    database exactly as intake.apply_des_event does event by event: facts, counters (zero rows too), maintained
    achievement, inbox and log; with duplicates in a batch, redeliveries and a new monthly split in the middle."""
    skp = ev.skp_approved("s1", NIPS[0], "i-1", "u-a", "j-a", "2025-01-01", "2025-12-31", None,
                          [("k1", 24), ("k2", 0)])
    resplit = ev.targets_for(skp, revision=2, split={"k1": {(2025, 2): 5, (2025, 3): 2}, "k2": {(2025, 2): 3}})
    stream = list(events)
    stream.insert(rnd.randint(0, len(stream)), resplit)
    for _ in range(rnd.randint(1, 3)):  # duplicates and redeliveries, after their original
        at = rnd.randrange(len(stream))
        stream.insert(rnd.randint(at, len(stream)), stream[at])

    _reset(fast)
    _targets(fast)
    for envelope in stream:
        if envelope["event_type"] in projection.PROJECTED_EVENTS:
            intake.apply_des_event(fast, envelope)
        else:
            with Session(fast) as session, session.begin():
                if claim_event(session, "recap", envelope["event_id"]):
                    use_cases.apply_event(in_session(session), envelope)
    one_by_one = _state(fast, stream)

    _reset(fast)
    _targets(fast)
    start, fresh = 0, []
    for size in sizes * len(stream):
        if start >= len(stream):
            break
        fresh += consumers.apply_des_batch(fast, stream[start:start + size])
        start += size
    assert _state(fast, stream) == one_by_one
    assert fresh.count(True) == len({e["event_id"] for e in stream}), "each event applied once, copies dropped"
