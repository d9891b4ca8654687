"""In-memory repositories and unit of work for identity's use-case tests (cosmicpython's `FakeRepository` habit),
and a `FakeSecrets` whose "hashes" and "seals" are readable, so a test sees what would be stored."""
from __future__ import annotations

import dataclasses

from ekinerja_platform.testing_uow import FakeUnitOfWork
from identity.application import ports
from identity.domain.throttle import Counter


class FakeAuditLog(ports.AuditLog):
    def __init__(self):
        self.records: list[dict] = []

    def record(self, *, actor, action, target=None, source=None, correlation_id=None, **detail):
        self.records.append({"actor": actor, "action": action, "target": target, **detail})

    def actions(self) -> list[str]:
        return [r["action"] for r in self.records]


class FakeSecrets(ports.PhoneSecrets):
    def lookup(self, e164):
        return f"hash:{e164}".encode()

    def code_hash(self, registration_id, code):
        return f"code:{registration_id}:{code}".encode()

    def code_matches(self, stored, registration_id, code):
        return bytes(stored) == self.code_hash(registration_id, code)

    def seal(self, e164, nip):
        return f"sealed:{nip}:{e164}"

    def open(self, sealed, nip):
        _, owner, e164 = sealed.split(":")
        assert owner == nip, "a seal opens only for its own NIP"
        return e164


class FakePhoneStore(ports.PhoneStore):
    def __init__(self, employees: dict[str, str]):
        self.employees = employees            # nip -> instansi_id
        self.pending: dict[str, ports.PendingPhone] = {}   # by nip
        self.verified: dict[str, ports.VerifiedPhone] = {}  # by nip
        self.hashes: dict[str, bytes] = {}    # nip -> verified number's hash
        self.sent: list[tuple[str, bytes, object]] = []
        self.clock = None                      # the instant `note_code_sent` stamps (the test's `now`)

    def instansi_of(self, nip):
        return self.employees.get(nip)

    def owner_other_than(self, phone_hash, nip):
        return next((owner for owner, h in self.hashes.items() if h == phone_hash and owner != nip), None)

    def codes_sent_since(self, since, *, nip=None, phone_hash=None):
        return sum(1 for n, h, at in self.sent if at > since and (n == nip if nip is not None else h == phone_hash))

    def note_code_sent(self, nip, phone_hash):
        self.sent.append((nip, phone_hash, self.clock))

    def save_pending(self, pending):
        self.pending[pending.nip] = pending

    def pending_for_number(self, phone_hash):
        return [p for p in self.pending.values() if p.phone_hash == phone_hash]

    def pending_of(self, nip):
        return self.pending.get(nip)

    def count_wrong_guess(self, ids):
        for nip, p in list(self.pending.items()):
            if p.id in ids:
                self.pending[nip] = dataclasses.replace(p, attempts=p.attempts + 1)

    def verify(self, pending, verified_at):
        self.verified[pending.nip] = ports.VerifiedPhone(pending.nip, pending.phone_sealed)
        self.hashes[pending.nip] = pending.phone_hash
        del self.pending[pending.nip]

    def verified_of(self, nip):
        return self.verified.get(nip)

    def remove(self, nip):
        removed = int(self.verified.pop(nip, None) is not None) + int(self.pending.pop(nip, None) is not None)
        self.hashes.pop(nip, None)
        return removed


class FakeThrottleStore(ports.ThrottleStore):
    """Buckets in a dict; `now` is the store's clock (a test moves it); `locks` counts the locking reads."""

    def __init__(self, now):
        self.now = now
        self.buckets: dict[str, Counter] = {}
        self.familiar: dict[str, object] = {}
        self.locks = 0

    def read(self, keys):
        return self.now, {key: self.buckets.get(key, Counter()) for key in keys}

    def lock(self, keys):
        self.locks += 1
        return self.read(keys)

    def write(self, counters):
        self.buckets.update(counters)

    def is_familiar(self, pair, familiar_for):
        return pair in self.familiar and self.now - self.familiar[pair] < familiar_for

    def remember_familiar(self, pair):
        self.familiar[pair] = self.now


class FakeAssignmentVersions(ports.AssignmentVersions):
    def __init__(self, start: dict[str, int] | None = None):
        self.current = dict(start or {})

    def take(self, counts):
        before = {nip: self.current.get(nip, 0) for nip in counts}
        for nip, n in counts.items():
            self.current[nip] = before[nip] + n
        return before


class FakeIdentityUnitOfWork(FakeUnitOfWork, ports.IdentityUnitOfWork):
    def __init__(self, employees: dict[str, str] | None = None, now=None):
        super().__init__()
        self.audit = FakeAuditLog()
        self.phones = FakePhoneStore(employees or {})
        self.throttle = FakeThrottleStore(now)
        self.assignment_versions = FakeAssignmentVersions()
