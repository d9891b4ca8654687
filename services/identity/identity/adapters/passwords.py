"""Passwords and client secrets as Argon2id hashes (`application.ports.Passwords`), each check counted by outcome.

OWASP's minimum Argon2id profile (19 MiB, 2 passes): ~20 ms here, so a login does not stall the event loop long.
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..application import ports
from ..metrics import PASSWORD_CHECKS

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = HASHER.hash("not-a-password")


class Argon2Passwords(ports.Passwords):
    def hash(self, secret):
        return HASHER.hash(secret)

    def verify(self, stored_hash, secret):
        try:
            return HASHER.verify(stored_hash, secret)
        except (VerificationError, InvalidHashError):
            return False

    def check(self, rpc, stored_hash, secret, *, usable):
        ok = self.verify(stored_hash or _DUMMY_HASH, secret) and usable
        PASSWORD_CHECKS.labels(rpc, "ok" if ok else "failed").inc()
        return ok


ARGON2 = Argon2Passwords()
