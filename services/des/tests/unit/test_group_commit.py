"""GroupCommit's batching rules, with green threads and a recording writer (the SQL it runs is proven against
PostgreSQL by the integration tests: concurrent retries, racing supervisors, the database dropping connections)."""
import eventlet
import psycopg
import pytest

from des.adapters.direct import GroupCommit

pytestmark = pytest.mark.unit


class FakeConnection:
    def __init__(self):
        self.broken = False
        self.closed = False

    def cursor(self):
        return self


class FakeAccess:
    """DirectAccess.run on a connection that can be marked broken by the writer."""

    def __init__(self):
        self.connection = FakeConnection()

    def run(self, work):
        self.connection = FakeConnection()
        return work(self.connection)


def writer(calls, fail=None):
    """A write_many that records each statement's rows, yields to other green threads like a real round trip,
    and answers (row, True) per row; `fail(rows, cursor)` may raise instead."""
    def write_many(cursor, rows):
        calls.append(list(rows))
        eventlet.sleep(0.01)
        if fail is not None:
            fail(rows, cursor)
        return [(row, True) for row in rows]
    return write_many


def run_concurrently(group, items):
    threads = [eventlet.spawn(group.write, row, key) for row, key in items]
    results = []
    for thread in threads:
        try:
            results.append(thread.wait())
        except Exception as exc:  # noqa: BLE001 - the test looks at what each caller got
            results.append(exc)
    return results


def test_concurrent_writes_share_statements_and_each_caller_gets_its_own_row():
    calls = []
    group = GroupCommit(FakeAccess(), writer(calls), max_statements=1)
    results = run_concurrently(group, [(f"r{i}", None) for i in range(30)])
    assert results == [(f"r{i}", True) for i in range(30)]
    assert sorted(row for call in calls for row in call) == sorted(f"r{i}" for i in range(30))
    assert len(calls) < 5  # joined: 30 requests, a handful of statements


def test_a_lone_write_is_written_at_once_in_a_statement_of_its_own():
    calls = []
    group = GroupCommit(FakeAccess(), writer(calls))
    assert group.write("alone") == ("alone", True)
    assert calls == [["alone"]]


def test_rows_with_the_same_key_never_share_a_statement():
    calls = []
    group = GroupCommit(FakeAccess(), writer(calls), max_statements=1)
    items = [("a1", "k-a"), ("b1", "k-b"), ("a2", "k-a"), ("c1", None), ("a3", "k-a"), ("d1", None)]
    results = run_concurrently(group, items)
    assert results == [(row, True) for row, _ in items]
    for call in calls:
        keys = [key for row, key in items if row in call and key is not None]
        assert len(keys) == len(set(keys)), call
    # the repeated key waits for a later statement, in the order the requests came
    order = [row for call in calls for row in call]
    assert order.index("a1") < order.index("a2") < order.index("a3")


def test_statements_in_flight_are_bounded():
    in_flight, most = [0], [0]

    def write_many(cursor, rows):
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        eventlet.sleep(0.01)
        in_flight[0] -= 1
        return [(row, True) for row in rows]

    group = GroupCommit(FakeAccess(), write_many, max_rows=2, max_statements=3)
    run_concurrently(group, [(i, None) for i in range(40)])
    assert most[0] == 3


def test_a_refused_statement_is_retried_row_by_row_so_one_bad_row_fails_alone():
    calls = []

    def fail(rows, cursor):
        if "bad" in rows:
            raise psycopg.errors.CheckViolation("kuantitas out of range")

    group = GroupCommit(FakeAccess(), writer(calls, fail), max_statements=1)
    results = run_concurrently(group, [("good1", None), ("bad", None), ("good2", None)])
    assert results[0] == ("good1", True) and results[2] == ("good2", True)
    assert isinstance(results[1], psycopg.errors.CheckViolation)


def test_a_lost_connection_is_reported_to_every_caller_and_nothing_is_retried():
    calls = []

    def fail(rows, cursor):
        cursor.broken = True  # the outcome of the statement is unknown: a retry could write twice
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    group = GroupCommit(FakeAccess(), writer(calls, fail), max_statements=1)
    results = run_concurrently(group, [("a", "k1"), ("b", "k2"), ("c", None)])
    assert all(isinstance(r, psycopg.OperationalError) for r in results)
    assert sum(len(call) for call in calls) == 3  # each row was sent once, in the joined statement only


def test_the_group_writes_again_after_an_error():
    calls = []
    fail_once = [True]

    def fail(rows, cursor):
        if fail_once[0]:
            fail_once[0] = False
            cursor.broken = True
            raise psycopg.OperationalError("connection lost")

    group = GroupCommit(FakeAccess(), writer(calls, fail), max_statements=1)
    with pytest.raises(psycopg.OperationalError):
        group.write("first")
    assert group.write("second") == ("second", True)


def test_write_then_hands_each_row_its_result_or_its_error_without_a_waiting_caller():
    calls, outcomes = [], {}

    def fail(rows, cursor):
        if "bad" in rows:
            raise psycopg.errors.CheckViolation("kuantitas out of range")

    group = GroupCommit(FakeAccess(), writer(calls, fail), max_statements=1)
    for row in ("good1", "bad", "good2"):
        group.write_then(row, None, lambda result, row=row: outcomes.__setitem__(row, result),
                         lambda exc, row=row: outcomes.__setitem__(row, exc))
    assert outcomes == {}  # queued: nothing ran yet, and the caller did not wait
    group.wait_idle()
    assert outcomes["good1"] == ("good1", True) and outcomes["good2"] == ("good2", True)
    assert isinstance(outcomes["bad"], psycopg.errors.CheckViolation)


def test_a_failing_result_callback_gets_its_error_and_the_writer_goes_on():
    calls, errors = [], []

    def explode(result):
        raise ValueError(f"cannot answer {result[0]}")

    group = GroupCommit(FakeAccess(), writer(calls), max_statements=1)
    group.write_then("a", None, explode, errors.append)
    assert group.write("b") == ("b", True)
    group.wait_idle()
    assert [str(e) for e in errors] == ["cannot answer a"]


def test_callers_beyond_the_queue_limit_wait_for_room():
    calls, done = [], []
    group = GroupCommit(FakeAccess(), writer(calls), max_rows=2, max_statements=1, max_queued=4)
    for i in range(4):
        group.write_then(f"r{i}", None, done.append, done.append)
    late = eventlet.spawn(group.write_then, "r4", None, done.append, done.append)
    eventlet.sleep(0)  # the fifth caller runs until it must wait
    assert sum(len(call) for call in calls) + len(group._pending) == 4  # it is not queued yet: no room
    late.wait()
    group.wait_idle()
    assert sorted(result[0] for result in done) == [f"r{i}" for i in range(5)]
