"""A real gammu-smsd (dummy phone driver, PostgreSQL backend) on a throwaway database, for the sms tests."""
from __future__ import annotations

import psycopg
import pytest

from ekinerja_platform import testing
from sms.adapters import gammu
from sms.dev import dummy_phone


@pytest.fixture
def gammu_db():
    url = testing.create_database("test_gammu")
    gammu.install(url)
    yield url
    testing.drop_database(url)


@pytest.fixture
def smsd(gammu_db, tmp_path):
    daemon = dummy_phone.Smsd(tmp_path, dummy_phone.db_params(gammu_db)).start()
    try:
        daemon.wait_started()
        yield daemon
    finally:
        daemon.stop()


def query(url: str, sql: str, *args):
    with psycopg.connect(gammu.plain_url(url), autocommit=True) as conn:
        return conn.execute(sql, args).fetchall()
