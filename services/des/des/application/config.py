"""des settings beyond the platform's, read once from the environment."""
from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from dataclasses import dataclass

from ..domain.entry_window import DEFAULT_WINDOW_DAYS
from ..domain.evidence import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class DesConfig:
    timezone: str = "Asia/Jakarta"
    evidence_max_bytes: int = DEFAULT_MAX_BYTES
    default_window_days: int = DEFAULT_WINDOW_DAYS
    import_batch_max: int = 10000

    def today(self) -> dt.date:
        return dt.datetime.now(zoneinfo.ZoneInfo(self.timezone)).date()


def load() -> DesConfig:
    return DesConfig(
        timezone=os.environ.get("EKINERJA_DES_TIMEZONE", "Asia/Jakarta"),
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
