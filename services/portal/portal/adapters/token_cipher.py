"""Encrypts the users' tokens before they reach the portal_sessions table (AES-256-GCM).

A copy of the table (backup, replica, read-only SQL access) must not hand out live access or refresh tokens. Keys
come from EKINERJA_PORTAL_SESSION_KEY, a comma-separated list: the first encrypts, every one decrypts, so a new key is
rotated in by putting it first and the old one is removed once the sessions it sealed have expired (at most the
session TTL later). Each sealed value names its key by a short fingerprint and is bound to its session row (the id
hash is the associated data), so a ciphertext copied into another row does not open.
"""
from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1"


class TokenCipherError(ValueError):
    """A sealed value that no configured key opens (unknown key, tampered or plaintext row)."""


def _derive(secret: str) -> bytes:
    # settings hold a high-entropy random string (openssl rand -hex 32); SHA-256 maps it to an AES-256 key
    return hashlib.sha256(b"ekinerja-portal-session-key\x00" + secret.encode()).digest()


class TokenCipher:
    def __init__(self, secrets: list[str]):
        secrets = [s.strip() for s in secrets if s and s.strip()]
        if not secrets:
            raise ValueError("at least one session key is required")
        self._keys: dict[str, AESGCM] = {}
        for secret in secrets:
            key = _derive(secret)
            self._keys.setdefault(hashlib.sha256(key).hexdigest()[:8], AESGCM(key))
        self._current = next(iter(self._keys))

    @classmethod
    def from_setting(cls, raw: str) -> "TokenCipher":
        return cls(raw.split(","))

    def seal(self, plaintext: str, bound_to: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode(), bound_to.encode())
        return f"{PREFIX}.{self._current}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, bound_to: str) -> str:
        try:
            prefix, kid, body = sealed.split(".", 2)
            aes = self._keys[kid] if prefix == PREFIX else None
            raw = base64.urlsafe_b64decode(body.encode())
            return aes.decrypt(raw[:12], raw[12:], bound_to.encode()).decode()
        except (ValueError, KeyError, AttributeError, InvalidTag) as exc:
            raise TokenCipherError("session tokens cannot be decrypted with the configured keys") from exc
