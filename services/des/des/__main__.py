"""`python -m des run|migrate|settings`."""
from pathlib import Path

from ekinerja_platform.runner import service_main

# des writes an event per activity report: its relay runs in a child process (see ekinerja_platform.relay_process)
raise SystemExit(service_main("des", "des.service:DesService", str(Path(__file__).resolve().parents[1] / "migrations"),
                              defaults={"EKINERJA_RELAY_PROCESS": "true"}))
