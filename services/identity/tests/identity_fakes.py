"""In-memory repositories and unit of work for identity's use-case tests (cosmicpython's `FakeRepository` habit),
and a `FakeSecrets` whose "hashes" and "seals" are readable, so a test sees what would be stored."""
from __future__ import annotations

import contextlib
import dataclasses
from types import SimpleNamespace

from ekinerja_platform.testing_uow import FakeUnitOfWork
from identity.application import ports
from identity.application.org_view import AssignmentRow, OrgView
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

    def owner_of(self, phone_hash):
        return next((owner for owner, h in self.hashes.items() if h == phone_hash), None)

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


class FakeOrgStore(ports.OrgStore):
    """The organisation tables as dicts of plain rows. Its views are always the whole instansi (a superset of any
    scoped one); `scopes` keeps what each scoped read asked for, `writes` counts the set-based statements."""

    def __init__(self, instansi=()):
        self.instansi_ids = set(instansi)
        self.units: dict[str, SimpleNamespace] = {}
        self.jabatan_rows: dict[str, SimpleNamespace] = {}
        self.pegawai_rows: dict[str, SimpleNamespace] = {}
        self.instansi_names: dict[str, str] = {}
        self.assignments: dict[object, tuple[str, AssignmentRow]] = {}  # id -> (instansi_id, row)
        self.locked: list[str] = []
        self.scopes: list[dict] = []
        self.writes: list[str] = []

    def lock_instansi(self, instansi_id):
        self.locked.append(instansi_id)
        return instansi_id in self.instansi_ids

    def whole_view(self, instansi_id, *, with_assignments=True):
        view = OrgView(instansi_id)
        view.units = {k: u for k, u in self.units.items() if u.instansi_id == instansi_id}
        for row in self.jabatan_rows.values():
            if row.instansi_id == instansi_id:
                view.put_jabatan(row)
        for owner, row in self.assignments.values():
            if owner == instansi_id and with_assignments:
                view.add_assignment(dataclasses.replace(row))
        for p in self.pegawai_rows.values():
            if p.instansi_id == instansi_id and p.status != "aktif":
                view.set_status(p.nip, p.status, p.status_since, p.status_until)
        return view

    def scoped_view(self, instansi_id, **scope):
        self.scopes.append(scope)
        return self.whole_view(instansi_id)

    def positions_held_by(self, nips):
        nips = set(nips)
        return {row.jabatan_id for _, row in self.assignments.values() if row.nip in nips}

    def unit(self, unit_id):
        return self.units.get(unit_id)

    def put_unit(self, instansi_id, unit_id, nama, parent_id):
        self.units[unit_id] = SimpleNamespace(id=unit_id, instansi_id=instansi_id, nama=nama, parent_id=parent_id)
        return self.units[unit_id]

    def jabatan(self, jabatan_id):
        return self.jabatan_rows.get(jabatan_id)

    def put_jabatan(self, instansi_id, jabatan_id, values):
        old = self.jabatan_rows.get(jabatan_id)
        self.jabatan_rows[jabatan_id] = SimpleNamespace(id=jabatan_id, instansi_id=instansi_id, **values,
                                                        version=old.version + 1 if old else 1)
        return self.jabatan_rows[jabatan_id]

    def pegawai_locked(self, nips):
        return {nip: SimpleNamespace(**vars(self.pegawai_rows[nip])) for nip in nips if nip in self.pegawai_rows}

    def put_pegawai(self, instansi_id, rows, today):
        self.writes.append("pegawai")
        for r in rows:
            old = self.pegawai_rows.get(r["nip"])
            same_status = old is not None and old.status == r["status"]
            self.pegawai_rows[r["nip"]] = SimpleNamespace(
                nip=r["nip"], instansi_id=instansi_id, nama=r["nama"], golongan=r["golongan"], status=r["status"],
                status_since=old.status_since if same_status else (today if old else None),
                status_until=old.status_until if same_status else None,
                assignment_version=old.assignment_version if old else 0)

    def assignment_versions(self, nips):
        return {nip: self.pegawai_rows[nip].assignment_version for nip in nips if nip in self.pegawai_rows}

    def set_assignment_versions(self, versions):
        self.writes.append("versions")
        for nip, version in versions.items():
            self.pegawai_rows[nip].assignment_version = version

    def end_assignments(self, ends):
        self.writes.append("end")
        for assignment_id, end in ends:
            owner, row = self.assignments[assignment_id]
            self.assignments[assignment_id] = (owner, dataclasses.replace(row, end=end))

    def add_assignments(self, instansi_id, rows):
        self.writes.append("assign")
        for row in rows:
            self.assignments[row.id] = (instansi_id, dataclasses.replace(row))

    def savepoint(self):
        return contextlib.nullcontext()

    # -- the organisation RPCs' reads and single writes
    def instansi_row(self, instansi_id):
        return SimpleNamespace(id=instansi_id, nama=self.instansi_names.get(instansi_id, instansi_id), kind="kota")

    def instansi(self, instansi_id):
        return self.instansi_row(instansi_id) if instansi_id in self.instansi_ids else None

    def put_instansi(self, instansi_id, nama, kind):
        self.instansi_ids.add(instansi_id)
        self.instansi_names[instansi_id] = nama

    def instansi_after(self, after, limit):
        return [self.instansi_row(i) for i in sorted(self.instansi_ids) if after is None or i > after][:limit]

    def lock_chains(self, instansi_id):
        self.locked.append(instansi_id)

    def pegawai(self, nip, *, for_update=False):
        row = self.pegawai_rows.get(nip)
        return SimpleNamespace(**vars(row)) if row is not None else None  # a snapshot, as a SQL row is

    def names(self, *, instansi_id=None, nips=()):
        nips = set(nips)
        return {p.nip: p.nama for p in self.pegawai_rows.values()
                if (p.instansi_id == instansi_id if instansi_id is not None else p.nip in nips)}

    def pegawai_after(self, instansi_id, after, limit, *, unit_id="", on=None):
        rows = sorted((p for p in self.pegawai_rows.values() if p.instansi_id == instansi_id), key=lambda p: p.nip)
        if unit_id:
            held = {row.nip for _, row in self.assignments.values()
                    if self.jabatan_rows[row.jabatan_id].unit_id == unit_id and row.covers(on)}
            rows = [p for p in rows if p.nip in held]
        return [p for p in rows if p.nip > after][:limit], len(rows)

    def set_status(self, nip, status, since, until):
        p = self.pegawai_rows[nip]
        p.status, p.status_since, p.status_until = status, since, until

    def assignments_of(self, nip):
        return sorted((dataclasses.replace(row) for _, row in self.assignments.values() if row.nip == nip),
                      key=lambda a: a.start)

    def assignment(self, assignment_id):
        found = self.assignments.get(assignment_id)
        return dataclasses.replace(found[1]) if found else None

    def add_assignment(self, instansi_id, row):
        self.add_assignments(instansi_id, [row])

    def set_assignment_end(self, assignment_id, end):
        self.end_assignments([(assignment_id, end)])

    def bump_version(self, nip):
        self.pegawai_rows[nip].assignment_version += 1
        return self.pegawai_rows[nip].assignment_version

    def held(self, nip):
        """(jabatan_id, start, end) of every stored assignment of `nip`, by start."""
        return sorted((row.jabatan_id, row.start, row.end) for _, row in self.assignments.values() if row.nip == nip)


class FakeAccountStore(ports.AccountStore):
    """Accounts, API clients and refresh tokens as plain rows; `employees` maps NIP -> (instansi, job group)."""

    def __init__(self, now=None):
        self.now = now                      # the store's clock (revocations without an explicit instant)
        self.rows: dict[str, SimpleNamespace] = {}   # by login
        self.clients: dict[str, SimpleNamespace] = {}
        self.refresh: dict[bytes, SimpleNamespace] = {}  # by token hash
        self.failures: list[tuple[str, str]] = []
        self.employees: dict[str, tuple[str, str | None]] = {}
        self.instansi: set[str] = set()

    def by_login(self, login_name):
        return next((r for r in self.rows.values() if login_name in (r.login, r.nip)), None)

    def by_id(self, account_id):
        return next(r for r in self.rows.values() if r.id == account_id)

    def login_only(self, login):
        return self.rows.get(login)

    def enabled_for_nip(self, nip):
        return next((r for r in self.rows.values() if r.nip == nip and not r.disabled), None)

    def exists(self, login_name, nip):
        return any(r.login == login_name or (nip and r.nip == nip) for r in self.rows.values())

    def add(self, *, login, nip, password_hash, roles, instansi_id, kelompok, disabled=False):
        self.rows[login] = SimpleNamespace(id=f"acc-{len(self.rows) + 1}", login=login, nip=nip,
                                           password_hash=password_hash, roles=list(roles), instansi_id=instansi_id,
                                           kelompok=list(kelompok), disabled=disabled)
        return self.rows[login]

    def set_password(self, account_id, password_hash):
        self.by_id(account_id).password_hash = password_hash

    def employee_instansi(self, nip):
        return self.employees[nip][0] if nip in self.employees else None

    def own_job_group(self, nip, on):
        return self.employees[nip][1] if nip in self.employees else None

    def instansi_exists(self, instansi_id):
        return instansi_id in self.instansi

    def note_failure(self, account_key, source):
        self.failures.append((account_key, source))

    def add_refresh(self, account_id, token_hash, expires_at):
        self.refresh[token_hash] = SimpleNamespace(id=f"rt-{len(self.refresh) + 1}", account_id=account_id,
                                                   expires_at=expires_at, revoked_at=None)

    def refresh_locked(self, token_hash):
        return self.refresh.get(token_hash)

    def revoke_refresh(self, refresh_id, at):
        next(t for t in self.refresh.values() if t.id == refresh_id).revoked_at = at

    def revoke_all(self, account_id, at=None):
        for t in self.refresh.values():
            if t.account_id == account_id and t.revoked_at is None:
                t.revoked_at = at or self.now

    def revoke_by_hash(self, token_hash):
        token = self.refresh.get(token_hash)
        if token is None or token.revoked_at is not None:
            return None
        token.revoked_at = self.now
        return token.account_id

    def api_client(self, client_id):
        return self.clients.get(client_id)

    def add_api_client(self, *, client_id, name, instansi_id, scopes, secret_hash, disabled=False):
        self.clients[client_id] = SimpleNamespace(client_id=client_id, name=name, instansi_id=instansi_id,
                                                  scopes=list(scopes), secret_hash=secret_hash, disabled=disabled)
        return self.clients[client_id]

    def live_tokens(self, account_id):
        return [t for t in self.refresh.values() if t.account_id == account_id and t.revoked_at is None]


class FakePasswords(ports.Passwords):
    """Readable "hashes"; `checks` lists (rpc, ok) of every counted check, as the real one's metric does."""

    def __init__(self):
        self.checks: list[tuple[str, bool]] = []

    def hash(self, secret):
        return f"hashed:{secret}"

    def verify(self, stored_hash, secret):
        return stored_hash == self.hash(secret)

    def check(self, rpc, stored_hash, secret, *, usable):
        ok = self.verify(stored_hash or "dummy", secret) and usable
        self.checks.append((rpc, ok))
        return ok


class FakeIdentityUnitOfWork(FakeUnitOfWork, ports.IdentityUnitOfWork):
    def __init__(self, employees: dict[str, str] | None = None, now=None):
        super().__init__()
        self.audit = FakeAuditLog()
        self.phones = FakePhoneStore(employees or {})
        self.throttle = FakeThrottleStore(now)
        self.assignment_versions = FakeAssignmentVersions()
        self.org = FakeOrgStore()
        self.accounts = FakeAccountStore(now)
