"""`python -m des run|migrate|settings`."""
from pathlib import Path

from ekinerja_platform.runner import service_main

raise SystemExit(service_main("des", "des.service:DesService", str(Path(__file__).resolve().parents[1] / "migrations")))
