"""snowman's settings as the application reads them (the model: snowman/settings.py)."""
from __future__ import annotations

from functools import lru_cache

from ..settings import load_settings

DEFAULT_RULESET_ENV = "EKINERJA_SNOWMAN_DEFAULT_RULESET"


@lru_cache(maxsize=1)
def default_ruleset() -> str:
    """The ruleset an asker's answers come from when the Ask request names none: until agencies carry their own
    ruleset setting, the one in force (PermenPANRB 6/2022) unless the deployment says otherwise."""
    return load_settings().default_ruleset
