"""mypy over ekinerja_rules, ekinerja_events, the platform, the CLI and every service's domain/ and application/
rooms (identity, skp, des, recap, snowman, sms, portal) (issue 17.14; files in pyproject's [tool.mypy]).

The ratchet reached zero: mypy must report no error at all, so any new type error fails `make test`."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.unit
def test_mypy_finds_no_errors():
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and "Success: no issues found" in run.stdout, run.stdout[-4000:] + run.stderr[-2000:]


def test_every_service_domain_and_application_room_is_checked():
    """A room left out of the list would never be type-checked (issue 17.14: domain/ and application/ everywhere)."""
    import tomllib
    files = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["files"])
    missing = [f"services/{svc.name}/{svc.name}/{room}" for svc in sorted((ROOT / "services").iterdir())
               if (svc / svc.name).is_dir() for room in ("domain", "application")
               if (svc / svc.name / room).is_dir() and f"services/{svc.name}/{svc.name}/{room}" not in files]
    assert not missing, f"not in pyproject's [tool.mypy] files: {missing}"
