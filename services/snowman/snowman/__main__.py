"""`python -m snowman run|migrate|settings|seed` (seed: reload knowledge/entries.yaml, adding versions only where
the file changed)."""
import sys
from pathlib import Path

if sys.argv[1:2] == ["seed"]:
    from snowman.seed import main
    raise SystemExit(main())

from ekinerja_platform.runner import service_main  # noqa: E402

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")
raise SystemExit(service_main("snowman", "snowman.service:SnowmanService", MIGRATIONS))
