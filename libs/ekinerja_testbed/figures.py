"""The figures the fault suite reaches, printed at the end of the session and written as JSON for CI artifacts."""
from __future__ import annotations

import json
from pathlib import Path

FIGURES: dict[str, dict] = {}


def record(case: str, **values) -> None:
    """Record (or add to) the figures of one case; values are numbers or short strings."""
    FIGURES.setdefault(case, {}).update({k: round(v, 2) if isinstance(v, float) else v for k, v in values.items()})


def summary() -> list[str]:
    return [f"{case}: " + ", ".join(f"{k}={v}" for k, v in values.items()) for case, values in FIGURES.items()]


def write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(FIGURES, indent=2, sort_keys=True) + "\n")
