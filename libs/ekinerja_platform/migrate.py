"""Per-service database creation and alembic migrations (run as a one-shot job, never by every replica)."""
from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url


def ensure_database(url: str) -> None:
    """Create the service's database on its server when it does not exist yet."""
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": target.database}).first()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


PLATFORM_VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"


def alembic_config(url: str, migrations_dir: str) -> Config:
    """The service's alembic configuration; with the shared `platform` chain (migrations/README.md) when the
    service's migrations directory holds a `PLATFORM_CHAIN` file."""
    cfg = Config()
    cfg.set_main_option("script_location", migrations_dir)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if (Path(migrations_dir) / "PLATFORM_CHAIN").exists():
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", os.pathsep.join(
            (str(Path(migrations_dir) / "versions"), str(PLATFORM_VERSIONS))))
    return cfg


def migrate(url: str, migrations_dir: str, revision: str = "heads") -> None:
    """Upgrade to `revision`; "head" means every head (the service's and, until a service revision depends on
    it, a newer platform one)."""
    ensure_database(url)
    command.upgrade(alembic_config(url, migrations_dir), "heads" if revision == "head" else revision)


def code_heads(script) -> set[str]:
    """The revisions `upgrade heads` leaves in `alembic_version`: the heads no other revision depends on (a
    platform revision a service revision `depends_on` is applied with it and is not kept as a head)."""
    from alembic.util import to_tuple
    needed = {dep for rev in script.walk_revisions() for dep in to_tuple(rev.dependencies, default=())}
    return {head for head in script.get_heads() if head not in needed}


def run_env(context, target_metadata=None) -> None:
    """Body of every service's alembic env.py (online mode only)."""
    url = context.config.get_main_option("sqlalchemy.url")
    # a migration may rewrite a big table: no statement or lock timeout of the services (or the cluster) for it
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool,
                              connect_args={"options": "-c statement_timeout=0 -c lock_timeout=0"})
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def schema_problem(url: str, migrations_dir: str, service: str) -> str | None:
    """Why the service must not start on this database, or None when its alembic revision is the code's head.

    A replica of a new release on an old schema (or an old replica on a new one) would fail request by request with
    obscure SQL errors; refusing at start shows the one cause and its fix. The migration job runs before the
    service (`python -m <service> migrate`)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = code_heads(ScriptDirectory.from_config(alembic_config(url, migrations_dir)))
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except sa.exc.SQLAlchemyError as exc:
        return (f"{service}: cannot read the database's schema revision ({type(exc).__name__}); the code expects "
                f"{', '.join(sorted(heads))}. Check EKINERJA_DATABASE_URL, then run `python -m {service} migrate`.")
    finally:
        engine.dispose()
    if current == heads:
        return None
    shown = ", ".join(sorted(current)) or "none (never migrated)"
    return (f"{service}: database schema is at revision {shown} but the code expects {', '.join(sorted(heads))}; "
            f"refusing to start. Run the migrations (`python -m {service} migrate`, the migration job) with the "
            f"release that matches this code, then start the service again.")
