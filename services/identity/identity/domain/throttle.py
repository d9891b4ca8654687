"""How failed logins slow down further guesses without letting anyone lock the owner out.

Every attempt (a password for `Login`, a secret for `ClientToken`) is counted in a few *buckets* before its password
is checked: the check is the expensive part (Argon2) and the guess is what an attacker wants, so a bucket that says
"wait" refuses the attempt before either happens. A bucket lets `free` attempts through without waiting; after
that each further attempt makes the next one wait twice as long as the last, from `first_wait` up to `max_wait`
(never a fixed lockout). A bucket with no attempt for `forget_after` seconds starts again from zero.

The buckets an attempt is counted in (`Scope`):
- SAME_SOURCE: this account from this address. Bounds one guesser at one place; the owner at that place shares it.
- ACCOUNT: this account from every address it has not logged in from recently (`familiar_for`). Bounds a
  distributed attack on one account. An address the owner logged in from before is *familiar* and is not counted
  here, so nobody elsewhere can slow the owner down at a place it used before.
- SOURCE: this address, every account. Bounds credential stuffing from one place. Familiar attempts are not counted
  here either (they already proved to know that account's password from that place).

An attempt is *charged* (counted as a failure) when it is admitted and *refunded* when its password turns out
right, so concurrent attempts can never get more checks than a bucket allows: the charge happens atomically, one
attempt at a time, before any password is checked. A refusal charges nothing. A success clears SAME_SOURCE and
gives back its own charge elsewhere (other people's failures in a shared bucket still count).

Standard library only; the caller supplies the clock (the database's, so every replica agrees).
"""
from __future__ import annotations

import datetime as dt
import enum
import math
from dataclasses import dataclass, field, replace
from typing import Mapping


class Scope(str, enum.Enum):
    SAME_SOURCE = "same_source"
    ACCOUNT = "account"
    SOURCE = "source"


@dataclass(frozen=True)
class Backoff:
    """The waits of one kind of bucket: `free` attempts, then waits doubling from `first_wait` to `max_wait`."""

    free: int
    first_wait: float
    max_wait: float
    forget_after: float

    def __post_init__(self):
        if self.free < 1 or self.first_wait <= 0 or self.max_wait < self.first_wait:
            raise ValueError("a backoff needs free >= 1 and 0 < first_wait <= max_wait")
        if self.forget_after <= self.max_wait:
            # otherwise sitting out the longest wait would also wipe the count and give the free attempts back
            raise ValueError("forget_after must be longer than max_wait")

    def wait_after(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th counted attempt (0 while free attempts remain)."""
        if attempts < self.free:
            return 0.0
        doublings = attempts - self.free
        if doublings >= 64 or self.first_wait * 2 ** doublings >= self.max_wait:
            return self.max_wait
        return self.first_wait * 2 ** doublings


@dataclass(frozen=True)
class Counter:
    """The state of one bucket: attempts counted, the time before which it refuses, its last counted attempt."""

    attempts: int = 0
    blocked_until: dt.datetime | None = None
    last_attempt_at: dt.datetime | None = None

    def current(self, rule: Backoff, now: dt.datetime) -> "Counter":
        """This counter as of `now`: forgotten when idle for longer than the rule remembers."""
        if self.last_attempt_at is None or (now - self.last_attempt_at).total_seconds() >= rule.forget_after:
            return Counter()
        return self

    def wait(self, rule: Backoff, now: dt.datetime) -> float:
        """Seconds before this bucket admits an attempt (0: it admits one now)."""
        counter = self.current(rule, now)
        if counter.blocked_until is None:
            return 0.0
        return max(0.0, (counter.blocked_until - now).total_seconds())

    def charged(self, rule: Backoff, now: dt.datetime) -> "Counter":
        attempts = self.current(rule, now).attempts + 1
        return Counter(attempts, now + dt.timedelta(seconds=rule.wait_after(attempts)), now)

    def refunded(self, rule: Backoff, now: dt.datetime) -> "Counter":
        """Give one charge back (the attempt was right); never lengthens the current wait."""
        counter = self.current(rule, now)
        attempts = max(0, counter.attempts - 1)
        until = now + dt.timedelta(seconds=rule.wait_after(attempts))
        if counter.blocked_until is not None:
            until = min(until, counter.blocked_until)
        return replace(counter, attempts=attempts, blocked_until=until)


@dataclass(frozen=True)
class Admission:
    """The answer for one attempt: admitted (with the counters to store) or refused for `retry_after` seconds."""

    admitted: bool
    counters: Mapping[Scope, Counter] = field(default_factory=dict)
    retry_after: float = 0.0
    limited_by: Scope | None = None

    @property
    def retry_after_seconds(self) -> int:
        """The wait as whole seconds, rounded up, at least 1 for a refusal (what a client is told)."""
        return max(1, math.ceil(self.retry_after)) if not self.admitted else 0


@dataclass(frozen=True)
class ThrottlePolicy:
    """The three buckets' rules and how long a successful login makes its address familiar."""

    same_source: Backoff
    account: Backoff
    source: Backoff
    familiar_for: dt.timedelta = dt.timedelta(days=30)

    def rule(self, scope: Scope) -> Backoff:
        return {Scope.SAME_SOURCE: self.same_source, Scope.ACCOUNT: self.account, Scope.SOURCE: self.source}[scope]

    @staticmethod
    def scopes(familiar: bool) -> tuple[Scope, ...]:
        """The buckets an attempt is counted in: an address familiar to the account is counted only for itself."""
        return (Scope.SAME_SOURCE,) if familiar else (Scope.SAME_SOURCE, Scope.ACCOUNT, Scope.SOURCE)

    def admit(self, counters: Mapping[Scope, Counter], now: dt.datetime) -> Admission:
        """Charge every bucket, or none when one of them asks to wait (the longest wait is reported)."""
        waits = {scope: counter.wait(self.rule(scope), now) for scope, counter in counters.items()}
        longest = max(waits, key=lambda scope: waits[scope], default=None)
        if longest is not None and waits[longest] > 0:
            return Admission(False, retry_after=waits[longest], limited_by=longest)
        return Admission(True, {scope: counter.charged(self.rule(scope), now) for scope, counter in counters.items()})

    def succeeded(self, counters: Mapping[Scope, Counter], now: dt.datetime) -> dict[Scope, Counter]:
        """After a right password: the same-source bucket starts again; the shared ones give the charge back."""
        return {scope: Counter() if scope is Scope.SAME_SOURCE else counter.refunded(self.rule(scope), now)
                for scope, counter in counters.items()}

    def wait_after_failure(self, counters: Mapping[Scope, Counter], now: dt.datetime) -> float:
        """Seconds the next attempt like this one will have to wait (for the audit record of a failure)."""
        return max((counter.wait(self.rule(scope), now) for scope, counter in counters.items()), default=0.0)
