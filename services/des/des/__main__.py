"""`python -m des run|migrate|settings`."""
from pathlib import Path

from ekinerja_platform.runner import service_main

# des writes an event per activity report: its relay runs in a child process (see ekinerja_platform.relay_process);
# imports write theirs in the outbox's bulk lane, relayed beside (never ahead of) everybody else's (relay.py)
MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")
raise SystemExit(service_main("des", "des.service:DesService", MIGRATIONS,
                              defaults={"EKINERJA_RELAY_PROCESS": "true", "EKINERJA_RELAY_LANES": "true"}))
