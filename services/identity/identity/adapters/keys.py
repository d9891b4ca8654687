"""Ed25519 signing keys kept as PEM files in `EKINERJA_SIGNING_KEY_DIR`, one file per key id.

Key ids sort by creation time (`k<UTC timestamp>-<random>`), so the newest file is the active key. Rotation adds a
new file; a replaced key keeps being published (JWKS) until the last token it signed has expired
(its successor's age > access TTL + leeway), and `prune` then deletes it. Every replica reading the same
directory agrees on the active key; a running service notices a new file within `recheck_seconds`.
"""
from __future__ import annotations

import calendar
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ekinerja_platform.tokens import KeySet, TokenVerifier, private_key_from_pem, private_key_to_pem, public_jwk

LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    created_at: float


def kid_time(kid: str) -> float | None:
    """When a key was made, from its id (`k<UTC %Y%m%dT%H%M%SZ>-…`); None for an id of another form."""
    try:
        return calendar.timegm(time.strptime(kid[1:17], "%Y%m%dT%H%M%SZ")) if kid.startswith("k") else None
    except ValueError:
        return None


def new_kid(now: float | None = None) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    return f"k{stamp}-{secrets.token_hex(4)}"


class KeyRing:
    def __init__(self, directory: str | Path, access_ttl_seconds: int, recheck_seconds: float = 2.0):
        self.directory = Path(directory)
        self.access_ttl_seconds = access_ttl_seconds
        self.recheck_seconds = recheck_seconds
        self._keys: list[SigningKey] = []
        self._checked_at = 0.0
        self._mtime = None
        self._lock = threading.Lock()

    # -- disk -------------------------------------------------------------------------------------------------------
    def _load(self) -> None:
        keys = []
        for path in sorted(self.directory.glob("*.pem")):
            keys.append(SigningKey(path.stem, private_key_from_pem(path.read_bytes()), path.stat().st_mtime))
        self._keys = keys

    def _maybe_reload(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_at < self.recheck_seconds:
            return
        with self._lock:
            mtime = self.directory.stat().st_mtime_ns
            if force or mtime != self._mtime:
                self._load()
                self._mtime = mtime
            self._checked_at = now

    def ensure_key(self) -> tuple[str, bool]:
        """Load the keys, generating the first one when the directory has none; (active kid, generated?)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._maybe_reload(force=True)
        if self._keys:
            return self._keys[-1].kid, False
        return self.rotate(), True

    def rotate(self) -> str:
        """Write a new key, which becomes the active one; returns its kid."""
        kid = new_kid()
        path = self.directory / f"{kid}.pem"
        tmp = self.directory / f".{kid}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_key_to_pem(Ed25519PrivateKey.generate()))
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(tmp, path)  # atomic: readers see the whole key or nothing
        self._maybe_reload(force=True)
        return kid

    def prune(self, now: float | None = None) -> list[str]:
        """Delete keys no longer published (every token they signed has expired); returns their kids."""
        self._maybe_reload(force=True)
        published = {k.kid for k in self.published(now)}
        removed = []
        for key in self._keys:
            if key.kid not in published:
                (self.directory / f"{key.kid}.pem").unlink(missing_ok=True)
                removed.append(key.kid)
        self._maybe_reload(force=True)
        return removed

    # -- use --------------------------------------------------------------------------------------------------------
    def active(self) -> SigningKey:
        self._maybe_reload()
        if not self._keys:
            raise RuntimeError(f"no signing key in {self.directory}")
        return self._keys[-1]

    def active_age_seconds(self, now: float | None = None) -> float:
        """Age of the active key, from the time in its id: a key mounted from a Secret gets a new file time at every
        pod start, so the file's time would make an old key look new (the file time only when the id has none)."""
        key = self.active()
        made = kid_time(key.kid)
        return max(0.0, (time.time() if now is None else now) - (key.created_at if made is None else made))

    def published(self, now: float | None = None) -> list[SigningKey]:
        """The active key and every replaced key whose tokens may still be valid."""
        self._maybe_reload()
        now = time.time() if now is None else now
        keys = self._keys
        out = []
        for index, key in enumerate(keys):
            successor = keys[index + 1] if index + 1 < len(keys) else None
            if successor is None or now - successor.created_at <= self.access_ttl_seconds + LEEWAY_SECONDS:
                out.append(key)
        return out

    def jwks(self) -> dict:
        return {"keys": [public_jwk(k.private_key, k.kid) for k in self.published()]}

    def verifier(self, audience: str = "ekinerja") -> TokenVerifier:
        """Verifies tokens locally against the published keys (no HTTP round trip to itself)."""
        return TokenVerifier(KeySet(self.jwks, min_refresh_seconds=0.0), audience=audience)
