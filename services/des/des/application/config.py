"""des settings beyond the platform's, read once from the environment."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from ekinerja_platform import clock

from ..domain.entry_window import DEFAULT_WINDOW_DAYS
from ..domain.evidence import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class DesConfig:
    evidence_max_bytes: int = DEFAULT_MAX_BYTES
    default_window_days: int = DEFAULT_WINDOW_DAYS
    import_batch_max: int = 10000

    def today(self) -> dt.date:
        """The user's day from the platform clock (`EKINERJA_TIMEZONE`); the demo replays a fixed one instead."""
        return clock.today()


def load() -> DesConfig:
    return DesConfig(
        evidence_max_bytes=int(os.environ.get("EKINERJA_DES_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES)),
        default_window_days=int(os.environ.get("EKINERJA_DES_WINDOW_DAYS", DEFAULT_WINDOW_DAYS)),
        import_batch_max=int(os.environ.get("EKINERJA_DES_IMPORT_BATCH_MAX", 10000)),
    )


_config: DesConfig | None = None


def config() -> DesConfig:
    global _config
    if _config is None:
        _config = load()
    return _config
