"""Item 20.7: each service connects as a login role that owns nothing. After the migrations ran as the owner
role (scripts/db_roles.py), the service's role reads and writes every table, including those of the last
migration (default privileges), but cannot DROP, ALTER, TRUNCATE or CREATE a table."""
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from ekinerja_platform import db_roles, testing
from ekinerja_platform.migrate import migrate

SERVICES = ("identity", "skp", "des", "recap", "snowman", "portal")
# a row the login role writes in each database (the platform's inbox; the portal's session table)
WRITES = {svc: ("INSERT INTO inbox (consumer, event_id) VALUES ('roles-test', :id) RETURNING event_id", "inbox")
          for svc in SERVICES if svc != "portal"}
WRITES["portal"] = ("INSERT INTO portal_sessions (id_hash, csrf_token, access_token, refresh_token, "
                    "access_expires_at, refresh_expires_at, principal_json, expires_at) VALUES "
                    "(left(replace(:id, '-', ''), 64), 'c', 'a', 'r', 0, 0, '{}', now()) RETURNING id_hash",
                    "portal_sessions")


def _url(roles, user):
    return sa.engine.make_url(testing.PG_ADMIN_URL).set(database=roles.database, username=user, password=None)


@pytest.fixture(params=SERVICES)
def service_roles(request):
    prefix = f"t{uuid.uuid4().hex[:8]}_"  # roles are cluster-wide: each test its own
    roles = db_roles.role_names(request.param, prefix, database=f"test_{request.param}_roles_{prefix[1:-1]}")
    db_roles.provision(testing.PG_ADMIN_URL, roles, statement_timeout_seconds=30, lock_timeout_seconds=10)
    migrate(_url(roles, roles.owner).render_as_string(hide_password=False),
            str(testing.REPO_ROOT / "services" / request.param / "migrations"))
    yield request.param, roles
    db_roles.deprovision(testing.PG_ADMIN_URL, roles)


def _denied(conn, statement):
    with pytest.raises(sa.exc.ProgrammingError) as refused:
        with conn.begin():
            conn.execute(sa.text(statement))
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), refused.value


def test_login_role_reads_and_writes_but_cannot_change_the_schema(service_roles):
    service, roles = service_roles
    insert, table = WRITES[service]
    app = sa.create_engine(_url(roles, roles.app), poolclass=sa.pool.NullPool)
    try:
        with app.connect() as conn:
            tables = conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).scalars().all()
            assert table in tables and "alembic_version" in tables
            owners = set(conn.execute(sa.text(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars())
            assert owners == {roles.owner}
            for name in tables:  # every migration's tables, the last ones too
                conn.execute(sa.text(f'SELECT 1 FROM "{name}" LIMIT 1'))
            conn.commit()
            with conn.begin():
                key = str(uuid.uuid4())
                written = conn.execute(sa.text(insert), {"id": key}).scalar()
                conn.execute(sa.text(f"UPDATE {table} SET {'consumer' if table == 'inbox' else 'csrf_token'} = 'x'"))
            with conn.begin():
                assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 1
                conn.execute(sa.text(f"DELETE FROM {table}"))
            assert written
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "30s"  # the role's, no `options`
            conn.commit()
            _denied(conn, f"DROP TABLE {table}")
            _denied(conn, f"ALTER TABLE {table} ADD COLUMN extra integer")
            _denied(conn, f"TRUNCATE {table}")
            _denied(conn, "CREATE TABLE intruder (id integer)")
            _denied(conn, "DROP TABLE alembic_version")
    finally:
        app.dispose()


@pytest.mark.parametrize("hash_partitions", [1, 3])
def test_des_login_role_adds_the_monthly_partition_it_needs(hash_partitions, monkeypatch):
    """des creates an activity month's partition on first use; as the login role (owner of nothing) that works
    through the owner's SECURITY DEFINER function (migration 0009), split by NIP hash too (migration 0010)."""
    monkeypatch.setenv("EKINERJA_DES_ACTIVITY_HASH_PARTITIONS", str(hash_partitions))
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    roles = db_roles.role_names("des", prefix, database=f"test_des_roles_{prefix[1:-1]}")
    db_roles.provision(testing.PG_ADMIN_URL, roles)
    try:
        migrate(_url(roles, roles.owner).render_as_string(hide_password=False),
                str(testing.REPO_ROOT / "services" / "des" / "migrations"))
        app = sa.create_engine(_url(roles, roles.app), poolclass=sa.pool.NullPool)
        with app.begin() as conn:
            conn.execute(sa.text("SELECT des_ensure_activity_partition('2091-05-17')"))
            assert conn.execute(sa.text("SELECT count(*) FROM activities_209105")).scalar() == 0
            children = conn.execute(sa.text("SELECT count(*) FROM pg_inherits "
                                            "WHERE inhparent = 'activities_209105'::regclass")).scalar()
            assert max(children, 1) == hash_partitions
        app.dispose()
    finally:
        db_roles.deprovision(testing.PG_ADMIN_URL, roles)


@pytest.mark.parametrize("service", ["identity", "skp", "des", "recap", "snowman"])
def test_service_serves_as_its_login_role(service, amqp_uri, test_keys, tmp_path):
    """The schema gate, readiness, relay and gauges need nothing beyond the login role's grants."""
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    roles = db_roles.role_names(service, prefix, database=f"test_{service}_roles_{prefix[1:-1]}")
    db_roles.provision(testing.PG_ADMIN_URL, roles)
    proc = None
    try:
        migrate(_url(roles, roles.owner).render_as_string(hide_password=False),
                str(testing.REPO_ROOT / "services" / service / "migrations"))
        extra = {"EKINERJA_SIGNING_KEY_DIR": str(tmp_path)} if service == "identity" else {}
        env = testing.service_env(_url(roles, roles.app).render_as_string(hide_password=False), amqp_uri,
                                  test_keys.jwks_url, EKINERJA_MAX_WORKERS="2", **extra)
        proc = testing.ServiceProcess(service, env).start(wait=90)
        assert testing.health_status(proc.target) == "SERVING"
        assert "permission denied" not in proc.log()
    finally:
        if proc is not None:
            proc.stop()
        db_roles.deprovision(testing.PG_ADMIN_URL, roles)
