"""Makes the skp tests' helper module (skp_testlib.py) importable by absolute name from unit and integration tests."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
