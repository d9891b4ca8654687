"""The portal's settings, read once from the environment into a frozen object (see services/portal/README.md)."""
from __future__ import annotations

from dataclasses import dataclass

from ekinerja_platform.settings import DEFAULT_PORTS, MissingSetting, _env, _int, secret

SERVICES = ("identity", "skp", "des", "recap", "snowman")
DEFAULT_HTTP_PORT = 8080


@dataclass(frozen=True)
class PortalSettings:
    database_url: str
    targets: dict
    http_port: int = DEFAULT_HTTP_PORT
    bind_host: str = "0.0.0.0"
    session_ttl_seconds: int = 8 * 3600
    refresh_margin_seconds: int = 60
    log_level: str = "INFO"
    nip_hash_key: bytes = b""
    grpc_timeout_seconds: float = 10.0
    db_pool_size: int = 5
    max_upload_bytes: int = 4 * 1024 * 1024
    session_cache_seconds: float = 5.0
    session_keys: tuple = ()
    session_purge_seconds: float = 300.0
    keepalive_seconds: int = 75


def load_settings() -> PortalSettings:
    """EKINERJA_DATABASE_URL, EKINERJA_NIP_HASH_KEY and EKINERJA_PORTAL_SESSION_KEY are required; every service
    target has a local default."""
    targets = {}
    for name in SERVICES:
        default = f"127.0.0.1:{DEFAULT_PORTS[name][0]}"
        targets[name] = _env(f"EKINERJA_{name.upper()}_TARGET", default)
    ttl = _int("EKINERJA_PORTAL_SESSION_TTL_SECONDS", 8 * 3600)
    if ttl <= 0:
        raise MissingSetting("setting EKINERJA_PORTAL_SESSION_TTL_SECONDS must be positive")
    keys = tuple(k.strip() for k in secret("EKINERJA_PORTAL_SESSION_KEY", required=True).split(",") if k.strip())
    if not keys:
        raise MissingSetting("setting EKINERJA_PORTAL_SESSION_KEY must hold at least one key")
    return PortalSettings(
        database_url=secret("EKINERJA_DATABASE_URL", required=True),
        targets=targets,
        http_port=_int("EKINERJA_HTTP_PORT", DEFAULT_HTTP_PORT),
        bind_host=_env("EKINERJA_BIND_HOST", "0.0.0.0"),
        session_ttl_seconds=ttl,
        refresh_margin_seconds=_int("EKINERJA_PORTAL_REFRESH_MARGIN_SECONDS", 60),
        log_level=_env("EKINERJA_LOG_LEVEL", "INFO"),
        nip_hash_key=secret("EKINERJA_NIP_HASH_KEY", required=True).encode(),
        grpc_timeout_seconds=float(_env("EKINERJA_PORTAL_GRPC_TIMEOUT_SECONDS", "10")),
        db_pool_size=_int("EKINERJA_PORTAL_DB_POOL_SIZE", 5),
        max_upload_bytes=_int("EKINERJA_PORTAL_MAX_UPLOAD_BYTES", 4 * 1024 * 1024),
        session_cache_seconds=float(_env("EKINERJA_PORTAL_SESSION_CACHE_SECONDS", "5")),
        session_keys=keys,
        session_purge_seconds=float(_env("EKINERJA_PORTAL_SESSION_PURGE_SECONDS", "300")),
        keepalive_seconds=_int("EKINERJA_PORTAL_KEEPALIVE_SECONDS", 75),
    )
