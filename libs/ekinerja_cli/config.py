"""Where the CLI keeps the caller's tokens and which endpoints it talks to.

Tokens live in `$EKINERJA_CONFIG_DIR` (default `~/.config/ekinerja/`) in a file readable only by its owner (0600).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from ekinerja_platform.settings import DEFAULT_PORTS

CREDENTIALS_FILE = "credentials.json"


def config_dir() -> Path:
    override = os.environ.get("EKINERJA_CONFIG_DIR")
    return Path(override) if override else Path.home() / ".config" / "ekinerja"


def endpoint(service: str, overrides: dict | None = None) -> str:
    """host:port of a service: `--endpoint svc=host:port`, then `$EKINERJA_<SVC>_ENDPOINT`, then the default port."""
    if overrides and service in overrides:
        return overrides[service]
    env = os.environ.get(f"EKINERJA_{service.upper()}_ENDPOINT")
    if env:
        return env
    host = os.environ.get("EKINERJA_HOST", "127.0.0.1")
    return f"{host}:{DEFAULT_PORTS[service][0]}"


def load_credentials() -> dict | None:
    path = config_dir() / CREDENTIALS_FILE
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def save_credentials(data: dict) -> Path:
    directory = config_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / CREDENTIALS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.chmod(path, 0o600)
    return path


def clear_credentials() -> bool:
    path = config_dir() / CREDENTIALS_FILE
    if path.exists():
        path.unlink()
        return True
    return False
