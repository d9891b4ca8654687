"""pytest plugin of the runs in tests/pgbouncer (`-p ekinerja_testbed.pgbouncer_plugin`): the tests' own SQLAlchemy
engines, which read and seed the services' databases through the same PgBouncer, get what the services' engines get
from EKINERJA_DB_PGBOUNCER (no server-side prepared statements; see ekinerja_platform.db.connect_args)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event


def _no_server_side_prepare(dialect, connection_record, cargs, cparams):
    cparams.setdefault("prepare_threshold", None)


def pytest_configure(config):
    event.listen(sa.engine.Engine, "do_connect", _no_server_side_prepare)
