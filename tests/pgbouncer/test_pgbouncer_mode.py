"""Why EKINERJA_DB_PGBOUNCER exists: behind Debian's PgBouncer 1.18 in transaction mode the platform's engines
would fail without it (the `options` start-up parameter is refused; psycopg's server-side prepared statements
collide on shared server connections), and with it they work."""
import psycopg
import pytest
import sqlalchemy as sa

from ekinerja_platform import db, testing
from ekinerja_testbed.servers import PgBouncer


@pytest.fixture(scope="module")
def bouncer():
    pooler = PgBouncer(pool_size=1).start()  # one server connection per database: every client shares it
    yield pooler
    pooler.destroy()


@pytest.fixture
def database(bouncer):
    url = testing._create_database("test_pgbouncer_mode")
    yield bouncer.url(sa.engine.make_url(url).database)
    testing.drop_database(url)


def _same_query_many_times(engine, times=8):
    with engine.connect() as conn:
        for _ in range(times):
            conn.execute(sa.text("SELECT count(*) FROM pg_class WHERE relname = :n"), {"n": "x"})
            conn.commit()


def test_without_the_setting_the_pooler_refuses_the_timeouts(database, monkeypatch):
    monkeypatch.delenv("EKINERJA_DB_PGBOUNCER", raising=False)
    engine = db.make_engine(database, pool_size=1)
    with pytest.raises(sa.exc.OperationalError, match="unsupported startup parameter: options"):
        engine.connect().close()
    engine.dispose()


def test_without_server_side_prepare_two_clients_share_a_server_connection(database, monkeypatch):
    monkeypatch.setenv("EKINERJA_DB_PGBOUNCER", "true")
    first, second = db.make_engine(database, pool_size=1), db.make_engine(database, pool_size=1)
    held = first.connect()  # both clients connected at once, one server connection behind them
    try:
        _same_query_many_times(first)
        _same_query_many_times(second)
        name = held.execute(sa.text("SHOW application_name")).scalar()
    finally:
        held.close()
        first.dispose()
        second.dispose()
    assert name.endswith("/requests")


def test_server_side_prepare_breaks_behind_the_pooler(database, monkeypatch):
    """The failure the setting prevents (psycopg's default, prepare after 5 uses), shown on the same pooler."""
    monkeypatch.setenv("EKINERJA_DB_PGBOUNCER", "true")
    args = {k: v for k, v in db.connect_args().items() if k != "prepare_threshold"}
    url = sa.engine.make_url(database).set(drivername="postgresql+psycopg")
    first = sa.create_engine(url, connect_args=args, pool_size=1)
    second = sa.create_engine(url, connect_args=args, pool_size=1)
    held = first.connect()
    try:
        _same_query_many_times(first)
        with pytest.raises(sa.exc.DBAPIError) as failure:
            _same_query_many_times(second)
        assert isinstance(failure.value.orig, psycopg.errors.DuplicatePreparedStatement)
    finally:
        held.close()
        first.dispose()
        second.dispose()
