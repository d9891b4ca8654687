"""`make bench`: runs every `scripts/bench_*.py` in turn; each prints its figures as ratios to a same-run baseline."""
import subprocess
import sys
from pathlib import Path

failed = 0
for script in sorted(Path(__file__).parent.glob("bench_*.py")):
    print(f"== {script.name}", flush=True)
    failed |= subprocess.run([sys.executable, str(script), *sys.argv[1:]]).returncode != 0
raise SystemExit(1 if failed else 0)
