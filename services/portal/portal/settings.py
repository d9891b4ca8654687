"""The portal's settings, read once from the environment into one typed, frozen model (services/portal/README.md)."""
from __future__ import annotations

from dataclasses import dataclass

from ekinerja_platform.settings import DEFAULT_PORTS, MissingSetting, load_model, setting

SERVICES = ("identity", "skp", "des", "recap", "snowman")
DEFAULT_HTTP_PORT = 8080


def _target(name: str):
    return setting(f"EKINERJA_{name.upper()}_TARGET", f"127.0.0.1:{DEFAULT_PORTS[name][0]}",
                   doc=f"host:port of {name}'s gRPC")


def _keys(raw: str) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in raw.split(",") if k.strip())
    if not keys:
        raise ValueError("must hold at least one key")
    return keys


@dataclass(frozen=True)
class PortalSettings:
    database_url: str = setting("EKINERJA_DATABASE_URL", required=True, is_secret=True,
                                doc="the portal's own database (sessions only)")
    session_keys: tuple = setting("EKINERJA_PORTAL_SESSION_KEY", (), required=True, is_secret=True, parse=_keys,
                                  doc="comma-separated keys sealing the session's tokens; the first seals")
    nip_hash_key: bytes = setting("EKINERJA_NIP_HASH_KEY", b"", required=True, is_secret=True, parse=str.encode,
                                  doc="keyed hash of NIPs in logs")
    identity_target: str = _target("identity")
    skp_target: str = _target("skp")
    des_target: str = _target("des")
    recap_target: str = _target("recap")
    snowman_target: str = _target("snowman")
    http_port: int = setting("EKINERJA_HTTP_PORT", DEFAULT_HTTP_PORT, doc="pages, health, metrics")
    bind_host: str = setting("EKINERJA_BIND_HOST", "0.0.0.0", doc="address to listen on")
    session_ttl_seconds: int = setting("EKINERJA_PORTAL_SESSION_TTL_SECONDS", 8 * 3600,
                                       doc="a session's longest life")
    refresh_margin_seconds: int = setting("EKINERJA_PORTAL_REFRESH_MARGIN_SECONDS", 60,
                                          doc="renew the access token this long before it expires")
    log_level: str = setting("EKINERJA_LOG_LEVEL", "INFO", doc="DEBUG, INFO, WARNING, ERROR")
    grpc_timeout_seconds: float = setting("EKINERJA_PORTAL_GRPC_TIMEOUT_SECONDS", 10.0,
                                           doc="deadline of each service call")
    grpc_channels: int = setting("EKINERJA_PORTAL_GRPC_CHANNELS", 1,
                                 doc="connections per service, taken in turn: several behind one address spread")
    db_pool_size: int = setting("EKINERJA_PORTAL_DB_POOL_SIZE", 5, doc="connections per process (no overflow)")
    max_upload_bytes: int = setting("EKINERJA_PORTAL_MAX_UPLOAD_BYTES", 4 * 1024 * 1024,
                                   doc="evidence upload limit (des checks size and type too)")
    session_cache_seconds: float = setting("EKINERJA_PORTAL_SESSION_CACHE_SECONDS", 5.0,
                                            doc="per-process cache of sessions read")
    session_purge_seconds: float = setting("EKINERJA_PORTAL_SESSION_PURGE_SECONDS", 300.0,
                                            doc="how often expired sessions are deleted")
    keepalive_seconds: int = setting("EKINERJA_PORTAL_KEEPALIVE_SECONDS", 75,
                                     doc="idle HTTP keep-alive (longer than the proxy's, so it closes first)")

    @property
    def targets(self) -> dict:
        """Each service's gRPC address, by service name."""
        return {name: getattr(self, f"{name}_target") for name in SERVICES}


def load_settings() -> PortalSettings:
    """EKINERJA_DATABASE_URL, EKINERJA_NIP_HASH_KEY and EKINERJA_PORTAL_SESSION_KEY are required; every service
    target has a local default."""
    settings = load_model(PortalSettings)
    if settings.session_ttl_seconds <= 0:
        raise MissingSetting("setting EKINERJA_PORTAL_SESSION_TTL_SECONDS must be positive")
    if not 1 <= settings.grpc_channels <= 64:
        raise MissingSetting("setting EKINERJA_PORTAL_GRPC_CHANNELS must be between 1 and 64")
    return settings
