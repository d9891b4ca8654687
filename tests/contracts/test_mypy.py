"""mypy over ekinerja_rules, ekinerja_events, the platform, the CLI, every service's domain/ and the converted
application/ rooms (identity, snowman, sms, recap, des, skp) (issue 17.14; files in pyproject's [tool.mypy]).

The ratchet reached zero: mypy must report no error at all, so any new type error fails `make test`.
Each other service's application/ joins the file list once its rooms are converted (issue 17 items 1-2)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.unit
def test_mypy_finds_no_errors():
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and "Success: no issues found" in run.stdout, run.stdout[-4000:] + run.stderr[-2000:]
