"""Pools from settings (EKINERJA_DB_POOL_SIZE / _MAX_OVERFLOW), lazily opened, and the PgBouncer mode of every
engine (issue 20.5). No database needed: engines connect only when asked to."""
import pytest
import sqlalchemy as sa

from ekinerja_platform import db
from ekinerja_platform.settings import MissingSetting, db_pool

pytestmark = pytest.mark.unit
URL = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def test_request_engines_take_a_small_pool_from_the_settings(monkeypatch):
    for name in ("EKINERJA_DB_POOL_SIZE", "EKINERJA_DB_MAX_OVERFLOW", "EKINERJA_DB_PGBOUNCER"):
        monkeypatch.delenv(name, raising=False)
    engine = db.make_engine(URL)
    assert (engine.pool.size(), engine.pool._max_overflow) == (2, 2)
    assert engine.pool.checkedin() == 0  # nothing opened before a worker asks
    monkeypatch.setenv("EKINERJA_DB_POOL_SIZE", "3")
    monkeypatch.setenv("EKINERJA_DB_MAX_OVERFLOW", "5")
    engine = db.make_engine(URL)
    assert (engine.pool.size(), engine.pool._max_overflow) == (3, 5) and db_pool().limit == 8
    relay = db.make_engine(URL, pool_size=1, max_overflow=0, purpose="relay")
    assert (relay.pool.size(), relay.pool._max_overflow) == (1, 0)
    assert isinstance(db.make_engine(URL, pool_size=0).pool, sa.pool.NullPool)


def test_a_pool_setting_out_of_range_stops_the_process(monkeypatch):
    monkeypatch.setenv("EKINERJA_DB_POOL_SIZE", "0")
    with pytest.raises(MissingSetting, match="EKINERJA_DB_POOL_SIZE"):
        db.make_engine(URL)


def test_pgbouncer_mode_turns_preparation_and_options_off(monkeypatch):
    monkeypatch.delenv("EKINERJA_DB_PGBOUNCER", raising=False)
    direct = db.connect_args(purpose="intake", service="recap")
    assert "options" in direct and "prepare_threshold" not in direct
    assert direct["application_name"] == "recap/intake"
    monkeypatch.setenv("EKINERJA_DB_PGBOUNCER", "true")
    pooled = db.connect_args(service="des")
    assert pooled["prepare_threshold"] is None and "options" not in pooled
    assert pooled["application_name"] == "des/requests"
