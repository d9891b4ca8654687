"""mypy over ekinerja_rules and every service's domain/ (issue 17.14; files in pyproject's [tool.mypy]).

A ratchet: today's errors are counted in MAX_ERRORS, which may only go down as they are fixed (then lower it);
a new type error fails `make test`. Goal: 0, then application/ and the platform join the file list."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_ERRORS = 5


@pytest.mark.unit
def test_mypy_finds_no_new_errors():
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    found = re.search(r"Found (\d+) errors?", run.stdout)
    errors = int(found.group(1)) if found else 0
    assert run.returncode in (0, 1) and (found or "Success" in run.stdout), run.stdout[-2000:] + run.stderr[-2000:]
    assert errors <= MAX_ERRORS, run.stdout[-4000:]
