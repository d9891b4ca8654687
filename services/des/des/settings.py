"""des's own settings (beyond the platform's `EKINERJA_*`, ekinerja_platform.settings.Settings), one typed model read
once from the environment."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from ekinerja_platform.settings import MissingSetting, load_model, setting

from .domain.entry_window import DEFAULT_WINDOW_DAYS
from .domain.evidence import DEFAULT_MAX_BYTES

Model = TypeVar("Model", bound="DesSettings")


@dataclass(frozen=True)
class DesSettings:
    evidence_max_bytes: int = setting("EKINERJA_DES_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES,
                                      doc="largest evidence file (PDF, PNG, JPEG)")
    default_window_days: int = setting("EKINERJA_DES_WINDOW_DAYS", DEFAULT_WINDOW_DAYS,
                                       doc="days back a report may be entered")
    import_batch_max: int = setting("EKINERJA_DES_IMPORT_BATCH_MAX", 10000, doc="rows per ImportActivities call")
    backlog_days: int = setting("EKINERJA_DES_BACKLOG_DAYS", 3,
                                doc="a report waiting longer counts in ekinerja_des_review_backlog")


def load_settings(model: type[Model] = DesSettings) -> Model:
    """`model`: DesSettings or a subclass (the application's DesConfig adds behaviour, no variables)."""
    settings = load_model(model)
    if settings.backlog_days < 0:
        raise MissingSetting("setting EKINERJA_DES_BACKLOG_DAYS must be 0 or more days")
    return settings
