"""Platform behaviour that needs neither PostgreSQL nor RabbitMQ."""
import json
import logging
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from grpc import StatusCode

from ekinerja_platform import domain_errors, logs, settings, tokens, topology
from ekinerja_platform.grpc_errors import to_grpc_error

pytestmark = pytest.mark.unit


def test_missing_required_setting_names_the_variable(monkeypatch):
    for name in ("EKINERJA_DATABASE_URL", "EKINERJA_AMQP_URI", "EKINERJA_NIP_HASH_KEY", "EKINERJA_JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY", "k")
    with pytest.raises(settings.MissingSetting) as err:
        settings.load_settings("des")
    assert "EKINERJA_DATABASE_URL" in str(err.value.code)


def test_settings_are_typed_and_public_view_hides_secrets(monkeypatch):
    monkeypatch.setenv("EKINERJA_DATABASE_URL", "postgresql://u:pw@db/x")
    monkeypatch.setenv("EKINERJA_AMQP_URI", "amqp://g:secret@mq/v")
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY", "very-secret")
    monkeypatch.setenv("EKINERJA_JWKS_URL", "http://identity/jwks")
    monkeypatch.setenv("EKINERJA_GRPC_PORT", "6000")
    s = settings.load_settings("skp")
    assert s.grpc_port == 6000 and s.http_port == 9102
    assert s.sqlalchemy_url.startswith("postgresql+psycopg://")
    shown = json.dumps(s.public())
    assert "pw" not in shown and "secret" not in shown and "very-secret" not in shown
    monkeypatch.setenv("EKINERJA_GRPC_PORT", "sixty")
    with pytest.raises(settings.MissingSetting):
        settings.load_settings("skp")


def test_read_url_defaults_to_the_primary_and_is_hidden_in_the_public_view(monkeypatch):
    for name, value in (("EKINERJA_DATABASE_URL", "postgresql://u:pw@primary/x"), ("EKINERJA_AMQP_URI", "amqp://g@mq/v"),
                        ("EKINERJA_NIP_HASH_KEY", "k"), ("EKINERJA_JWKS_URL", "http://identity/jwks")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EKINERJA_DATABASE_READ_URL", raising=False)
    s = settings.load_settings("recap")
    assert s.database_read_url is None and s.sqlalchemy_read_url == "postgresql+psycopg://u:pw@primary/x"
    monkeypatch.setenv("EKINERJA_DATABASE_READ_URL", "postgresql://u:replica-pw@primary-ro/x")
    s = settings.load_settings("recap")
    assert s.sqlalchemy_read_url == "postgresql+psycopg://u:replica-pw@primary-ro/x"
    shown = json.dumps(s.public())
    assert "replica-pw" not in shown and "primary-ro" in shown


@pytest.mark.parametrize("error, code", [
    (domain_errors.InvalidArgument("bad", field="x"), StatusCode.INVALID_ARGUMENT),
    (domain_errors.NotFound("none"), StatusCode.NOT_FOUND),
    (domain_errors.AlreadyExists("dup"), StatusCode.ALREADY_EXISTS),
    (domain_errors.FailedPrecondition("locked"), StatusCode.FAILED_PRECONDITION),
    (domain_errors.PermissionDenied("no"), StatusCode.PERMISSION_DENIED),
    (domain_errors.Unauthenticated("who"), StatusCode.UNAUTHENTICATED),
    (domain_errors.ResourceExhausted("slow down"), StatusCode.RESOURCE_EXHAUSTED),
    (domain_errors.Conflict("raced"), StatusCode.ABORTED),
])
def test_every_domain_error_has_its_status(error, code):
    assert to_grpc_error(error).code == code


def test_unmapped_error_hides_its_message_behind_a_correlation_id(caplog):
    error = to_grpc_error(ValueError("db password is hunter2"), "cid-123456")
    assert error.code == StatusCode.INTERNAL
    assert "hunter2" not in error.message and "cid-123456" in error.message


def test_field_is_named_in_the_message():
    assert str(domain_errors.InvalidArgument("must be positive", field="kuantitas")) == "kuantitas: must be positive"


def test_json_log_scrubs_nips_and_carries_correlation_id():
    logs.configure_logging("test", "INFO", b"key")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "login failed for %s", ("198503302010011002",), None)
    logs.set_correlation_id("corr-abcdef12")
    line = json.loads(logs.JsonFormatter().format(record))
    logs.set_correlation_id(None)
    assert "198503302010011002" not in line["msg"]
    assert line["msg"].startswith("login failed for nip:")
    assert line["correlation_id"] == "corr-abcdef12"
    assert logs.hash_nip("198503302010011002", b"k1") != logs.hash_nip("198503302010011002", b"k2")


def test_json_log_redacts_every_password_of_a_broker_failover_list():
    """nameko's connection warning redacts only the first URL of `amqp://a;amqp://b` (a cluster's nodes)."""
    from nameko.utils import sanitize_url
    uri = "amqp://scale-recap:first-Secret@127.0.0.1:5701/ekinerja;amqp://scale-recap:second%2FSecret@127.0.0.1:5702/ekinerja"
    record = logging.LogRecord("nameko", logging.WARNING, __file__, 1, "Error connecting to broker at %s (refused)",
                               (sanitize_url(uri),), None)
    line = json.loads(logs.JsonFormatter().format(record))
    assert "Secret" not in line["msg"]
    assert "amqp://scale-recap:***@127.0.0.1:5702/ekinerja" in line["msg"]


def test_broker_user_uri_puts_the_user_on_every_node_of_a_failover_list():
    from ekinerja_platform import testing
    testing.register_broker_users("amqp://guest:guest@127.0.0.1:1/unit-failover", {"des": ("u-des", "pw")})
    got = testing.broker_user_uri("amqp://guest:guest@127.0.0.1:1/unit-failover;amqp://guest:guest@127.0.0.1:2/"
                                  "unit-failover", "des")
    assert got == "amqp://u-des:pw@127.0.0.1:1/unit-failover;amqp://u-des:pw@127.0.0.1:2/unit-failover"


def _verifier(key, kid):
    jwks = {"keys": [tokens.public_jwk(key, kid)]}
    return tokens.TokenVerifier(tokens.KeySet(lambda: jwks))


def test_token_round_trip_and_refusals():
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    verifier = _verifier(key, "k1")
    good = tokens.issue_token(key, "k1", subject="199001012015031001", roles=["pegawai"], instansi="i-1",
                              nip="199001012015031001")
    principal = verifier.verify(good)
    assert principal.roles == ("pegawai",) and principal.instansi_id == "i-1"
    refused = [
        tokens.issue_token(other, "k1", subject="x", roles=["admin_bkn"]),          # forged signature
        tokens.issue_token(key, "k1", subject="x", roles=[], now=time.time() - 7200),  # expired
        tokens.issue_token(key, "k1", subject="x", roles=[], audience="elsewhere"),   # wrong audience
        tokens.issue_token(key, "k1", subject="x", roles=[], token_type="refresh"),  # not an access token
        tokens.issue_token(key, "unknown", subject="x", roles=[]),                    # unknown key id
        "not.a.token",
    ]
    for token in refused:
        with pytest.raises(domain_errors.Unauthenticated):
            verifier.verify(token)


def test_unknown_key_triggers_at_most_one_refetch_per_interval():
    key = Ed25519PrivateKey.generate()
    fetches = []

    def source():
        fetches.append(1)
        return {"keys": [tokens.public_jwk(key, "k1")]}

    verifier = tokens.TokenVerifier(tokens.KeySet(source, min_refresh_seconds=60))
    token = tokens.issue_token(key, "k2", subject="x", roles=[])
    for _ in range(5):
        with pytest.raises(domain_errors.Unauthenticated):
            verifier.verify(token)
    assert len(fetches) == 1


def test_bearer_parsing():
    assert tokens.bearer_token([("authorization", "Bearer abc")]) == "abc"
    assert tokens.bearer_token([("x-other", "1")]) is None
    with pytest.raises(domain_errors.Unauthenticated):
        tokens.bearer_token([("authorization", "Token abc")])


def test_topology_queues_are_quorum_with_dead_letter_and_every_consumer_is_a_service():
    services = {"identity", "skp", "des", "recap", "snowman", "sms", "probe"}
    for producer, events in topology.SUBSCRIPTIONS.items():
        for event_type, consumers in events.items():
            assert set(consumers) <= services
            for consumer in consumers:
                queue = topology.event_queue(consumer, producer, event_type)
                assert queue.queue_arguments["x-queue-type"] == "quorum"
                assert queue.queue_arguments["x-dead-letter-routing-key"] == queue.name
                assert queue.routing_key == event_type


def test_verified_tokens_are_remembered_until_expiry_and_forgotten_when_keys_change(monkeypatch):
    key = Ed25519PrivateKey.generate()
    jwks = {"keys": [tokens.public_jwk(key, "k1")]}
    keyset = tokens.KeySet(lambda: jwks, min_refresh_seconds=0)
    verifier = tokens.TokenVerifier(keyset, leeway=0)
    now = time.time()
    token = tokens.issue_token(key, "k1", subject="x", roles=["pegawai"], ttl_seconds=60, now=now)
    calls = []
    original = verifier._verify
    monkeypatch.setattr(verifier, "_verify", lambda *a: calls.append(1) or original(*a))
    assert verifier.verify(token).subject == "x"
    assert verifier.verify(token).subject == "x"
    assert len(calls) == 1  # the second call was answered from memory
    monkeypatch.setattr(tokens.time, "time", lambda: now + 61)
    with pytest.raises(domain_errors.Unauthenticated):
        verifier.verify(token)  # remembered, but expired
    monkeypatch.setattr(tokens.time, "time", lambda: now)
    verifier.verify(token)
    jwks["keys"] = []  # the key is withdrawn; a refresh (prompted by any unknown kid) forgets verified tokens
    with pytest.raises(domain_errors.Unauthenticated):
        verifier.verify(tokens.issue_token(key, "k2", subject="y", roles=[]))
    with pytest.raises(domain_errors.Unauthenticated):
        verifier.verify(token)


def test_relay_process_setting_is_a_boolean_named_when_wrong(monkeypatch):
    for name, value in (("EKINERJA_DATABASE_URL", "postgresql://u@db/x"), ("EKINERJA_AMQP_URI", "amqp://g@mq/v"),
                        ("EKINERJA_NIP_HASH_KEY", "k"), ("EKINERJA_JWKS_URL", "http://identity/jwks")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EKINERJA_RELAY_PROCESS", raising=False)
    assert settings.load_settings("des").relay_process is False
    monkeypatch.setenv("EKINERJA_RELAY_PROCESS", "true")
    assert settings.load_settings("des").relay_process is True
    monkeypatch.setenv("EKINERJA_RELAY_PROCESS", "sometimes")
    with pytest.raises(settings.MissingSetting) as err:
        settings.load_settings("des")
    assert "EKINERJA_RELAY_PROCESS" in str(err.value.code)


def test_uuid7s_are_version_7_unique_and_increasing():
    import uuid

    from ekinerja_platform.ids import uuid7, uuid7s
    first = uuid7s(5000)  # more than one millisecond's counter (4,095)
    later = [uuid7() for _ in range(100)]
    ids = first + later
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)  # text order is time order: new index keys go to the right edge
    parsed = [uuid.UUID(i) for i in ids]
    assert {u.version for u in parsed} == {7}
    assert {u.variant for u in parsed} == {uuid.RFC_4122}
    stamp_ms = parsed[0].int >> 80
    assert abs(stamp_ms - time.time() * 1000) < 60_000


def test_responses_under_a_kibibyte_go_uncompressed_and_larger_ones_deflated():
    import secrets
    import struct
    import zlib

    from nameko_grpc.streams import SendStream

    from ekinerja_platform import transport_patches
    transport_patches.install()

    class Raw:  # a message whose serialized form is given
        def __init__(self, data):
            self.data = data

        def SerializeToString(self):
            return self.data

    small, large = b"\n\x02hi" + b"a" * 900, secrets.token_hex(4096).encode()
    framed = []
    for body in (small, large):
        stream = SendStream(1)
        stream.headers.set(("grpc-encoding", "deflate"))  # what the client accepts first
        stream.queue.put(Raw(body))
        stream.flush_queue_to_buffer()
        framed.append(bytes(stream.buffer.read()))
    flag, length = struct.unpack(">?I", framed[0][:5])
    assert (flag, length, framed[0][5:]) == (False, len(small), small)
    flag, length = struct.unpack(">?I", framed[1][:5])
    assert flag is True and length == len(framed[1]) - 5 < len(large)
    assert zlib.decompress(framed[1][5:]) == large


def test_relay_waits_to_gather_events_after_a_partial_round_but_not_after_a_full_one():
    from ekinerja_platform.relay import OutboxRelay

    relay = OutboxRelay(engine=None, amqp_uri="amqp://unused", producer="probe", batch_size=10)
    rounds = iter([10, 10, 3, 0, 7])  # a backlog, then a trickle, then nothing, then a trickle again
    slept, done = [], []

    def relay_once():
        try:
            return next(rounds)
        except StopIteration:
            done.append(True)
            return 0

    relay.relay_once = relay_once
    relay.update_backlog_gauges = lambda: None
    relay.run(lambda: bool(done), idle_sleep=0.2, sleep=slept.append, gather_seconds=0.05)
    assert slept == [0.05, 0.2, 0.05, 0.2]  # full batches back to back; a partial one waits to gather more


def test_a_finished_answer_cancels_its_deadline_timer():
    """Deadlines are hub timers (30 s is common): one left armed per finished call would pile up in the hub."""
    import eventlet.hubs
    from nameko_grpc.streams import SendStream

    from ekinerja_platform import transport_patches
    transport_patches.install()

    fired = []
    stream = SendStream(1)
    timer = stream.deadline = eventlet.hubs.get_hub().schedule_call_global(30, fired.append, True)
    stream.close()
    assert timer.called and stream.deadline is None  # eventlet marks a cancelled timer as called
    eventlet.sleep(0)
    assert fired == []


def test_a_pending_answer_tells_every_listener_its_first_outcome_once():
    from ekinerja_platform.pending import PendingAnswer

    heard = []
    answer = PendingAnswer()
    answer.when_done(lambda response, error: heard.append(("early", response, error)))
    assert not answer.done and heard == []
    answer.resolve("first")
    answer.fail(RuntimeError("too late"))  # the first outcome stands
    answer.when_done(lambda response, error: heard.append(("late", response, error)))
    assert answer.done
    assert heard == [("early", "first", None), ("late", "first", None)]


def test_a_pending_answer_settled_from_work_fails_with_what_the_work_raised():
    from ekinerja_platform.pending import PendingAnswer

    heard = []
    failed, resolved = PendingAnswer(), PendingAnswer()
    for answer in (failed, resolved):
        answer.when_done(lambda response, error: heard.append((response, error)))
    def locked():
        raise domain_errors.FailedPrecondition("the day is locked", field="tanggal")

    failed.settle_with(locked)
    resolved.settle_with(lambda: 42)
    assert isinstance(heard[0][1], domain_errors.FailedPrecondition) and heard[0][0] is None
    assert heard[1] == (42, None)
