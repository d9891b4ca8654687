"""snowman's own settings (the platform's `EKINERJA_*` ones come from ekinerja_platform.settings)."""
from __future__ import annotations

import os
from functools import lru_cache

from ..domain.rulesets import ASK_RULESETS, PERMENPANRB

DEFAULT_RULESET_ENV = "EKINERJA_SNOWMAN_DEFAULT_RULESET"


@lru_cache(maxsize=1)
def default_ruleset() -> str:
    """The ruleset an asker's answers come from when the Ask request names none: until agencies carry their own
    ruleset setting, the one in force (PermenPANRB 6/2022) unless the deployment says otherwise."""
    value = (os.environ.get(DEFAULT_RULESET_ENV) or "").strip() or PERMENPANRB
    if value not in ASK_RULESETS:
        raise SystemExit(f"{DEFAULT_RULESET_ENV}={value!r} is not one of {', '.join(ASK_RULESETS)}")
    return value
