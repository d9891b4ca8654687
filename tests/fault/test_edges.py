"""Edges of the running stack (issue 15 items 3-5): readiness during a broker outage, the status a client gets
while the database is down, and a 1 MiB field refused before any work."""
import time
import uuid

import grpc
import pytest

from ekinerja_platform import testing
from ekinerja_testbed import figures
from ekinerja_testbed.stack import SERVICES

pytestmark = pytest.mark.fault


@pytest.fixture
def des(healthy):
    from ekinerja.des.v1 import des_pb2, des_pb2_grpc
    with grpc.insecure_channel(healthy.services["des"].target) as channel:
        yield des_pb2_grpc.DesServiceStub(channel), des_pb2


def submit(bed, stub, pb, employee, uraian="laporan harian"):
    nip, kegiatan_id = employee
    return stub.SubmitActivity(pb.SubmitActivityRequest(idempotency_key=uuid.uuid4().hex, activity=pb.ActivityInput(
        jenis=pb.JENIS_SKP, kegiatan_id=kegiatan_id, uraian=uraian, kuantitas="1", menit=10)),
        metadata=bed.token(nip), timeout=30)


def serving(bed) -> list[str]:
    return [svc for svc in SERVICES if testing.health_status(bed.services[svc].target) == "SERVING"]


def test_every_service_stays_ready_while_the_broker_is_down(healthy):
    """Ready means able to serve its RPCs (its database); the broker is a metric, not readiness (item 5)."""
    healthy.rabbit.kill()
    try:
        during = testing.wait_for(lambda: serving(healthy) == list(SERVICES) and serving(healthy), timeout=10)
    finally:
        healthy.rabbit.start()
    figures.record("readiness, broker down", serving=",".join(during or []) or "-")
    assert during == list(SERVICES)


def test_database_down_answers_unavailable_and_nothing_is_written(healthy, des):
    """Database unavailable → UNAVAILABLE (the client retries), never INTERNAL (item 4)."""
    stub, pb = des
    employee = healthy.employees(1)[0]
    before = healthy.scalar("des", "SELECT count(*) FROM activities WHERE nip = :nip", nip=employee[0])
    healthy.pg.stop()
    try:
        with pytest.raises(grpc.RpcError) as err:
            submit(healthy, stub, pb, employee)
        # readiness is cached for a second (ekinerja_platform.service_base.Readiness)
        ready = testing.wait_for(lambda: testing.health_status(healthy.services["des"].target) == "NOT_SERVING"
                                 and "NOT_SERVING", timeout=10)
    finally:
        healthy.pg.start()
    figures.record("database down", submit_answer=err.value.code().name, des_health=ready or "-")
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE, err.value.details()
    assert ready == "NOT_SERVING", "des still reports SERVING 10 s after its database stopped"
    assert healthy.scalar("des", "SELECT count(*) FROM activities WHERE nip = :nip", nip=employee[0]) == before
    assert testing.wait_for(lambda: submit(healthy, stub, pb, employee).activity_id, timeout=30)


def test_a_one_mebibyte_field_is_refused_before_any_work(healthy, des):
    """A 1 MiB `uraian` → INVALID_ARGUMENT naming the field, quoting at most a short prefix (item 3)."""
    stub, pb = des
    employee = healthy.employees(1)[0]
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as err:
        submit(healthy, stub, pb, employee, uraian="x" * (1 << 20))
    answered = time.monotonic() - started
    figures.record("1 MiB field", answer=err.value.code().name, answer_s=answered,
                   details_chars=len(err.value.details()))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "uraian" in err.value.details() and len(err.value.details()) < 300
    assert testing.health_status(healthy.services["des"].target) == "SERVING"
