"""Per-service database creation and alembic migrations (run as a one-shot job, never by every replica)."""
from __future__ import annotations

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


def alembic_config(url: str, migrations_dir: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", migrations_dir)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str, migrations_dir: str, revision: str = "head") -> None:
    ensure_database(url)
    command.upgrade(alembic_config(url, migrations_dir), revision)


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
