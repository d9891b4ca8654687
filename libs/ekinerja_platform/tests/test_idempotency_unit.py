"""The idempotency rules without a database: a key's scope, where the key comes from, the request's fingerprint,
the stored answer's envelope, and `run_once` over a fake unit of work (claims commit with the work or not at all)."""
import pytest
from google.protobuf.wrappers_pb2 import StringValue

from ekinerja_platform import idempotency
from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument
from ekinerja_platform.testing_uow import FakeUnitOfWork
from ekinerja_platform.tokens import Principal
from ekinerja_platform.unit_of_work import Event

pytestmark = pytest.mark.unit


class Call:
    def __init__(self, key=None, subject="199001012020011001"):
        self.idempotency_key = key
        self.principal = Principal(subject=subject, roles=("pegawai",)) if subject else None


def test_a_key_is_scoped_by_service_method_and_caller():
    a = idempotency.key_of("des.SubmitPlan", Call("k", "alice"), StringValue(value="x"))
    assert a.scope == "des.SubmitPlan:alice" and a.key == "k"
    assert idempotency.key_of("des.SubmitPlan", Call("k", "bob"), StringValue(value="x")).scope != a.scope
    assert idempotency.key_of("des.SubmitText", Call("k", "alice"), StringValue(value="x")).scope != a.scope
    assert idempotency.key_of("des.SubmitPlan", Call("k", None), StringValue()).scope == "des.SubmitPlan:anonymous"


def test_the_request_field_wins_over_the_metadata_and_no_key_means_no_claim():
    assert idempotency.key_of("s.R", Call("from-metadata"), StringValue(), "from-field").key == "from-field"
    assert idempotency.key_of("s.R", Call("from-metadata"), StringValue(), "").key == "from-metadata"
    assert idempotency.key_of("s.R", Call(None), StringValue(), "") is None


def test_a_key_longer_than_128_characters_names_the_field():
    assert idempotency.key_of("s.R", Call(), StringValue(), "k" * 128).key == "k" * 128
    with pytest.raises(InvalidArgument) as err:
        idempotency.key_of("s.R", Call(), StringValue(), "k" * 129)
    assert err.value.field == "idempotency_key"


def test_the_same_request_is_answered_with_the_first_answer_and_another_one_is_refused():
    key = idempotency.key_of("s.R", Call("k"), StringValue(value="a"))
    stored = idempotency.seal(key, b"first answer")
    same = idempotency.key_of("s.R", Call("k"), StringValue(value="a"))
    assert idempotency.answer_of(same, stored) == b"first answer"
    other = idempotency.key_of("s.R", Call("k"), StringValue(value="b"))
    with pytest.raises(FailedPrecondition) as err:
        idempotency.answer_of(other, stored)
    assert (err.value.field, err.value.reason) == ("idempotency_key", idempotency.REUSED)


def test_an_empty_answer_round_trips_and_an_answer_stored_before_the_envelope_is_replayed_as_it_is():
    key = idempotency.key_of("s.R", Call("k"), StringValue(value="a"))
    assert idempotency.answer_of(key, idempotency.seal(key, b"")) == b""
    legacy = StringValue(value="old").SerializeToString()  # a protobuf message never starts with a zero byte
    assert idempotency.answer_of(key, legacy) == legacy


class FakeDb:
    """A `DatabaseAccess` over a dict standing in for `idempotency_keys`: changes are kept only on commit."""

    def __init__(self):
        self.rows: dict[tuple[str, str], bytes] = {}

    def new_session(self, read_only=False):
        return FakeSession(self)

    def run(self, key, request, work, response_cls=StringValue):
        return idempotency.run_once(self, Call(key), "s.R", request, response_cls, work)


class FakeSession:
    def __init__(self, db):
        self.db, self.rows = db, dict(db.rows)

    def begin(self):
        pass

    def commit(self):
        self.db.rows = self.rows

    def rollback(self):
        self.rows = dict(self.db.rows)

    def close(self):
        pass

    def execute(self, statement, params):
        scope_key = (params["scope"], params["key"])
        if statement is idempotency._CLAIM:
            claimed = scope_key not in self.rows
            self.rows.setdefault(scope_key, b"")
            return Result([1] if claimed else [])
        if statement is idempotency._STORED:
            return Result([self.rows.get(scope_key)])
        assert statement is idempotency._ANSWER
        self.rows[scope_key] = params["response"]


class Result:
    def __init__(self, values):
        self.values = values

    def first(self):
        return self.values[0] if self.values else None

    def scalar_one_or_none(self):
        return self.values[0] if self.values else None


def test_run_once_applies_a_key_once_and_answers_the_retry_with_the_first_answer():
    db, applied = FakeDb(), []

    def work(session):
        applied.append(1)
        return StringValue(value=f"applied {len(applied)}")
    assert db.run("k", StringValue(value="a"), work).value == "applied 1"
    assert db.run("k", StringValue(value="a"), work).value == "applied 1"
    assert len(applied) == 1
    with pytest.raises(FailedPrecondition):
        db.run("k", StringValue(value="b"), work)
    assert db.run(None, StringValue(value="a"), work).value == "applied 2"  # no key: simply runs
    assert db.run(None, StringValue(value="a"), work).value == "applied 3"


def test_a_failed_call_is_not_stored_so_its_retry_is_decided_afresh():
    db = FakeDb()

    def refuse(session):
        raise FailedPrecondition("the day is locked", field="tanggal")
    with pytest.raises(FailedPrecondition):
        db.run("k", StringValue(value="a"), refuse)
    assert db.rows == {}
    assert db.run("k", StringValue(value="a"), lambda s: StringValue(value="now it works")).value == "now it works"


def test_run_once_in_a_fake_unit_of_work_commits_answer_and_events_together_or_neither():
    """The port's contract as use-case tests rely on it: a refused call commits nothing and records no event."""
    uow = FakeUnitOfWork()

    def work(unit):
        unit.record(Event("probe_happened", "probe", {"text": "1"}))
        return StringValue(value="done")
    assert idempotency.run_once_in(uow, Call("k"), "s.R", StringValue(value="a"), StringValue, work).value == "done"
    again = idempotency.run_once_in(uow, Call("k"), "s.R", StringValue(value="a"), StringValue,
                                    lambda unit: pytest.fail("applied twice"))
    assert again.value == "done" and uow.recorded("probe_happened") == [{"text": "1"}] and uow.committed

    refused = FakeUnitOfWork()

    def refuse(unit):
        unit.record(Event("probe_happened", "probe", {"text": "2"}))
        raise FailedPrecondition("the day is locked", field="tanggal")
    with pytest.raises(FailedPrecondition):
        idempotency.run_once_in(refused, Call("k"), "s.R", StringValue(value="a"), StringValue, refuse)
    assert (refused.events, refused.answers, refused.committed, refused.rolled_back) == ([], {}, False, True)
