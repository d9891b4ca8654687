"""identity's own time-limited tables are purged with the platform's (issue 15.11): failed checks after
EKINERJA_LOGIN_FAILURE_HORIZON_HOURS, throttle buckets idle past the forget time, familiar sources past their
horizon; recent rows stay."""
import uuid

import pytest
import sqlalchemy as sa

from ekinerja_platform import retention
from identity.settings import IdentitySettings

pytestmark = pytest.mark.integration


def test_login_records_go_after_their_horizons_and_recent_ones_stay(identity_db):
    tag = uuid.uuid4().hex[:8]
    engine = sa.create_engine(identity_db)
    try:
        with engine.begin() as conn:
            for ago in ("25 hours", "1 hour"):
                conn.execute(sa.text("INSERT INTO login_failure (account_key, source, at) "
                                     "VALUES (:k, 'test', now() - CAST(:a AS interval))"),
                             {"k": f"{tag}-{ago}", "a": ago})
            for ago in ("2 hours", "10 minutes"):
                conn.execute(sa.text("INSERT INTO login_throttle (bucket, attempts, last_attempt_at) "
                                     "VALUES (:b, 3, now() - CAST(:a AS interval))"), {"b": f"{tag}-{ago}", "a": ago})
            for ago in ("31 days", "29 days"):
                conn.execute(sa.text("INSERT INTO login_familiar_source (pair, last_success_at) "
                                     "VALUES (:p, now() - CAST(:a AS interval))"), {"p": f"{tag}-{ago}", "a": ago})
        rules = IdentitySettings(signing_key_dir="unused").retention_rules()
        retention.purge(engine, rules, batch_size=100)
        with engine.connect() as conn:
            def left(table, column):
                return sorted(conn.execute(sa.text(f"SELECT {column} FROM {table} WHERE {column} LIKE :t"),
                                           {"t": f"{tag}-%"}).scalars())
            assert left("login_failure", "account_key") == [f"{tag}-1 hour"]
            assert left("login_throttle", "bucket") == [f"{tag}-10 minutes"]
            assert left("login_familiar_source", "pair") == [f"{tag}-29 days"]
            assert conn.execute(sa.text("SELECT count(*) FROM pg_indexes WHERE indexname = 'login_failure_at_brin'")
                                ).scalar() == 1
    finally:
        engine.dispose()
