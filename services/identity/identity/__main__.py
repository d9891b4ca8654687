"""`python -m identity run|migrate|settings`."""
from pathlib import Path

from ekinerja_platform.runner import service_main

raise SystemExit(service_main("identity", "identity.service:IdentityService", str(Path(__file__).resolve().parents[1] / "migrations")))
