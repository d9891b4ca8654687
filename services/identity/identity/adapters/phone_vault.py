"""Phone numbers and one-time codes as identity stores them: never in clear.

- lookup key: HMAC-SHA256 of the E.164 number under EKINERJA_PHONE_HASH_KEY (equal numbers, equal keys; without
  the key a table copy cannot be matched against the few hundred million Indonesian numbers);
- sealed number: AES-256-GCM under EKINERJA_PHONE_ENCRYPTION_KEY, bound to the employee's NIP (associated data), so
  the number can be read back to send to it, and a ciphertext moved to another row does not open;
- code hash: HMAC-SHA256 of (registration id, code) under the hash key: a six-digit code is no secret against an
  unkeyed hash.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..application.ports import PhoneSecrets

PREFIX = "v1"


class PhoneVault(PhoneSecrets):
    def __init__(self, hash_key: bytes, encryption_key: bytes):
        if not hash_key or not encryption_key:
            raise ValueError("phone hash and encryption keys are required")
        self._hash_key = hashlib.sha256(b"ekinerja-phone-hash\x00" + hash_key).digest()
        # the setting is a high-entropy random string (openssl rand -hex 32); SHA-256 maps it to an AES-256 key
        self._aes = AESGCM(hashlib.sha256(b"ekinerja-phone-seal\x00" + encryption_key).digest())

    def lookup(self, e164: str) -> bytes:
        return hmac.new(self._hash_key, b"phone\x00" + e164.encode(), hashlib.sha256).digest()

    def code_hash(self, registration_id: str, code: str) -> bytes:
        return hmac.new(self._hash_key, f"code\x00{registration_id}\x00{code}".encode(), hashlib.sha256).digest()

    def code_matches(self, stored: bytes, registration_id: str, code: str) -> bool:
        return hmac.compare_digest(bytes(stored), self.code_hash(registration_id, code))

    def seal(self, e164: str, nip: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aes.encrypt(nonce, e164.encode(), nip.encode())
        return f"{PREFIX}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, nip: str) -> str:
        prefix, body = sealed.split(".", 1)
        if prefix != PREFIX:
            raise ValueError("unknown sealed phone format")
        raw = base64.urlsafe_b64decode(body.encode())
        return self._aes.decrypt(raw[:12], raw[12:], nip.encode()).decode()


def vault_of(settings) -> PhoneVault:
    return PhoneVault(settings.phone_hash_key, settings.phone_encryption_key)
