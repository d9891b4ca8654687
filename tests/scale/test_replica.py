"""recap's views on a real streaming replica (issue 21.3): EKINERJA_DATABASE_READ_URL names a hot standby made by
`pg_basebackup -R` from Debian's PostgreSQL, started (and stopped, by PID) by the test with the primary and a
RabbitMQ node of its own; nothing here touches the machine's shared servers.

What it proves: recap's lag-tolerant reads (GetEmployeeRecap) are answered from the replica — with the standby's
replay paused, an event applied on the primary stays invisible to them until replay resumes; its connections are in
the replica's pg_stat_activity and not the primary's; a write through the read URL is refused by PostgreSQL; and the
reads that must see the caller's own write (SetHoliday then ListHolidays) stay on the primary.
"""
import time

import grpc
import psycopg
import pytest
import sqlalchemy as sa

from ekinerja_platform import testing
from ekinerja_platform.migrate import migrate
from ekinerja_platform.outbox import Event
from ekinerja_testbed import figures
from ekinerja_testbed.servers import PostgresCluster, PostgresStandby, RabbitNode

pytestmark = pytest.mark.scale

INSTANSI = "i-replica"
NIP = "198503152010011004"
DAY = "2025-03-03"
DATABASE = "replica_recap"


def _activity_submitted(activity_id: str) -> dict:
    return Event("activity_submitted", "des", {
        "activity_id": activity_id, "nip": NIP, "instansi_id": INSTANSI, "unit_id": "u-replica", "tanggal": DAY,
        "skp_id": "", "kegiatan_id": None, "jenis": "skp", "kuantitas": "1", "menit": 60, "proses": False,
        "penilai_nip": "", "version": 1}, nip=NIP, instansi_id=INSTANSI,
        occurred_at=f"{DAY}T09:00:00+00:00").envelope()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = tmp_path_factory.mktemp("replica")
    started = time.monotonic()
    primary = PostgresCluster(max_connections=40)
    standby = PostgresStandby(primary)
    rabbit = RabbitNode(prefix="ekinerja-replica")
    recap = None
    try:
        primary.start()
        url = primary.create_database(DATABASE)
        migrate(url, str(testing.REPO_ROOT / "services" / "recap" / "migrations"))
        standby.start()
        rabbit.start()
        testing.register_broker_users(rabbit.uri, rabbit.provision_users(prefix="replica-"))
        keys = testing.TestKeys(work)
        env = testing.service_env(url, rabbit.uri, keys.jwks_url, EKINERJA_MAX_WORKERS="4",
                                  EKINERJA_DATABASE_READ_URL=standby.url(DATABASE))
        recap = testing.ServiceProcess("recap", env).start(wait=120)
        figures.record("replica", start_s=time.monotonic() - started)
        yield {"primary": primary, "standby": standby, "rabbit": rabbit, "recap": recap, "keys": keys, "url": url}
    finally:
        if recap is not None:
            recap.stop()
            if recap.log_path:
                recap.log_path.unlink(missing_ok=True)
        rabbit.destroy()
        standby.destroy()
        primary.destroy()


def _applied(stack, event_id: str) -> bool:
    engine = sa.create_engine(stack["url"], poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(sa.text("SELECT count(*) FROM event_log WHERE event_id = :id"),
                                     {"id": event_id}).scalar())
    finally:
        engine.dispose()


def _send(stack, envelope: dict) -> None:
    """Publish as des's relay would and wait until recap applied it on the primary."""
    testing.publish_event(stack["rabbit"].uri, envelope)
    assert testing.wait_for(lambda: _applied(stack, envelope["event_id"]), timeout=60), stack["recap"].log()


def _sessions(cluster) -> list[tuple[str, str]]:
    engine = sa.create_engine(cluster.url(), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(
                "SELECT application_name, datname FROM pg_stat_activity WHERE application_name LIKE 'recap/%'"))]
    finally:
        engine.dispose()


def _in_recovery(cluster) -> bool:
    engine = sa.create_engine(cluster.url(), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT pg_is_in_recovery()")).scalar()
    finally:
        engine.dispose()


def test_recap_views_read_the_streaming_replica_and_writes_stay_on_the_primary(stack):
    from ekinerja.recap.v1 import recap_pb2 as pb
    from ekinerja.recap.v1 import recap_pb2_grpc
    primary, standby, keys = stack["primary"], stack["standby"], stack["keys"]
    assert standby.in_recovery() and not _in_recovery(primary)
    channel = grpc.insecure_channel(stack["recap"].target)
    stub = recap_pb2_grpc.RecapServiceStub(channel)
    me = testing.bearer(keys.token(subject=NIP, roles=["pegawai"], instansi=INSTANSI))

    def reported() -> int:
        answer = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(nip=NIP, period=pb.PERIOD_MONTH, date=DAY),
                                       metadata=me, timeout=15)
        return answer.counters.reported

    try:
        _send(stack, _activity_submitted("7f1c2a4e-0000-4000-8000-000000000001"))
        assert testing.wait_for(standby.caught_up, timeout=30)
        assert reported() == 1

        # the view's connections are the replica's, not the primary's
        assert ("recap/reads", DATABASE) in _sessions(standby)
        assert not [s for s in _sessions(primary) if s[0] == "recap/reads"]

        # replay paused: recap applies the next event on the primary, the view keeps the replica's answer
        standby.pause_replay()
        paused_at = time.monotonic()
        try:
            _send(stack, _activity_submitted("7f1c2a4e-0000-4000-8000-000000000002"))
            assert reported() == 1
            # read-your-writes stays on the primary: a holiday set now is listed now
            admin = testing.bearer(keys.token(subject="admin-replica", roles=["admin_instansi"], instansi=INSTANSI))
            stub.SetHoliday(pb.SetHolidayRequest(holiday=pb.Holiday(tanggal="2025-03-04", nama="Libur daerah",
                                                                     instansi_id=INSTANSI)), metadata=admin, timeout=15)
            listed = stub.ListHolidays(pb.ListHolidaysRequest(instansi_id=INSTANSI, date_from="2025-03-01",
                                                              date_to="2025-03-31"), metadata=me, timeout=15)
            assert [h.tanggal for h in listed.holidays] == ["2025-03-04"]
        finally:
            standby.resume_replay()
        caught_up_s = time.monotonic()
        assert testing.wait_for(lambda: reported() == 2, timeout=30)
        figures.record("replica", paused_s=caught_up_s - paused_at, resumed_to_visible_s=time.monotonic() - caught_up_s)

        # a write through the read URL is refused by the replica itself
        with psycopg.connect(standby.url(DATABASE).replace("postgresql+psycopg", "postgresql")) as conn:
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                conn.execute("INSERT INTO inbox (consumer, event_id) VALUES ('intruder', gen_random_uuid())")
        assert testing.health_status(stack["recap"].target) == "SERVING"
    finally:
        channel.close()
