"""Issue 15.1 for ImportActivities: an import stream left idle is ended (DEADLINE_EXCEEDED) and one the client
cancels frees its worker at once (the platform's stream limits, docs/operations.md "Streams and connections")."""
import threading

import grpc
import pytest
import requests

from ekinerja_platform import testing

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def limited(des_db, amqp_uri, test_keys):
    process = testing.ServiceProcess("des", testing.service_env(des_db, amqp_uri, test_keys.jwks_url,
                                                                EKINERJA_GRPC_STREAM_IDLE_SECONDS="3"))
    process.start()
    yield process
    process.stop()


def _sample(process, prefix: str, label: str) -> float:
    text = requests.get(f"http://127.0.0.1:{process.http_port}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(prefix + "{") and label in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _stream_workers_busy(process) -> float:
    return _sample(process, "ekinerja_workers_busy", 'pool="stream"')


def test_an_idle_import_is_ended_and_a_cancelled_one_frees_its_worker(limited, pb, test_keys):
    m, m_grpc = pb
    agency = testing.bearer(test_keys.token(subject="agency-idle", roles=["agency_client"], instansi="i-idle",
                                            scope="des:import"))
    release = threading.Event()

    def messages():
        yield m.ImportActivitiesRequest()  # an empty batch, then nothing while the stream stays open
        release.wait(30)

    with grpc.insecure_channel(limited.target) as channel:
        stub = m_grpc.DesServiceStub(channel)
        try:
            with pytest.raises(grpc.RpcError) as error:
                stub.ImportActivities(messages(), metadata=agency, timeout=30)
            assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert error.value.details() == "aliran ditutup karena tidak ada pesan selama 3 detik"

            calls = [stub.ImportActivities.future(messages(), metadata=agency, timeout=30) for _ in range(3)]
            assert testing.wait_for(lambda: _stream_workers_busy(limited) == 3, 10)
            for call in calls:
                call.cancel()
            assert testing.wait_for(lambda: _stream_workers_busy(limited) == 0, 10)
            # ended by the cancel, not by the idle limit
            assert _sample(limited, "ekinerja_grpc_streams_ended_total", 'reason="cancelled"') >= 3
        finally:
            release.set()
