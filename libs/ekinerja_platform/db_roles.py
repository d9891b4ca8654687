"""Least privilege in PostgreSQL: per service an owner role (migrations) and a login role (the service).

`<prefix><svc>_owner` owns the database, its `public` schema and so every table the migrations create;
`<prefix><svc>_app` may only connect, use the schema, SELECT/INSERT/UPDATE/DELETE rows and use sequences. Default
privileges of the owner grant the same on tables and sequences of later migrations, so a new table needs no new
grant. The app role cannot DROP, ALTER, TRUNCATE or CREATE anything. Its statement and lock timeouts are set on the
role in its database, so they hold behind PgBouncer too, where the `options` start-up parameter is refused.
Idempotent: run it again after a password rotation or on an existing database (see docs/operations.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import make_url

PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


@dataclass(frozen=True)
class ServiceRoles:
    owner: str
    app: str
    database: str


def role_names(service: str, prefix: str = "ekinerja_", database: str | None = None,
               owner_pattern: str = "{prefix}{service}_owner", app_pattern: str = "{prefix}{service}_app"
               ) -> ServiceRoles:
    """The patterns let an existing owner be kept, e.g. `{service}`: the owner CloudNativePG's `initdb` bootstrap
    made (deploy/k8s/components/cnpg)."""
    names = {"prefix": prefix, "service": service}
    return ServiceRoles(owner_pattern.format(**names), app_pattern.format(**names), database or service)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ensure_role(conn, name: str, password: str | None) -> None:
    exists = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    verb = "ALTER" if exists else "CREATE"
    password_sql = f" PASSWORD {_lit(password)}" if password else ""
    conn.execute(sa.text(f"{verb} ROLE {_q(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE{password_sql}"))


def provision(admin_url: str, roles: ServiceRoles, *, owner_password: str | None = None,
              app_password: str | None = None, statement_timeout_seconds: float = 30.0,
              lock_timeout_seconds: float = 10.0) -> None:
    """Create (or bring up to date) both roles and the database; `admin_url` is a role with CREATEROLE and
    CREATEDB on the server (the cluster's superuser in a test, the operator's admin in production)."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            _ensure_role(conn, roles.owner, owner_password)
            _ensure_role(conn, roles.app, app_password)
            if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": roles.database}).first():
                conn.execute(sa.text(f"ALTER DATABASE {_q(roles.database)} OWNER TO {_q(roles.owner)}"))
            else:
                conn.execute(sa.text(f"CREATE DATABASE {_q(roles.database)} OWNER {_q(roles.owner)}"))
            db, app, owner = _q(roles.database), _q(roles.app), _q(roles.owner)
            conn.execute(sa.text(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC"))
            conn.execute(sa.text(f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {app}"))
            for name, seconds in (("statement_timeout", statement_timeout_seconds),
                                  ("lock_timeout", lock_timeout_seconds)):
                conn.execute(sa.text(f"ALTER ROLE {app} IN DATABASE {db} SET {name} = {int(seconds * 1000)}"))
    finally:
        admin.dispose()
    inside = sa.create_engine(make_url(admin_url).set(database=roles.database), isolation_level="AUTOCOMMIT",
                              poolclass=sa.pool.NullPool)
    try:
        with inside.connect() as conn:
            for statement in (
                f"ALTER SCHEMA public OWNER TO {owner}",
                "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                f"GRANT USAGE ON SCHEMA public TO {app}",
                f"GRANT {PRIVILEGES} ON ALL TABLES IN SCHEMA public TO {app}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT {PRIVILEGES} ON TABLES TO {app}",
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES "
                f"TO {app}",
            ):
                conn.execute(sa.text(statement))
    finally:
        inside.dispose()


def deprovision(admin_url: str, roles: ServiceRoles) -> None:
    """Drop the database and both roles (tests; never in production)."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {_q(roles.database)} WITH (FORCE)"))
            for role in (roles.app, roles.owner):
                if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": role}).first():
                    conn.execute(sa.text(f"DROP OWNED BY {_q(role)}"))  # grants left in other databases
                    conn.execute(sa.text(f"DROP ROLE {_q(role)}"))
    finally:
        admin.dispose()
