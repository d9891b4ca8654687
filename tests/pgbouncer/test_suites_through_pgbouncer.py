"""Item 20.5: the services work through PgBouncer in transaction mode (Debian's 1.18, as production's Pooler).

The end-to-end journey (identity, skp, des and recap together) and des's flow (its hot submit path on raw psycopg
connections) run in a pytest of their own with every service
process and every test client connected through a PgBouncer with two server connections per database
(EKINERJA_TEST_PGBOUNCER_PORT: `testing.through_pooler`; databases are created and migrated straight on PostgreSQL,
as the migration job does) and EKINERJA_DB_PGBOUNCER=true. `make test-pgbouncer` runs one integration module
per service as well (EKINERJA_PGBOUNCER_SUITE=all; ~8 minutes on a busy machine, too long for `make test`)."""
import os
import subprocess
import sys

import pytest

from ekinerja_platform import testing
from ekinerja_testbed.servers import PgBouncer

# a representative subset (the whole suite through the pooler would take the machine for many minutes)
QUICK = ["tests/e2e/test_e2e_daily_work_to_recap.py", "services/des/tests/integration/test_flow.py"]
MORE = [
    "services/identity/tests/integration/test_smoke_tokens.py",
    "services/skp/tests/integration/test_skp_flow.py",
    "services/recap/tests/integration/test_recap_integration.py",
    "services/snowman/tests/integration/test_pagination.py",
]
MODULES = QUICK + (MORE if os.environ.get("EKINERJA_PGBOUNCER_SUITE") == "all" else [])


@pytest.fixture(scope="module")
def bouncer():
    pooler = PgBouncer(pool_size=2).start()
    yield pooler
    pooler.destroy()


@pytest.mark.parametrize("module", MODULES)
def test_module_passes_through_pgbouncer(bouncer, module):
    before = _transactions(bouncer)
    env = dict(os.environ, EKINERJA_TEST_PGBOUNCER_PORT=str(bouncer.port), EKINERJA_DB_PGBOUNCER="true")
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "ekinerja_testbed.pgbouncer_plugin", "-x", "-q",
                          "-p", "no:cacheprovider", module], cwd=testing.REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"{module} through PgBouncer:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    # the services and the tests really went through the pooler (test databases are named test_<service>_...)
    assert _transactions(bouncer) - before > 20, bouncer.log()


def _transactions(bouncer) -> int:
    return sum(int(row["total_xact_count"]) for name, row in bouncer.stats().items() if name.startswith("test_"))
