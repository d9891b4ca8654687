"""What identity's converted use cases need from outside, as plain values and abstract ports; `adapters/`
implements them on PostgreSQL (`adapters/unit_of_work.py`) and with real keys (`adapters/phone_vault.py`), the unit
tests in memory (`tests/identity_fakes.py`).
"""
from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from ekinerja_platform.unit_of_work import Event, UnitOfWork

from ..domain.organisation import SupervisorChain
from ..domain.throttle import Counter
from .org_view import AssignmentRow, OrgView


class AuditLog(abc.ABC):
    @abc.abstractmethod
    def record(self, *, actor: str, action: str, target: str | None = None, source: str | None = None,
               correlation_id: str | None = None, **detail) -> None:
        """Who did what to what (DESIGN §6), in the unit's transaction."""


class PhoneSecrets(abc.ABC):
    """Keyed hashes and sealing of numbers and codes (`adapters/phone_vault.py`): nothing stored in clear."""

    @abc.abstractmethod
    def lookup(self, e164: str) -> bytes: ...

    @abc.abstractmethod
    def code_hash(self, registration_id: str, code: str) -> bytes: ...

    @abc.abstractmethod
    def code_matches(self, stored: bytes, registration_id: str, code: str) -> bool: ...

    @abc.abstractmethod
    def seal(self, e164: str, nip: str) -> str: ...

    @abc.abstractmethod
    def open(self, sealed: str, nip: str) -> str: ...


@dataclass(frozen=True)
class PendingPhone:
    """A registration waiting for its code to come back."""

    id: str
    nip: str
    phone_hash: bytes
    phone_sealed: str
    code_hash: bytes
    expires_at: dt.datetime
    attempts: int


@dataclass(frozen=True)
class VerifiedPhone:
    nip: str
    phone_sealed: str


class PhoneStore(abc.ABC):
    """Employees' numbers: pending registrations, verified numbers and the log of codes sent."""

    @abc.abstractmethod
    def instansi_of(self, nip: str) -> str | None:
        """The employee's instansi, None when there is no such employee; their row locked (key share) so their
        concurrent registrations count one after the other."""

    @abc.abstractmethod
    def owner_other_than(self, phone_hash: bytes, nip: str) -> str | None:
        """The NIP of another employee whose verified number this is, if any."""

    @abc.abstractmethod
    def owner_of(self, phone_hash: bytes) -> str | None:
        """The NIP of the employee whose verified number this is, if any."""

    @abc.abstractmethod
    def codes_sent_since(self, since: dt.datetime, *, nip: str | None = None,
                         phone_hash: bytes | None = None) -> int: ...

    @abc.abstractmethod
    def note_code_sent(self, nip: str, phone_hash: bytes) -> None: ...

    @abc.abstractmethod
    def save_pending(self, pending: PendingPhone) -> None:
        """One pending code per employee: replaces the employee's previous one (and its number)."""

    @abc.abstractmethod
    def pending_for_number(self, phone_hash: bytes) -> list[PendingPhone]:
        """Pending registrations of a number, oldest first, locked."""

    @abc.abstractmethod
    def pending_of(self, nip: str) -> PendingPhone | None: ...

    @abc.abstractmethod
    def count_wrong_guess(self, ids: list[str]) -> None:
        """One more attempt on each of these pending registrations."""

    @abc.abstractmethod
    def verify(self, pending: PendingPhone, verified_at: dt.datetime) -> None:
        """The pending number becomes the employee's verified one (replacing the old) and the pending row goes."""

    @abc.abstractmethod
    def verified_of(self, nip: str) -> VerifiedPhone | None: ...

    @abc.abstractmethod
    def remove(self, nip: str) -> int:
        """Delete the employee's verified number and pending code; how many rows went."""


class ThrottleStore(abc.ABC):
    """The login throttle's buckets (`domain/throttle.py`), by key; times are the store's clock, so every replica
    judges a bucket by the same clock."""

    @abc.abstractmethod
    def read(self, keys: list[str]) -> tuple[dt.datetime, dict[str, Counter]]:
        """The buckets as they are now, unlocked (a missing one is empty), and the store's time."""

    @abc.abstractmethod
    def lock(self, keys: list[str]) -> tuple[dt.datetime, dict[str, Counter]]:
        """The buckets locked until the unit ends (in key order: never a deadlock), and the time after the locks."""

    @abc.abstractmethod
    def write(self, counters: dict[str, Counter]) -> None:
        """Store the counters of locked buckets."""

    @abc.abstractmethod
    def is_familiar(self, pair: str, familiar_for: dt.timedelta) -> bool:
        """Whether this (subject, source) pair logged in successfully within `familiar_for`."""

    @abc.abstractmethod
    def remember_familiar(self, pair: str) -> None: ...


class AssignmentVersions(abc.ABC):
    """Each employee's `assignment_changed` version counter (consumers keep the newest)."""

    @abc.abstractmethod
    def take(self, counts: Mapping[str, int]) -> dict[str, int]:
        """Reserve `counts[nip]` versions per NIP at once; returns the last version before them."""


class OrgSnapshot(Protocol):
    """(Part of) one instansi's positions and assignments in memory (`adapters.repository.OrgView`)."""

    @property
    def instansi_id(self) -> str: ...

    @property
    def by_jabatan(self) -> Mapping[str, list]: ...

    def children(self) -> dict[str, list[str]]: ...

    def chain(self, nip: str, on: dt.date) -> SupervisorChain | None: ...


class InstansiRow(Protocol):
    id: str
    nama: str
    kind: str


class UnitRow(Protocol):
    """A stored unit (the `unit` table's columns)."""

    id: str
    instansi_id: str
    nama: str
    parent_id: str | None


class JabatanRow(Protocol):
    """A stored position (the `jabatan` table's columns)."""

    id: str
    instansi_id: str
    unit_id: str
    nama: str
    kind: str
    job_group: str
    parent_id: str | None
    eselon: str | None
    jenjang: str | None
    jenis_jabatan: str | None
    version: int


class PegawaiRow(Protocol):
    """A stored employee (the `pegawai` table's columns the use cases read)."""

    nip: str
    instansi_id: str
    nama: str
    golongan: str
    status: str
    status_since: dt.date | None
    status_until: dt.date | None


class OrgStore(abc.ABC):
    """Instansi, units, positions, employees and assignments (`adapters/org_store.py`): the writes are set-based
    where a bulk import needs them to be (one statement per batch, never one per record)."""

    @abc.abstractmethod
    def lock_instansi(self, instansi_id: str) -> bool:
        """Lock the instansi row until the unit ends (writers of one agency go one at a time); False if absent."""

    @abc.abstractmethod
    def whole_view(self, instansi_id: str, *, with_assignments: bool = True) -> OrgView:
        """Every unit and position of the instansi, and (unless not wanted) every assignment and off-duty status."""

    @abc.abstractmethod
    def scoped_view(self, instansi_id: str, *, positions: Iterable[str] = (), subtrees: Iterable[str] = (),
                    nips: Iterable[str] = (), units: Iterable[str] = (), holders_of: Iterable[str] = (),
                    all_units: bool = False, with_assignments: bool = True) -> OrgView:
        """The part of the instansi one change can touch (`adapters.repository.OrgView.load_scoped`)."""

    @abc.abstractmethod
    def instansi(self, instansi_id: str) -> InstansiRow | None: ...

    @abc.abstractmethod
    def put_instansi(self, instansi_id: str, nama: str, kind: str) -> None: ...

    @abc.abstractmethod
    def instansi_after(self, after: str | None, limit: int) -> list[InstansiRow]:
        """Up to `limit` instansi by id, after `after`."""

    @abc.abstractmethod
    def lock_chains(self, instansi_id: str) -> None:
        """Serialise the writes that change supervisor chains in one instansi (a key-share lock of its row)."""

    @abc.abstractmethod
    def pegawai(self, nip: str, *, for_update: bool = False) -> PegawaiRow | None: ...

    @abc.abstractmethod
    def names(self, *, instansi_id: str | None = None, nips: Iterable[str] = ()) -> dict[str, str]:
        """NIP -> nama of every employee of the instansi, or of these NIPs."""

    @abc.abstractmethod
    def pegawai_after(self, instansi_id: str, after: str, limit: int, *, unit_id: str = "",
                      on: dt.date | None = None) -> tuple[list[PegawaiRow], int]:
        """Up to `limit` employees by NIP after `after` (with `unit_id`: holding a position of that unit on `on`),
        and how many there are in all."""

    @abc.abstractmethod
    def set_status(self, nip: str, status: str, since: dt.date, until: dt.date | None) -> None: ...

    @abc.abstractmethod
    def assignments_of(self, nip: str) -> list[AssignmentRow]:
        """Every assignment of the employee, by start."""

    @abc.abstractmethod
    def assignment(self, assignment_id: Any) -> AssignmentRow | None: ...

    @abc.abstractmethod
    def add_assignment(self, instansi_id: str, row: AssignmentRow) -> None: ...

    @abc.abstractmethod
    def set_assignment_end(self, assignment_id: Any, end: dt.date | None) -> None: ...

    @abc.abstractmethod
    def bump_version(self, nip: str) -> int:
        """The employee's next `assignment_changed` version, taken."""

    @abc.abstractmethod
    def positions_held_by(self, nips: Iterable[str]) -> set[str]:
        """The positions these employees hold or held, on any date."""

    @abc.abstractmethod
    def unit(self, unit_id: str) -> UnitRow | None: ...

    @abc.abstractmethod
    def put_unit(self, instansi_id: str, unit_id: str, nama: str, parent_id: str | None) -> UnitRow:
        """Create or update the unit; returns it as stored."""

    @abc.abstractmethod
    def jabatan(self, jabatan_id: str) -> JabatanRow | None: ...

    @abc.abstractmethod
    def put_jabatan(self, instansi_id: str, jabatan_id: str, values: Mapping[str, object]) -> JabatanRow:
        """Create the position, or update it with its `version` one higher; returns it as stored."""

    @abc.abstractmethod
    def pegawai_locked(self, nips: list[str]) -> dict[str, PegawaiRow]:
        """The stored employees among `nips`, their rows locked until the unit ends."""

    @abc.abstractmethod
    def put_pegawai(self, instansi_id: str, rows: list[dict], today: dt.date) -> None:
        """Create or update employees (dicts of nip, nama, golongan, status) in one statement; a changed status
        holds from `today` with no end."""

    @abc.abstractmethod
    def assignment_versions(self, nips: list[str]) -> dict[str, int]:
        """Each employee's current `assignment_changed` version."""

    @abc.abstractmethod
    def set_assignment_versions(self, versions: Mapping[str, int]) -> None: ...

    @abc.abstractmethod
    def end_assignments(self, ends: list[tuple[object, dt.date]]) -> None:
        """Set the end date of these assignments (by id), in one statement."""

    @abc.abstractmethod
    def add_assignments(self, instansi_id: str, rows: list[AssignmentRow]) -> None:
        """Insert these new assignments, in one statement."""

    @abc.abstractmethod
    def savepoint(self) -> AbstractContextManager:
        """A nested transaction: a record that fails inside it leaves the unit's other writes in place."""


class AccountRow(Protocol):
    """A stored account (the `account` table's columns)."""

    id: Any
    login: str
    nip: str | None
    password_hash: str
    roles: list[str]
    instansi_id: str | None
    kelompok: list[str]
    disabled: bool


class ApiClientRow(Protocol):
    client_id: str
    instansi_id: str
    scopes: list[str]
    secret_hash: str
    disabled: bool


class RefreshRow(Protocol):
    id: Any
    account_id: Any
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


class AccountStore(abc.ABC):
    """Accounts, API clients, refresh tokens (only their SHA-256 stored) and failed sign-ins
    (`adapters/account_store.py`)."""

    @abc.abstractmethod
    def by_login(self, login_name: str) -> AccountRow | None:
        """The account whose login or NIP is `login_name`."""

    @abc.abstractmethod
    def by_id(self, account_id: Any) -> AccountRow: ...

    @abc.abstractmethod
    def login_only(self, login: str) -> AccountRow | None:
        """The account whose login (not NIP) is `login`."""

    @abc.abstractmethod
    def enabled_for_nip(self, nip: str) -> AccountRow | None: ...

    @abc.abstractmethod
    def exists(self, login_name: str, nip: str | None) -> bool:
        """Whether an account has this login, or (given) this NIP."""

    @abc.abstractmethod
    def add(self, *, login: str, nip: str | None, password_hash: str, roles: list[str], instansi_id: str | None,
            kelompok: list[str]) -> None: ...

    @abc.abstractmethod
    def set_password(self, account_id: Any, password_hash: str) -> None: ...

    @abc.abstractmethod
    def employee_instansi(self, nip: str) -> str | None:
        """The instansi of the employee with this NIP; None when there is no such employee."""

    @abc.abstractmethod
    def own_job_group(self, nip: str, on: dt.date) -> str | None:
        """The job group of the employee's definitive position on `on` (the latest begun), if any."""

    @abc.abstractmethod
    def instansi_exists(self, instansi_id: str) -> bool: ...

    @abc.abstractmethod
    def note_failure(self, account_key: str, source: str) -> None:
        """A failed password or secret check (keyed hash of the login as typed, the client's address)."""

    @abc.abstractmethod
    def add_refresh(self, account_id: Any, token_hash: bytes, expires_at: dt.datetime) -> None: ...

    @abc.abstractmethod
    def refresh_locked(self, token_hash: bytes) -> RefreshRow | None:
        """The refresh token with this hash, locked until the unit ends."""

    @abc.abstractmethod
    def revoke_refresh(self, refresh_id: Any, at: dt.datetime) -> None: ...

    @abc.abstractmethod
    def revoke_all(self, account_id: Any, at: dt.datetime | None = None) -> None:
        """Revoke every live refresh token of the account (at the store's clock when `at` is None)."""

    @abc.abstractmethod
    def revoke_by_hash(self, token_hash: bytes) -> Any | None:
        """Revoke the live refresh token with this hash; its account id, None when there was none."""

    @abc.abstractmethod
    def api_client(self, client_id: str) -> ApiClientRow | None: ...

    @abc.abstractmethod
    def add_api_client(self, *, client_id: str, name: str, instansi_id: str, scopes: list[str],
                       secret_hash: str) -> None: ...


class Passwords(abc.ABC):
    """Password and client-secret hashes (`adapters/passwords.py`, Argon2id)."""

    @abc.abstractmethod
    def hash(self, secret: str) -> str: ...

    @abc.abstractmethod
    def verify(self, stored_hash: str, secret: str) -> bool: ...

    @abc.abstractmethod
    def check(self, rpc: str, stored_hash: str | None, secret: str, *, usable: bool) -> bool:
        """One counted check; an unknown or disabled subject (`usable` False, no hash) costs the same and fails."""


class SigningKeys(Protocol):
    """The token-signing key ring (`adapters.keys.KeyRing`)."""

    def active(self) -> Any:
        """The key that signs now (`kid`, `private_key`)."""

    def rotate(self) -> str: ...

    def prune(self) -> Any: ...

    def published(self) -> list: ...


class IdentityUnitOfWork(UnitOfWork):
    """The unit of work identity's converted use cases take: the platform's port plus identity's repositories."""

    audit: AuditLog
    phones: PhoneStore
    throttle: ThrottleStore
    assignment_versions: AssignmentVersions
    org: OrgStore
    accounts: AccountStore

    def record_all(self, events: list[Event]) -> int:
        """Record many events at once (the SQL unit writes them with one COPY); returns how many."""
        for event in events:
            self.record(event)
        return len(events)
