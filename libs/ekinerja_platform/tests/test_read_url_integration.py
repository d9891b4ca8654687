"""EKINERJA_DATABASE_READ_URL (db.py `DatabaseAccess.read`): lag-tolerant reads on their own read-only pool.

Against the machine's PostgreSQL; the same against a real streaming replica is tests/scale/test_replica.py."""
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from ekinerja_platform import testing
from ekinerja_platform.db import Database, platform_metadata
from ekinerja_platform.settings import Settings

pytestmark = pytest.mark.integration

INSERT = sa.text("INSERT INTO inbox (consumer, event_id) VALUES ('read-url-test', :id)")


@pytest.fixture(scope="module")
def db_url():
    url = testing.create_database("test_read_url")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    platform_metadata.create_all(engine)
    engine.dispose()
    yield url
    testing.drop_database(url)


def _database(url, read_url=None) -> Database:
    db = Database(lambda: Settings(service="recap", database_url=url, amqp_uri="amqp://unused", grpc_port=0,
                                   http_port=0, database_read_url=read_url))
    db.setup()
    return db


def _refused(access) -> psycopg.Error:
    with pytest.raises(sa.exc.DBAPIError) as refused:
        with access.read() as session:
            session.execute(INSERT, {"id": uuid.uuid4()})
    return refused.value.orig


def test_without_a_read_url_reads_share_the_primary_pool_but_stay_read_only(db_url):
    db = _database(db_url)
    try:
        access = db.get_dependency(None)
        assert not db.separate_reads and access.replica is None
        assert isinstance(_refused(access), psycopg.errors.ReadOnlySqlTransaction)
        with access.transaction() as session:  # the primary's own transactions still write
            session.execute(INSERT, {"id": uuid.uuid4()})
        with access.read() as session:
            assert session.execute(sa.text("SELECT count(*) FROM inbox")).scalar() == 1
            assert session.execute(sa.text("SELECT current_setting('application_name')")).scalar() == "recap/requests"
    finally:
        db.stop()


def test_a_read_url_gets_its_own_read_only_pool(db_url):
    read_url = sa.engine.make_url(db_url).set(query={"application_name": "replica"}).render_as_string(False)
    db = _database(db_url, read_url)
    try:
        access = db.get_dependency(None)
        assert db.separate_reads and access.replica is not None
        with access.read() as session:  # the reads' own engine, named so in pg_stat_activity
            assert session.execute(sa.text("SELECT current_setting('application_name')")).scalar() == "recap/reads"
            assert session.execute(sa.text("SHOW transaction_read_only")).scalar() == "on"
        with access.transaction() as session:
            assert session.execute(sa.text("SELECT current_setting('application_name')")).scalar() == "recap/requests"
        assert isinstance(_refused(access), psycopg.errors.ReadOnlySqlTransaction)
        access.ping()
    finally:
        db.stop()
