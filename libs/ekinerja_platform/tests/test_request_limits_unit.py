"""Input limits, quoting, failure classification, error details and database timeouts, without servers."""
import importlib
import pathlib

import psycopg
import pytest
import sqlalchemy as sa
from google.rpc.error_details_pb2 import BadRequest, ErrorInfo, RetryInfo
from google.rpc.status_pb2 import Status
from grpc import StatusCode
from nameko_grpc.errors import GrpcError

from ekinerja_platform import db, error_details, grpc_errors, infra_errors, logs, request_limits
from ekinerja_platform.domain_errors import InvalidArgument, ResourceExhausted, quote

pytestmark = pytest.mark.unit

GEN = pathlib.Path(__file__).resolve().parents[3] / "build" / "gen"


def _pb(module):
    import sys
    if str(GEN) not in sys.path:
        sys.path.insert(0, str(GEN))
    return importlib.import_module(module)


def test_every_override_names_a_real_field():
    for module in ("ekinerja.des.v1.des_pb2", "ekinerja.skp.v1.skp_pb2", "ekinerja.snowman.v1.snowman_pb2",
                   "ekinerja.identity.v1.identity_pb2", "ekinerja.recap.v1.recap_pb2"):
        _pb(module)
    from google.protobuf import descriptor_pool
    pool = descriptor_pool.Default()
    for full_name in request_limits.MAX_LENGTH:
        assert pool.FindFieldByName(full_name) is not None, full_name


def test_a_long_string_is_refused_naming_its_path_without_echoing_it():
    des = _pb("ekinerja.des.v1.des_pb2")
    request = des.SubmitActivityRequest(activity=des.ActivityInput(uraian="x" * (1024 * 1024)))
    with pytest.raises(request_limits.FieldTooLong) as err:
        request_limits.check(request)
    assert err.value.field == "activity.uraian"
    assert err.value.reason == "FIELD_TOO_LONG"
    assert "xxxxx" not in str(err.value) and len(str(err.value)) < 200


def test_limits_reach_repeated_messages_and_defaults_allow_ordinary_input():
    des = _pb("ekinerja.des.v1.des_pb2")
    fine = des.SubmitActivityRequest(activity=des.ActivityInput(uraian="Menyusun laporan " * 50))
    request_limits.check(fine)
    request = des.ImportActivitiesRequest()
    for index in range(3):
        record = request.records.add()
        record.uraian = "ok" if index < 2 else "y" * 5000
    with pytest.raises(request_limits.FieldTooLong) as err:
        request_limits.check(request)
    assert err.value.field == "records[2].uraian"


def test_the_override_table_allows_a_long_answer():
    snowman = _pb("ekinerja.snowman.v1.snowman_pb2")
    content = snowman.EntryContent(jawaban="j" * 15_000, judul="ok")
    request_limits.check(content)
    content.judul = "j" * 1001
    with pytest.raises(request_limits.FieldTooLong):
        request_limits.check(content)


def test_nul_is_refused_in_any_string():
    identity = _pb("ekinerja.identity.v1.identity_pb2")
    with pytest.raises(request_limits.NulCharacter) as err:
        request_limits.check(identity.LoginRequest(user="1990\x0001", password="x"))
    assert err.value.field == "user" and err.value.reason == "NUL_CHARACTER"


def test_a_stream_message_that_does_not_decode_is_malformed():
    des = _pb("ekinerja.des.v1.des_pb2")

    def messages():
        yield des.GetActivityRequest(activity_id="a-1")
        raise ValueError("Error parsing message")

    stream = request_limits.checked_stream(messages())
    assert next(stream).activity_id == "a-1"
    with pytest.raises(request_limits.MalformedRequest):
        next(stream)


def test_quote_shows_a_short_prefix_and_the_length():
    assert quote("abc") == "'abc'"
    quoted = quote("z" * 1_000_000)
    assert len(quoted) < 80 and "1000000 karakter" in quoted
    assert "byte" in quote(b"\0" * 100)


def test_log_lines_never_carry_a_whole_value():
    assert len(logs.cut("v" * 1_000_000, logs.MAX_MESSAGE_CHARS)) < logs.MAX_MESSAGE_CHARS + 100


def _db_error(cls, sqlstate):
    class Orig(psycopg.Error):
        pass
    orig = Orig("x")
    orig.sqlstate = sqlstate  # psycopg's own errors expose it the same way
    return cls("SELECT 1", {}, orig)


@pytest.mark.parametrize(("exc", "code", "reason"), [
    (_db_error(sa.exc.OperationalError, None), StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE"),
    (_db_error(sa.exc.OperationalError, "57P01"), StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE"),
    (_db_error(sa.exc.OperationalError, "08006"), StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE"),
    (_db_error(sa.exc.OperationalError, "40001"), StatusCode.ABORTED, "CONCURRENT_UPDATE"),
    (_db_error(sa.exc.OperationalError, "40P01"), StatusCode.ABORTED, "CONCURRENT_UPDATE"),
    (_db_error(sa.exc.OperationalError, "55P03"), StatusCode.ABORTED, "LOCK_TIMEOUT"),
    (_db_error(sa.exc.OperationalError, "57014"), StatusCode.DEADLINE_EXCEEDED, "STATEMENT_TIMEOUT"),
    (sa.exc.TimeoutError(), StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE"),
])
def test_infrastructure_failures_get_a_status_the_client_can_act_on(exc, code, reason):
    error = grpc_errors.to_grpc_error(exc)
    assert (error.code, _info(error).reason) == (code, reason)
    assert "SELECT" not in error.message


def test_a_broker_failure_is_unavailable_and_a_bug_is_internal():
    import kombu.exceptions
    assert grpc_errors.to_grpc_error(kombu.exceptions.OperationalError("down")).code == StatusCode.UNAVAILABLE
    assert infra_errors.classify(_db_error(sa.exc.IntegrityError, "23505")) is None
    assert grpc_errors.to_grpc_error(KeyError("x")).code == StatusCode.INTERNAL


def _info(error: GrpcError) -> ErrorInfo:
    return error_details.error_info(error.status)


def test_domain_errors_carry_error_info_bad_request_and_retry_info():
    error = grpc_errors.to_grpc_error(InvalidArgument("wajib diisi", field="uraian"))
    assert error.code == StatusCode.INVALID_ARGUMENT
    info = _info(error)
    assert (info.domain, info.reason, info.metadata["field"]) == ("ekinerja.go.id", "INVALID_ARGUMENT", "uraian")
    bad = BadRequest()
    assert error.status.details[1].Unpack(bad)
    assert bad.field_violations[0].field == "uraian" and bad.field_violations[0].description == "wajib diisi"
    throttled = ResourceExhausted("tunggu", reason="LOGIN_THROTTLED")
    throttled.retry_after_seconds = 7
    error = grpc_errors.to_grpc_error(throttled)
    assert _info(error).reason == "LOGIN_THROTTLED"
    retry = RetryInfo()
    assert error.status.details[-1].Unpack(retry) and retry.retry_delay.seconds == 7


def test_every_error_sent_has_details_matching_its_status():
    from ekinerja_platform import transport_patches
    transport_patches.install()  # GrpcError.as_headers, nameko-grpc's one road to the trailers, gains the details
    headers = dict(GrpcError(StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded").as_headers())
    status = Status.FromString(headers["grpc-status-details-bin"])
    assert status.code == StatusCode.DEADLINE_EXCEEDED.value[0] and status.message == "Deadline Exceeded"
    assert error_details.error_info(status).reason == "DEADLINE_EXCEEDED"
    own = Status(code=8, message="x")  # a status built elsewhere (identity's RetryInfo) gains an ErrorInfo
    headers = dict(GrpcError(StatusCode.RESOURCE_EXHAUSTED, "x", status=own).as_headers())
    assert error_details.error_info(Status.FromString(headers["grpc-status-details-bin"])) is not None


def test_every_engine_gets_statement_and_lock_timeouts(monkeypatch):
    assert db.connect_args()["options"] == "-c statement_timeout=30000 -c lock_timeout=10000"
    monkeypatch.setenv("EKINERJA_DB_STATEMENT_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("EKINERJA_DB_LOCK_TIMEOUT_SECONDS", "0")
    assert db.connect_args()["options"] == "-c statement_timeout=2500"
    assert "options" not in db.connect_args(statement_timeout_seconds=0)
    monkeypatch.setenv("EKINERJA_DB_LOCK_TIMEOUT_SECONDS", "-1")
    from ekinerja_platform.settings import MissingSetting
    with pytest.raises(MissingSetting):
        db.connect_args()


def test_the_relay_connection_has_heartbeats(monkeypatch):
    from ekinerja_platform.relay import OutboxRelay
    assert OutboxRelay(None, "amqp://x", "probe").heartbeat == 30
    monkeypatch.setenv("EKINERJA_AMQP_HEARTBEAT_SECONDS", "12")
    assert OutboxRelay(None, "amqp://x", "probe").heartbeat == 12


def test_raw_psycopg_failures_are_classified_too():
    assert grpc_errors.to_grpc_error(psycopg.OperationalError("connection refused")).code == StatusCode.UNAVAILABLE
    lost = grpc_errors.to_grpc_error(psycopg.errors.SerializationFailure("could not serialize"))
    assert (lost.code, _info(lost).reason) == (StatusCode.ABORTED, "CONCURRENT_UPDATE")
    assert grpc_errors.to_grpc_error(psycopg.errors.UniqueViolation("dup")).code == StatusCode.INTERNAL


def test_map_keys_and_values_are_checked():
    recap = _pb("ekinerja.recap.v1.recap_pb2")
    fine = recap.Recommendation(kind="k", numbers={"target": "12"})
    request_limits.check(fine)
    with pytest.raises(request_limits.NulCharacter) as err:
        request_limits.check(recap.Recommendation(numbers={"target": "1\x002"}))
    assert err.value.field.startswith("numbers[")
    with pytest.raises(request_limits.FieldTooLong):
        request_limits.check(recap.Recommendation(numbers={"k" * 2000: "1"}))
