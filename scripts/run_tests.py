"""`make test`: the whole suite, one pytest process per suite, two suites at a time, then one closing line with totals.

Each suite runs in its own process so the services and connection pools its session fixtures start end with it:
the machine's PostgreSQL allows 100 connections in all, and eleven live service processes would exhaust them.
Two suites run side by side (`EKINERJA_TEST_JOBS`, default 2): most of a suite's wall time is spent waiting on its
own service processes, the broker and the database, so a second suite fills the idle core; every suite already
works in its own databases, vhost and free ports, so they cannot see each other. The slowest suites start first
(`SLOW_FIRST`), so the run ends with short ones instead of one long suite alone. A suite's output is printed whole
when it ends, so the log reads suite by suite. Extra arguments are passed to every pytest run (e.g. `-k name`).

`--unit` (`make test-unit`): only the unit tests, and none of the above is needed for them (no service process, no
database), so they run as `EKINERJA_TEST_JOBS` pytest processes over one list of files instead of a process per
suite: each process pays the imports once, and `scripts/pytest_share.py` lets whichever process is free take the
next file. Only modules that name the `unit` marker are collected (a module without it cannot hold a unit test),
which spares importing the integration modules just to deselect them.
"""
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEPARATE = {"fault", "scale"}  # run by `make test-fault` / `make test-scale` with their own pytest.ini
# Modules that start a long-running stack of their own: a suite of their own, so they run beside their folder.
OWN_SUITE = ["tests/e2e/test_e2e_demo_seed.py"]
# Started first, longest first (wall time of the last full run): the rest follow in path order.
SLOW_FIRST = ["tests/e2e/test_e2e_demo_seed.py", "tests/e2e", "libs", "tests/integration", "tests/deploy",
              "services/portal"]
COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def suites() -> list[str]:
    """libs, each service, each cross-service folder under tests/ (found, so none is forgotten) except tests/fault
    and tests/scale, which start their own servers and run apart (`make test-fault`, `make test-scale`); each of
    `OWN_SUITE` apart from its folder."""
    found = ["libs", *OWN_SUITE]
    found += [f"services/{d.name}" for d in sorted((ROOT / "services").iterdir()) if (d / "tests").is_dir()]
    found += [f"tests/{d.name}" for d in sorted((ROOT / "tests").iterdir())
              if d.is_dir() and d.name not in SEPARATE and any(d.rglob("test_*.py"))]
    slow = [path for path in SLOW_FIRST if path in found]
    return slow + [path for path in found if path not in slow]


def counts_of(last_line: str, code: int) -> dict:
    """passed / failed / skipped of one suite from pytest's summary line and exit code."""
    counts = {kind: int(n) for n, kind in COUNT.findall(last_line)}
    passed = counts.get("passed", 0) + counts.get("xfailed", 0)
    failed = counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0) + counts.get("xpassed", 0)
    if code not in (0, 5) and not failed:  # 5: nothing selected in this suite (e.g. with -m)
        failed = 1  # the suite could not run at all, or pytest failed without a count
    return {"passed": passed, "failed": failed, "skipped": counts.get("skipped", 0)}


def run_suite(path: str, extra: list[str], lock: threading.Lock, totals: dict, port_slot: str = "") -> None:
    """`port_slot` "i/n": the suite's test ports come from the i-th of n disjoint ranges (testing.free_port), so two
    suites side by side never pick the same port for their servers."""
    apart = [f"--ignore={module}" for module in OWN_SUITE if module.startswith(path + "/")]
    env = {**os.environ, "EKINERJA_TEST_PORT_SLOT": port_slot} if port_slot else None
    run_pytest(path, [path, *apart, *extra], env, lock, totals)


def run_pytest(label: str, args: list[str], env: dict | None, lock: threading.Lock, totals: dict) -> None:
    """One pytest process; its output is printed whole when it ends and its counts added to `totals`."""
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        code = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=ROOT, stdout=out,
                              stderr=subprocess.STDOUT, text=True, env=env).returncode
        out.seek(0)
        text = out.read()
    lines = [line for line in text.splitlines() if line.strip()]
    counts = counts_of(lines[-1] if lines else "", code)
    with lock:
        print(f"\n== pytest {label} ({time.monotonic() - started:.0f} s)\n{text}", end="", flush=True)
        for kind, n in counts.items():
            totals[kind] += n


def unit_modules() -> list[str]:
    """Every test module of every suite that names the unit marker (`pytestmark = pytest.mark.unit` or a
    decorator): the only ones that can hold a unit test."""
    found = []
    for suite in suites():
        top = ROOT / suite
        for module in sorted([top] if top.is_file() else top.rglob("test_*.py")):
            if "mark.unit" in module.read_text(encoding="utf-8"):
                found.append(str(module.relative_to(ROOT)))
    return list(dict.fromkeys(found))  # a module of OWN_SUITE is also under its folder


def run_unit(jobs: int, extra: list[str]) -> dict:
    """The unit tests in `jobs` processes sharing the modules (scripts/pytest_share.py)."""
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    lock = threading.Lock()
    modules = unit_modules()
    with tempfile.TemporaryDirectory(prefix="ekinerja-share-") as claims:
        def share(slot: int) -> None:
            env = {**os.environ, "EKINERJA_TEST_SHARE": f"{claims}:{slot}/{jobs}",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "scripts"), os.environ.get("PYTHONPATH")]))}
            run_pytest(f"unit tests, share {slot + 1}/{jobs}", ["-p", "pytest_share", "-m", "unit", *extra, *modules],
                       env, lock, totals)
        threads = [threading.Thread(target=share, args=(slot,)) for slot in range(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return totals


def main() -> int:
    jobs = max(1, int(os.environ.get("EKINERJA_TEST_JOBS", "2")))
    if sys.argv[1:2] == ["--unit"]:
        started = time.monotonic()
        totals = run_unit(jobs, sys.argv[2:])
        return report(totals, started, jobs)
    pending = suites()
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    lock = threading.Lock()
    started = time.monotonic()

    def worker(slot: int) -> None:
        while True:
            with lock:
                if not pending:
                    return
                path = pending.pop(0)
            run_suite(path, sys.argv[1:], lock, totals, f"{slot}/{jobs}" if jobs > 1 else "")

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return report(totals, started, jobs)


def report(totals: dict, started: float, jobs: int) -> int:
    print(f"\n(whole suite: {time.monotonic() - started:.0f} s, {jobs} pytest processes at a time)")
    print(f"total: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 1 if totals["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
