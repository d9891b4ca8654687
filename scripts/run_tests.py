"""`make test`: the whole suite, one pytest process per suite, then one closing line with the totals.

Each suite runs in its own process so the services and connection pools its session fixtures start end with it:
the machine's PostgreSQL allows 100 connections in all, and eleven live service processes would exhaust them.
Extra arguments are passed to every pytest run (e.g. `-m unit`).
"""
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEPARATE = {"fault", "scale"}  # run by `make test-fault` / `make test-scale` with their own pytest.ini


def suites() -> list[list[str]]:
    """libs, then each service, then each cross-service folder under tests/ (found, so none is forgotten) except
    tests/fault and tests/scale, which start their own servers and run apart (`make test-fault`, `make test-scale`)."""
    found = [["libs"]]
    found += [[f"services/{d.name}"] for d in sorted((ROOT / "services").iterdir()) if (d / "tests").is_dir()]
    found += [[f"tests/{d.name}"] for d in sorted((ROOT / "tests").iterdir())
              if d.is_dir() and d.name not in SEPARATE and any(d.rglob("test_*.py"))]
    return found


COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def main() -> int:
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    worst = 0
    started = time.monotonic()
    for paths in suites():
        print(f"\n== pytest {' '.join(paths)}", flush=True)
        process = subprocess.Popen([sys.executable, "-m", "pytest", *paths, *sys.argv[1:]], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        last = ""
        for line in process.stdout:
            sys.stdout.write(line)
            if line.strip():
                last = line
        code = process.wait()
        counts = {kind: int(n) for n, kind in COUNT.findall(last)}
        totals["passed"] += counts.get("passed", 0) + counts.get("xfailed", 0)
        totals["failed"] += counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0) \
            + counts.get("xpassed", 0)
        totals["skipped"] += counts.get("skipped", 0)
        if code not in (0, 5):  # 5: nothing selected in this suite (e.g. with -m)
            worst = max(worst, code)
            if not counts:
                totals["failed"] += 1  # the suite could not run at all
    print(f"\n(whole suite: {time.monotonic() - started:.0f} s)")
    print(f"total: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 1 if worst or totals["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
