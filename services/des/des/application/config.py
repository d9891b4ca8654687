"""The application's view of des's settings (des/settings.py): the model plus the day it works in."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ekinerja_platform import clock

from ..settings import DesSettings, load_settings


@dataclass(frozen=True)
class DesConfig(DesSettings):
    def today(self) -> dt.date:
        """The user's day from the platform clock (`EKINERJA_TIMEZONE`); the demo replays a fixed one instead."""
        return clock.today()


def load() -> DesConfig:
    return load_settings(DesConfig)


_config: DesConfig | None = None


def config() -> DesConfig:
    global _config
    if _config is None:
        _config = load()
    return _config
