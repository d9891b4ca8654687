"""snowman's own settings (beyond the platform's `EKINERJA_*`, ekinerja_platform.settings.Settings), one typed model
read once from the environment."""
from __future__ import annotations

from dataclasses import dataclass

from ekinerja_platform.settings import load_model, setting

from .domain.rulesets import ASK_RULESETS, PERMENPANRB


def _ruleset(raw: str) -> str:
    value = raw.strip() or PERMENPANRB
    if value not in ASK_RULESETS:
        raise ValueError(f"{value!r} is not one of {', '.join(ASK_RULESETS)}")
    return value


@dataclass(frozen=True)
class SnowmanSettings:
    # until agencies carry their own ruleset setting, the one in force unless the deployment says otherwise
    default_ruleset: str = setting("EKINERJA_SNOWMAN_DEFAULT_RULESET", PERMENPANRB, parse=_ruleset,
                                   doc="the ruleset of answers when an Ask names none")


def load_settings() -> SnowmanSettings:
    return load_model(SnowmanSettings)
