"""skp's own settings: none beyond the platform's `EKINERJA_*` (ekinerja_platform.settings.Settings, read by the
runner). The model is here so every service has the same room for them: a new variable is a field below."""
from __future__ import annotations

from dataclasses import dataclass

from ekinerja_platform.settings import load_model


@dataclass(frozen=True)
class SkpSettings:
    """No variables of skp's own yet."""


def load_settings() -> SkpSettings:
    return load_model(SkpSettings)
