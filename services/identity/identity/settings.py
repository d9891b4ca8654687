"""identity's own settings (beyond the platform's), read once from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass

from ekinerja_platform.settings import MissingSetting, _env, _int


@dataclass(frozen=True)
class IdentitySettings:
    signing_key_dir: str
    access_ttl_seconds: int = 900
    refresh_ttl_seconds: int = 7 * 24 * 3600
    login_window_seconds: int = 900
    max_failures_per_account: int = 5
    max_failures_per_source: int = 30
    trust_proxy: bool = False


def load_identity_settings() -> IdentitySettings:
    key_dir = _env("EKINERJA_SIGNING_KEY_DIR", required=True)
    settings = IdentitySettings(
        signing_key_dir=key_dir,
        access_ttl_seconds=_int("EKINERJA_ACCESS_TOKEN_TTL_SECONDS", 900),
        refresh_ttl_seconds=_int("EKINERJA_REFRESH_TOKEN_TTL_SECONDS", 7 * 24 * 3600),
        login_window_seconds=_int("EKINERJA_LOGIN_WINDOW_SECONDS", 900),
        max_failures_per_account=_int("EKINERJA_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        max_failures_per_source=_int("EKINERJA_LOGIN_MAX_FAILURES_PER_SOURCE", 30),
    )
    if settings.access_ttl_seconds < 30 or settings.refresh_ttl_seconds <= settings.access_ttl_seconds:
        raise MissingSetting("EKINERJA_ACCESS_TOKEN_TTL_SECONDS must be >= 30 and below the refresh TTL")
    os.makedirs(key_dir, mode=0o700, exist_ok=True)
    return settings
