"""Settings read once from the environment into a typed, frozen object.

A missing required variable stops the process with one clear message instead of failing later at first use.
"""
from __future__ import annotations

import os
import sys
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Callable, Literal, TypeVar, overload

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

DEFAULT_PORTS = {
    "identity": (50051, 9101),
    "skp": (50052, 9102),
    "des": (50053, 9103),
    "recap": (50054, 9104),
    "snowman": (50055, 9105),
}


class MissingSetting(SystemExit):
    """Raised (as a SystemExit) when a required environment variable is absent."""


@overload
def _env(name: str, default: str, *, required: bool = False) -> str: ...


@overload
def _env(name: str, default: None = None, *, required: Literal[True]) -> str: ...


@overload
def _env(name: str, default: str | None = None, *, required: bool = False) -> str | None: ...


def _env(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise MissingSetting(f"setting {name} is required but not set (see the service README)")
        return default
    return value


@overload
def secret(name: str, default: str, *, required: bool = False) -> str: ...


@overload
def secret(name: str, default: None = None, *, required: Literal[True]) -> str: ...


@overload
def secret(name: str, default: str | None = None, *, required: bool = False) -> str | None: ...


def secret(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    """A secret setting: the content of the file named by `<name>_FILE` (a mounted Kubernetes Secret, so the value
    is in no environment a child process or a crash dump inherits), else the variable itself. Both set is refused:
    which one wins would be a guess. One trailing newline (an editor's or `echo`'s) is not part of the value."""
    path = os.environ.get(f"{name}_FILE") or None
    if path is None:
        return _env(name, default, required=required)
    if os.environ.get(name):
        raise MissingSetting(f"settings {name} and {name}_FILE are both set; keep only one")
    try:
        with open(path, encoding="utf-8") as handle:
            value = handle.read()
    except OSError as exc:
        raise MissingSetting(f"setting {name}_FILE: cannot read {path}: {exc.strerror}") from None
    value = value[:-1] if value.endswith("\n") else value
    value = value[:-1] if value.endswith("\r") else value
    if value == "":
        if required:
            raise MissingSetting(f"setting {name}_FILE names an empty file ({path})")
        return default
    return value


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise MissingSetting(f"setting {name} must be an integer, got {raw!r}") from None


def _bool(name: str, default: bool) -> bool:
    raw = _env(name, "true" if default else "false").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise MissingSetting(f"setting {name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str
    amqp_uri: str
    grpc_port: int
    http_port: int
    bind_host: str = "0.0.0.0"
    jwks_url: str | None = None
    nip_hash_key: bytes = b""
    log_level: str = "INFO"
    max_request_bytes: int = 4 * 1024 * 1024
    max_workers: int = 20
    grpc_poll_seconds: float = 0.002
    relay_interval_seconds: float = 0.2
    relay_batch_size: int = 200
    relay_process: bool = False
    token_audience: str = "ekinerja"
    relay_lanes: bool = False  # the outbox has a bulk lane (des): see relay.py
    event_retry_seconds: float = 120.0  # how long a consumer retries a transiently failing event before requeueing it
    db_statement_timeout_seconds: float = 30.0
    db_lock_timeout_seconds: float = 10.0
    amqp_heartbeat_seconds: int = 30
    # a read-only copy (a streaming replica, or its pooler) for the reads that tolerate replication lag; None: the
    # primary (`database_url`) serves them too. Which reads use it: DatabaseAccess.read (db.py), docs/scale.md
    database_read_url: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def sqlalchemy_url(self) -> str:
        return _psycopg(self.database_url)

    @property
    def sqlalchemy_read_url(self) -> str:
        """The replica's URL, or the primary's when no read URL is set (one pool then serves both)."""
        return _psycopg(self.database_read_url or self.database_url)

    def public(self) -> dict:
        """Settings safe to print: no secrets, no passwords in URLs."""
        hidden = {"nip_hash_key", "extra"}
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in hidden}
        for key in ("database_url", "database_read_url", "amqp_uri"):
            out[key] = _strip_password(out[key]) if out[key] else out[key]
        return out


def _psycopg(url: str) -> str:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _strip_password(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def load_settings(service: str, *, require_jwks: bool = True) -> Settings:
    """Read the settings of `service` from EKINERJA_* variables; exit with a clear message if one is missing."""
    grpc_default, http_default = DEFAULT_PORTS.get(service, (50050, 9100))
    nip_key = secret("EKINERJA_NIP_HASH_KEY", required=True)
    return Settings(
        service=service,
        database_url=secret("EKINERJA_DATABASE_URL", required=True),
        database_read_url=secret("EKINERJA_DATABASE_READ_URL"),
        amqp_uri=secret("EKINERJA_AMQP_URI", required=True),
        grpc_port=_int("EKINERJA_GRPC_PORT", grpc_default),
        http_port=_int("EKINERJA_HTTP_PORT", http_default),
        bind_host=_env("EKINERJA_BIND_HOST", "0.0.0.0"),
        jwks_url=_env("EKINERJA_JWKS_URL", required=require_jwks),
        nip_hash_key=nip_key.encode(),
        log_level=_env("EKINERJA_LOG_LEVEL", "INFO").upper(),
        max_request_bytes=_int("EKINERJA_MAX_REQUEST_BYTES", 4 * 1024 * 1024),
        max_workers=_int("EKINERJA_MAX_WORKERS", 20),
        grpc_poll_seconds=float(_env("EKINERJA_GRPC_POLL_SECONDS", "0.002")),
        relay_interval_seconds=float(_env("EKINERJA_RELAY_INTERVAL_SECONDS", "0.2")),
        relay_batch_size=_int("EKINERJA_RELAY_BATCH_SIZE", 200),
        relay_process=_bool("EKINERJA_RELAY_PROCESS", False),
        token_audience=_env("EKINERJA_TOKEN_AUDIENCE", "ekinerja"),
        relay_lanes=_bool("EKINERJA_RELAY_LANES", False),
        event_retry_seconds=float(_env("EKINERJA_EVENT_RETRY_SECONDS", "120")),
        db_statement_timeout_seconds=db_timeouts()[0],
        db_lock_timeout_seconds=db_timeouts()[1],
        amqp_heartbeat_seconds=amqp_heartbeat_seconds(),
    )


def _float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise MissingSetting(f"setting {name} must be a number, got {raw!r}") from None
    if value < 0:
        raise MissingSetting(f"setting {name} must not be negative, got {raw!r}")
    return value


def db_timeouts() -> tuple[float, float]:
    """(statement timeout, lock timeout) in seconds for every database session of a service; 0 disables one."""
    return (_float("EKINERJA_DB_STATEMENT_TIMEOUT_SECONDS", 30.0), _float("EKINERJA_DB_LOCK_TIMEOUT_SECONDS", 10.0))


@dataclass(frozen=True)
class DbPool:
    """How a process's engines use PostgreSQL, a budget shared by every replica (docs/operations.md, "Connections").

    `size`: connections a request engine keeps open once used (none before: pools open lazily); `max_overflow`:
    more under load, closed as soon as they are returned; `pgbouncer`: the URL points at PgBouncer in transaction
    mode, so no server-side prepared statements and no `options` start-up parameter (the timeouts are then the
    role's, `scripts/db_roles.py`)."""

    size: int = 2
    max_overflow: int = 2
    pgbouncer: bool = False

    @property
    def limit(self) -> int:
        return self.size + self.max_overflow


def db_pool() -> DbPool:
    """EKINERJA_DB_POOL_SIZE (2), EKINERJA_DB_MAX_OVERFLOW (2), EKINERJA_DB_PGBOUNCER (false). Every process of a
    service reads the same variables, so a Deployment overrides them for its service alone."""
    pool = DbPool(size=_int("EKINERJA_DB_POOL_SIZE", 2), max_overflow=_int("EKINERJA_DB_MAX_OVERFLOW", 2),
                  pgbouncer=_bool("EKINERJA_DB_PGBOUNCER", False))
    if pool.size < 1 or pool.max_overflow < 0:
        raise MissingSetting(f"settings EKINERJA_DB_POOL_SIZE must be at least 1 and EKINERJA_DB_MAX_OVERFLOW not "
                             f"negative, got {pool.size} and {pool.max_overflow}")
    return pool


def amqp_heartbeat_seconds() -> int:
    """AMQP heartbeat of every broker connection (nameko's and the relay's): a dead peer is noticed in ~2x this."""
    return int(_float("EKINERJA_AMQP_HEARTBEAT_SECONDS", 30))


# --- the typed base every service's `<svc>/settings.py` builds its model on -------------------------------------

Model = TypeVar("Model", bound="DataclassInstance")


def setting(env: str, default: Any = MISSING, *, required: bool = False, is_secret: bool = False,
            parse: Callable[[str], Any] | None = None, doc: str = "", **field_kwargs):
    """A dataclass field read from the variable `env`. How the text becomes a value follows the default's type (int,
    float, bool, str) unless `parse` is given (a ValueError from it names the variable); `is_secret`: also read from
    `<env>_FILE` (see `secret`) and kept out of repr. `required`: no value stops the process naming `env`."""
    metadata = {"env": env, "required": required, "secret": is_secret, "parse": parse, "doc": doc}
    if is_secret:
        field_kwargs.setdefault("repr", False)
    if default is MISSING:
        return field(metadata=metadata, **field_kwargs)
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata, **field_kwargs)
    return field(default=default, metadata=metadata, **field_kwargs)


def _read_field(f) -> Any:
    meta = f.metadata
    name, default = meta["env"], (f.default if f.default is not MISSING else None)
    read = secret if meta["secret"] else _env
    if meta["parse"] is not None:
        raw = read(name, required=meta["required"])
        if raw is None:
            return default
        try:
            return meta["parse"](raw)
        except ValueError as exc:
            raise MissingSetting(f"setting {name}: {exc}") from None
    if isinstance(default, bool):
        return _bool(name, default)
    if isinstance(default, int):
        return _int(name, default)
    if isinstance(default, float):
        return _float(name, default)
    return read(name, default, required=meta["required"])


def load_model(cls: type[Model], **given) -> Model:
    """Build the dataclass `cls` from the environment: every field declared with `setting()` is read from its
    variable, the others come from `given` (or their default). Errors are `MissingSetting`, naming the variable."""
    values = dict(given)
    for f in fields(cls):
        if f.name not in values and "env" in f.metadata:
            values[f.name] = _read_field(f)
    return cls(**values)


def variables(cls) -> list[dict]:
    """The variables of a settings model (name, default, required, secret, doc): the READMEs' settings tables are
    checked against this list."""
    out = []
    for f in fields(cls):
        if "env" in f.metadata:
            default = None if f.default is MISSING else f.default
            out.append({"env": f.metadata["env"], "field": f.name, "default": default,
                        "required": f.metadata["required"], "secret": f.metadata["secret"], "doc": f.metadata["doc"]})
    return out


TABLE_BEGIN = "<!-- settings table: generated from the model by scripts/readme_settings.py; do not edit -->"
TABLE_END = "<!-- end of settings table -->"


def markdown_table(cls) -> str:
    """The README's settings table of a model, between its markers (tests/contracts checks it is up to date)."""
    rows = [TABLE_BEGIN, "| variable | default | meaning |", "|---|---|---|"]
    for v in variables(cls):
        name = f"`{v['env']}`" + (f" or `{v['env']}_FILE`" if v["secret"] else "")
        default = v["default"]
        if v["required"]:
            shown = "**required**"
        elif default in (None, "", b"", ()):
            shown = "—"
        else:
            shown = f"`{default}`"
        rows.append(f"| {name} | {shown} | {v['doc']} |")
    if len(rows) == 3:
        rows.append("| — | | no variables of its own |")
    return "\n".join(rows + [TABLE_END])


def env(name: str, default: str | None = None) -> str | None:
    """One variable outside a service's model: development tools (demo seeding, the SMS dev phone) that run beside,
    not inside, a service."""
    return _env(name, default)


def exit_on_missing(fn):
    """Decorator for process entry points: print a MissingSetting message to stderr and exit 2."""
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MissingSetting as exc:
            print(f"error: {exc.code}", file=sys.stderr)
            raise SystemExit(2) from None
    return wrapper
