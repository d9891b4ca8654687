"""The login throttle as a use-case step: admit an attempt before its password is checked, settle it after.

`admit` charges the attempt's buckets atomically (rows locked in key order, policy applied, rows written, one short
transaction) or refuses it with the time to wait; only then is the password checked, outside any transaction.
`succeeded` / `failed` settle the attempt in the transaction that records its outcome. Bucket keys are keyed
hashes (the NIP hash key), so the tables never hold a login, a client id or an address in clear. Storage is the
`ports.ThrottleStore`: `admit` opens its own short unit of work (`new_unit()`), the settling steps take the store of
the caller's unit.
"""
from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass

from ekinerja_platform.domain_errors import TooManyAttempts

from ..domain.throttle import Admission, Scope, ThrottlePolicy
from ..metrics import THROTTLED
from .ports import IdentityUnitOfWork, ThrottleStore


@dataclass(frozen=True)
class Ticket:
    """An admitted attempt: the buckets it was charged in (scope -> row key) and its (subject, source) pair."""

    buckets: dict[Scope, str]
    pair: str


class LoginThrottle:
    def __init__(self, new_unit: Callable[[], IdentityUnitOfWork], policy: ThrottlePolicy, hash_key: bytes,
                 rpc: str):
        self.new_unit = new_unit
        self.policy = policy
        self.hash_key = hash_key
        self.rpc = rpc

    def _keyed(self, text: str) -> str:
        return hmac.new(self.hash_key, text.encode(), hashlib.sha256).hexdigest()[:32]

    def _buckets(self, subject: str, source: str, familiar: bool, pair: str) -> dict[Scope, str]:
        names = {Scope.SAME_SOURCE: pair, Scope.ACCOUNT: self._keyed("account|" + subject),
                 Scope.SOURCE: self._keyed("source|" + source)}
        return {scope: f"{scope.value}:{names[scope]}" for scope in self.policy.scopes(familiar)}

    def admit(self, subject: str, source: str) -> Ticket:
        """Charge one attempt of `subject` (an account or API client key) from `source`, or raise TooManyAttempts.

        A refusal read from unlocked rows writes nothing (a storm against a waiting bucket costs one read each);
        an attempt that looks admissible is decided again under the rows' locks, so concurrent attempts are
        counted one by one and no more passwords are checked than the buckets allow."""
        pair = self._keyed(f"pair|{subject}|{source}")
        with self.new_unit() as uow:
            store = uow.throttle
            familiar = store.is_familiar(pair, self.policy.familiar_for)
            buckets = self._buckets(subject, source, familiar, pair)
            now, counters = store.read(list(buckets.values()))
            verdict = self._decide(buckets, counters, now)
            if verdict.admitted:
                now, counters = store.lock(list(buckets.values()))
                verdict = self._decide(buckets, counters, now)
                if verdict.admitted:
                    store.write({buckets[scope]: counter for scope, counter in verdict.counters.items()})
        if not verdict.admitted:
            limited_by = verdict.limited_by
            assert limited_by is not None  # a refusal always names the bucket that asked to wait
            THROTTLED.labels(self.rpc, limited_by.value).inc()
            raise TooManyAttempts(f"too many failed attempts; try again in {verdict.retry_after_seconds} seconds",
                                  retry_after_seconds=verdict.retry_after_seconds)
        return Ticket(buckets, pair)

    def _decide(self, buckets: dict[Scope, str], counters: dict, now) -> Admission:
        return self.policy.admit({scope: counters[key] for scope, key in buckets.items()}, now)

    def succeeded(self, store: ThrottleStore, ticket: Ticket) -> None:
        """The password was right: the same-source bucket starts again, shared ones give the charge back, and the
        source becomes familiar to the subject."""
        now, counters = store.lock(list(ticket.buckets.values()))
        settled = self.policy.succeeded({scope: counters[key] for scope, key in ticket.buckets.items()}, now)
        store.write({ticket.buckets[scope]: counter for scope, counter in settled.items()})
        store.remember_familiar(ticket.pair)

    def failed(self, store: ThrottleStore, ticket: Ticket) -> int:
        """The password was wrong: the charge stays. Returns the seconds the next such attempt must wait."""
        now, counters = store.read(list(ticket.buckets.values()))
        wait = self.policy.wait_after_failure({scope: counters[key] for scope, key in ticket.buckets.items()}, now)
        return math.ceil(wait)
