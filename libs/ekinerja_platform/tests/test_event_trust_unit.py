"""Classification of handler failures and the consumer's trust rules, without a broker or a database."""
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from ekinerja_platform import transient
from ekinerja_platform.domain_errors import InvalidArgument
from ekinerja_platform.events import envelope_problem, producer_user

pytestmark = pytest.mark.unit


def _pg(cls, sqlstate):
    exc = cls("boom")
    exc.sqlstate = sqlstate  # what psycopg sets from the server's answer
    return exc


class _WithState(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("exc", [
    psycopg.OperationalError("connection refused"),  # no SQLSTATE: the server is away
    sa.exc.OperationalError("SELECT 1", {}, psycopg.OperationalError("server closed the connection")),
    _WithState("40001"), _WithState("40P01"), _WithState("55P03"), _WithState("57P01"), _WithState("08006"),
    _WithState("53300"), ConnectionResetError(), sa.exc.TimeoutError("pool"),
])
def test_transient_failures(exc):
    assert transient.is_transient(exc)


@pytest.mark.parametrize("exc", [
    ValueError("bad data"), KeyError("nip"), InvalidArgument("x", field="f"), _WithState("23505"),
    _WithState("22P02"), sa.exc.IntegrityError("INSERT", {}, _WithState("23503")),
])
def test_permanent_failures(exc):
    assert not transient.is_transient(exc)


def test_a_wrapped_transient_cause_counts():
    try:
        try:
            raise _WithState("40P01")
        except Exception as inner:
            raise RuntimeError("handler failed") from inner
    except RuntimeError as outer:
        assert transient.is_transient(outer)


def test_reasons_and_backoff():
    assert transient.reason_of(InvalidArgument("x", field="f")) == "rejected_by_handler"
    assert transient.reason_of(_WithState("23505")) == "constraint_violation"
    assert transient.reason_of(ValueError()) == "handler_error"
    assert [transient.backoff(n) for n in (1, 2, 3, 10)] == [0.2, 0.4, 0.8, 5.0]


def test_producer_user_follows_the_naming_of_the_consumers_own_user():
    assert producer_user("des", "des", "skp") == "skp"
    assert producer_user("test-ab12-des", "des", "skp") == "test-ab12-skp"
    assert producer_user("guest", "des", "skp") == "guest"  # a shared user can only expect itself


def test_envelope_problems():
    good = {"event_id": str(uuid.uuid4()), "event_type": "skp_approved", "producer": "skp", "data": {}}
    assert envelope_problem(good, "skp", "skp_approved") is None
    assert envelope_problem("text", "skp", "skp_approved")
    assert envelope_problem(dict(good, producer="des"), "skp", "skp_approved")
    assert envelope_problem(dict(good, event_type="skp_closed"), "skp", "skp_approved")
    assert envelope_problem(dict(good, event_id="x"), "skp", "skp_approved")
    assert envelope_problem(dict(good, data=[]), "skp", "skp_approved")
