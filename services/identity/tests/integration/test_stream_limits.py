"""Issue 15.1 on identity itself: held anonymous Health/Watch streams never stop Login, health or /alive, and an
ImportPegawai stream left idle is ended and frees its worker (the platform's stream limits, stream_limits.py)."""
import threading

import grpc
import pytest
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ekinerja_platform import testing

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def limited(identity_env, identity_db, admin_password):
    """identity with the default pools (8 business workers in tests) and a short stream idle limit."""
    from identity.bootstrap import database, ensure_account
    db = database(identity_db)
    ensure_account(db, login="admin", password=admin_password, roles=["admin_bkn"])
    db.engine.dispose()
    proc = testing.ServiceProcess("identity", dict(identity_env, EKINERJA_GRPC_STREAM_IDLE_SECONDS="1.5")).start()
    yield proc
    proc.stop()


def _stream_workers_busy(proc) -> float:
    text = requests.get(f"http://127.0.0.1:{proc.http_port}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith("ekinerja_workers_busy{") and 'pool="stream"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_forty_held_anonymous_watch_streams_do_not_stop_login_health_or_alive(limited, pb, admin_password):
    from ekinerja.identity.v1 import identity_pb2_grpc
    channels = [grpc.insecure_channel(limited.target) for _ in range(40)]
    held, refused = [], 0
    try:
        for channel in channels:
            try:
                stream = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(), timeout=60)
                next(stream)
                held.append(stream)  # kept: a call object collected by grpcio is cancelled
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                refused += 1
        assert len(held) >= 8 and len(held) + refused == 40  # as many as the 8 business workers, or more
        with grpc.insecure_channel(limited.target) as channel:
            stub = identity_pb2_grpc.IdentityServiceStub(channel)
            for _ in range(3):
                assert stub.Login(pb.LoginRequest(user="admin", password=admin_password), timeout=10).access_token
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert requests.get(f"http://127.0.0.1:{limited.http_port}/alive", timeout=5).status_code == 200
    finally:
        for channel in channels:
            channel.close()


def test_an_import_stream_left_idle_is_ended_and_frees_its_worker(limited, pb, admin_password):
    from ekinerja.identity.v1 import identity_pb2_grpc
    release = threading.Event()

    def messages():
        yield pb.ImportPegawaiRequest(instansi_id="KAB-IDLE", unit=pb.ImportUnit(id="KIDLE.U", nama="Sekretariat"))
        release.wait(30)  # the client keeps its stream open and sends nothing more

    with grpc.insecure_channel(limited.target) as channel:
        stub = identity_pb2_grpc.IdentityServiceStub(channel)
        token = stub.Login(pb.LoginRequest(user="admin", password=admin_password), timeout=10).access_token
        stub.UpsertInstansi(pb.Instansi(id="KAB-IDLE", nama="Kabupaten Idle", kind=pb.INSTANSI_KIND_KABUPATEN),
                            metadata=testing.bearer(token), timeout=10)
        try:
            with pytest.raises(grpc.RpcError) as error:
                stub.ImportPegawai(messages(), metadata=testing.bearer(token), timeout=30)
        finally:
            release.set()
    assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert error.value.details() == "aliran ditutup karena tidak ada pesan selama 1.5 detik"
    assert testing.wait_for(lambda: _stream_workers_busy(limited) == 0, 10)
