"""`python -m recap run|migrate|settings|rebuild`."""
import sys
from pathlib import Path

from ekinerja_platform.runner import service_main

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")


def rebuild() -> int:
    """Empty every projection and re-apply recap's event log (the same numbers as the live projection)."""
    import time

    from ekinerja_platform.db import make_engine
    from ekinerja_platform.settings import exit_on_missing, load_settings
    from recap.entrypoints.consumers import rebuild as run_rebuild
    from recap.settings import load_settings as load_recap_settings
    settings = exit_on_missing(load_settings)("recap", require_jwks=False)
    # as the owner, straight to PostgreSQL when set (TRUNCATE is not the login role's; behind PgBouncer the role's
    # statement timeout would end a long rebuild); else the service's own URL
    url = exit_on_missing(load_recap_settings)().migration_database_url or settings.sqlalchemy_url
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), pool_size=1,
                         statement_timeout_seconds=0, purpose="rebuild")  # a long rebuild
    started = time.perf_counter()
    count = run_rebuild(engine)
    engine.dispose()
    print(f"recap: rebuilt projections from {count} logged events in {time.perf_counter() - started:.1f}s")
    return 0


if len(sys.argv) > 1 and sys.argv[1] == "rebuild":
    raise SystemExit(rebuild())
raise SystemExit(service_main("recap", "recap.service:RecapService", MIGRATIONS))
