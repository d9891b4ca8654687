"""Tokens and accounts: login (rate-limited, audited), refresh (rotating, revocable), client credentials, accounts,
API clients, key rotation.

Passwords and client secrets are Argon2id hashes (`ports.Passwords`); refresh tokens are random strings of which only
the SHA-256 is stored. Every password or secret attempt passes the throttle first (`application/throttle.py`, rules
in `domain/throttle.py`): counted per account (a keyed hash of the login as typed, so unknown names count exactly
like known ones) and client address, growing waits instead of a lockout, RESOURCE_EXHAUSTED with the time to wait.

`Auth` holds what every call needs (a way to open a unit of work, the key ring, the hasher, the token settings,
the caller's address); a sign-in reads in one unit and writes in another, so the slow hash check holds no
transaction open. The idempotent writes (`create_account`, `create_api_client`) are split: checks and hashing
first (`prepare_*`), then the write in the unit the entrypoint opens for the idempotency key.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ekinerja_platform import clock
from ekinerja_platform.domain_errors import (
    AlreadyExists,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    quote,
)
from ekinerja_platform.logs import hash_nip
from ekinerja_platform.tokens import Principal, issue_token
from ekinerja_rules.nip import check_nip, normalize_nip

from ..domain.organisation import JobGroup
from ..domain.phone import normalize_phone
from ..domain.throttle import ThrottlePolicy
from . import policy
from .common import actor_of
from .ports import AccountRow, AccountStore, IdentityUnitOfWork, Passwords, PhoneSecrets, SigningKeys
from .throttle import LoginThrottle

ACCOUNT_ROLES = {"pegawai", "admin_instansi", "admin_bkn", "operator", "expert"}
# Every scope an API client may be given: each one some service checks (identity's own, des's bulk import, recap's
# agency read). tests/contracts/test_client_scopes.py derives the checked ones from the services' policies and fails
# when a service checks a scope missing here.
SCOPES = frozenset({"pegawai:read", "pegawai:write", "org:read", "org:write", "des:import", "recap:read",
                    "sms:bridge"})
_LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
MIN_PASSWORD = 10


class TokenSettings(Protocol):
    """What the use cases read of identity's settings (`identity.settings.IdentitySettings`)."""

    access_ttl_seconds: int
    refresh_ttl_seconds: int
    phone_token_ttl_seconds: int

    def throttle_policy(self) -> ThrottlePolicy: ...


@dataclass(frozen=True)
class Tokens:
    """An access token (and, for a person, a refresh token) with the claims it carries."""

    claims: dict
    access_token: str
    access_expires_at: int
    refresh_token: str = ""
    refresh_expires_at: int = 0
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewAccount:
    """`CreateAccount` as asked: roles, optional NIP or login, optional instansi, expert groups."""

    roles: list[str]
    nip: str = ""
    login: str = ""
    instansi_id: str = ""
    kelompok: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AccountPlan:
    """A checked `NewAccount` with its password hashed, ready to write."""

    login: str
    nip: str | None
    roles: list[str]
    instansi_id: str | None
    kelompok: list[str]
    password_hash: str


@dataclass(frozen=True)
class ApiClientPlan:
    client_id: str
    name: str
    instansi_id: str
    scopes: list[str]
    secret: str  # shown once, in the answer
    secret_hash: str


def _sha256(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def login_key(user: str) -> str:
    """The login as typed, normalised: a NIP without separators, else lower case."""
    text = (user or "").strip()
    compact = normalize_nip(text)
    if compact.isdigit():
        return compact
    return text.lower()


class Auth:
    """Sign-in and token use cases for one call (`source`: the client's address for the audit; `throttle_source`:
    what the throttle counts, an IPv6 /64 as one source)."""

    def __init__(self, open_unit: Callable[[], IdentityUnitOfWork], keys: SigningKeys, passwords: Passwords,
                 settings: TokenSettings, nip_hash_key: bytes, *, source: str = "unknown",
                 throttle_source: str = "unknown"):
        self.open_unit, self.keys, self.passwords = open_unit, keys, passwords
        self.settings, self.nip_hash_key = settings, nip_hash_key
        self.source, self.throttle_source = source, throttle_source

    def _throttle(self, rpc: str) -> LoginThrottle:
        return LoginThrottle(self.open_unit, self.settings.throttle_policy(), self.nip_hash_key, rpc)

    # -- tokens -----------------------------------------------------------------------------------------------------
    def _access_token(self, claims: dict, ttl_seconds: int | None = None) -> tuple[str, int]:
        key = self.keys.active()
        now = time.time()
        ttl = ttl_seconds or self.settings.access_ttl_seconds
        token = issue_token(key.private_key, key.kid, ttl_seconds=ttl, now=now, **claims)
        return token, int(now + ttl)

    @staticmethod
    def _claims(accounts: AccountStore, row: AccountRow) -> dict:
        instansi_id = row.instansi_id
        if row.nip:
            instansi_id = accounts.employee_instansi(row.nip) or instansi_id
        kelompok = list(row.kelompok)
        if row.nip and "expert" not in row.roles:
            # an employee's own job group (from its definitive position today), so snowman answers for its group;
            # for experts the claim lists the groups they answer for instead
            group = accounts.own_job_group(row.nip, clock.today())
            kelompok = [group] if group else []
        return {"subject": row.nip or row.login, "roles": list(row.roles), "instansi": instansi_id,
                "nip": row.nip, "kelompok": kelompok or None}

    def _tokens(self, accounts: AccountStore, row: AccountRow) -> Tokens:
        claims = self._claims(accounts, row)
        access, access_exp = self._access_token(claims)
        secret = secrets.token_urlsafe(32)
        expires = clock.now() + dt.timedelta(seconds=self.settings.refresh_ttl_seconds)
        accounts.add_refresh(row.id, _sha256(secret), expires)
        return Tokens(claims, access, access_exp, secret, int(expires.timestamp()))

    def login(self, user: str, password: str, *, correlation_id: str | None = None) -> Tokens:
        login_name = login_key(user)
        if not login_name:
            raise InvalidArgument("user: NIP or account name is required", field="user")
        if not password:
            raise InvalidArgument("password: is required", field="password")
        account_key = hash_nip(login_name, self.nip_hash_key)
        throttle = self._throttle("Login")
        ticket = throttle.admit(account_key, self.throttle_source)
        with self.open_unit() as uow:
            row = uow.accounts.by_login(login_name)
        ok = self.passwords.check("Login", row.password_hash if row else None, password,
                                  usable=row is not None and not row.disabled)
        with self.open_unit() as uow:
            if ok:
                assert row is not None
                throttle.succeeded(uow.throttle, ticket)
                uow.audit.record(actor=row.nip or row.login, action="login", source=self.source,
                                 correlation_id=correlation_id)
                return self._tokens(uow.accounts, row)
            wait = throttle.failed(uow.throttle, ticket)
            uow.accounts.note_failure(account_key, self.source)
            uow.audit.record(actor=account_key, action="login_failed", source=self.source,
                             correlation_id=correlation_id, next_wait_seconds=wait)
        raise Unauthenticated("wrong user or password", field="password")

    def refresh(self, token: str) -> Tokens:
        """A new pair for a live refresh token, which is spent; a spent one used again may be stolen: every
        session of its account ends."""
        if not token:
            raise InvalidArgument("refresh_token: is required", field="refresh_token")
        now = clock.now()
        with self.open_unit() as uow:
            stored = uow.accounts.refresh_locked(_sha256(token))
            if stored is None or stored.expires_at <= now:
                raise Unauthenticated("refresh token unknown or expired; log in again", field="refresh_token")
            if stored.revoked_at is None:
                row = uow.accounts.by_id(stored.account_id)
                if row.disabled:
                    raise Unauthenticated("account disabled", field="refresh_token")
                uow.accounts.revoke_refresh(stored.id, now)
                return self._tokens(uow.accounts, row)
            uow.accounts.revoke_all(stored.account_id, now)
            uow.audit.record(actor=str(stored.account_id), action="refresh_token_reused", source=self.source)
        raise Unauthenticated("refresh token already used; log in again", field="refresh_token")

    def logout(self, token: str) -> bool:
        """Whether a live refresh token was revoked."""
        if not token:
            raise InvalidArgument("refresh_token: is required", field="refresh_token")
        with self.open_unit() as uow:
            account_id = uow.accounts.revoke_by_hash(_sha256(token))
            if account_id is not None:
                uow.audit.record(actor=str(account_id), action="logout", source=self.source)
        return account_id is not None

    def client_token(self, client_id: str, secret: str) -> Tokens:
        if not client_id or not secret:
            raise InvalidArgument("client_id and client_secret are required", field="client_id")
        key = hash_nip("client:" + client_id, self.nip_hash_key)
        throttle = self._throttle("ClientToken")
        ticket = throttle.admit(key, self.throttle_source)
        with self.open_unit() as uow:
            row = uow.accounts.api_client(client_id)
        ok = self.passwords.check("ClientToken", row.secret_hash if row else None, secret,
                                  usable=row is not None and not row.disabled)
        with self.open_unit() as uow:
            if ok:
                throttle.succeeded(uow.throttle, ticket)
                uow.audit.record(actor=client_id, action="client_token", source=self.source)
            else:
                wait = throttle.failed(uow.throttle, ticket)
                uow.accounts.note_failure(key, self.source)
                uow.audit.record(actor=client_id, action="client_token_failed", source=self.source,
                                 next_wait_seconds=wait)
        if not ok:
            raise Unauthenticated("wrong client id or secret", field="client_secret")
        assert row is not None
        claims = {"subject": row.client_id, "roles": ["agency_client"], "instansi": row.instansi_id,
                  "scope": " ".join(row.scopes)}
        access, exp = self._access_token(claims)
        return Tokens(claims, access, exp, scopes=tuple(row.scopes))

    def phone_token(self, principal: Principal, phone_text: str, vault: PhoneSecrets, *,
                    correlation_id: str | None = None) -> Tokens:
        """A short-lived token for the employee of a verified number, delegated to the calling bridge (RFC 8693
        `act`, and `via: "sms"`): the platform accepts it only on `tokens.DELEGATED_METHODS["sms"]`."""
        policy.authorize("PhoneToken", principal)
        phone = normalize_phone(phone_text)
        with self.open_unit() as uow:
            nip = uow.phones.owner_of(vault.lookup(phone))
            row = uow.accounts.enabled_for_nip(nip) if nip is not None else None
            if row is None:
                raise NotFound("phone: nomor ini belum terverifikasi untuk pegawai mana pun", field="phone")
            claims = self._claims(uow.accounts, row)
            uow.audit.record(actor=actor_of(principal), action="phone_token", target=nip,
                             correlation_id=correlation_id)
        claims.update(act={"sub": principal.subject}, via="sms")
        access, exp = self._access_token(claims, self.settings.phone_token_ttl_seconds)
        return Tokens(claims, access, exp)

    # -- keys -------------------------------------------------------------------------------------------------------
    def rotate_key(self, principal: Principal, *, correlation_id: str | None = None) -> tuple[str, list[str]]:
        """A new active key; returns its id and the ids still published (old ones until their tokens expire)."""
        policy.authorize("RotateSigningKey", principal)
        kid = self.keys.rotate()
        self.keys.prune()
        with self.open_unit() as uow:
            uow.audit.record(actor=actor_of(principal), action="rotate_signing_key", target=kid,
                             correlation_id=correlation_id)
        return kid, [k.kid for k in self.keys.published()]

    # -- accounts ---------------------------------------------------------------------------------------------------
    def change_password(self, principal: Principal, old_password: str, new_password: str, *,
                        correlation_id: str | None = None) -> None:
        """The caller's own password; every refresh token of the account is revoked."""
        if principal.has_role("agency_client"):
            raise PermissionDenied("API clients have no password", field="authorization")
        if len(new_password) < MIN_PASSWORD:
            raise InvalidArgument(f"new_password: at least {MIN_PASSWORD} characters", field="new_password")
        with self.open_unit() as uow:
            row = uow.accounts.login_only(principal.nip or principal.subject)
            if row is None:
                raise NotFound("no account for this caller", field="authorization")
        if not self.passwords.verify(row.password_hash, old_password):
            raise Unauthenticated("old_password: wrong password", field="old_password")
        new_hash = self.passwords.hash(new_password)
        with self.open_unit() as uow:
            uow.accounts.set_password(row.id, new_hash)
            uow.accounts.revoke_all(row.id)
            uow.audit.record(actor=actor_of(principal), action="change_password", target=row.login,
                             correlation_id=correlation_id)


def _account_nip(spec: NewAccount) -> str | None:
    if not spec.nip:
        return None
    check = check_nip(spec.nip, clock.today())
    if not check.valid:
        raise InvalidArgument("; ".join(check.errors), field="nip")
    return check.nip


def _account_roles(spec: NewAccount) -> tuple[list[str], list[str]]:
    roles = sorted(set(spec.roles)) or ["pegawai"]
    unknown = set(roles) - ACCOUNT_ROLES
    if unknown:
        raise InvalidArgument(f"roles: unknown {', '.join(sorted(unknown))}", field="roles")
    kelompok = sorted(set(spec.kelompok))
    for group in kelompok:
        if group not in {g.value for g in JobGroup}:
            raise InvalidArgument(f"kelompok: {quote(group)} is not a job group", field="kelompok")
    if kelompok and "expert" not in roles:
        raise InvalidArgument("kelompok: only for accounts with the expert role", field="kelompok")
    return roles, kelompok


def prepare_account(spec: NewAccount, password: str, passwords: Passwords) -> AccountPlan:
    """The checks that need nothing stored, and the password's hash (slow: outside any transaction)."""
    roles, kelompok = _account_roles(spec)
    if len(password) < MIN_PASSWORD:
        raise InvalidArgument(f"password: at least {MIN_PASSWORD} characters", field="password")
    nip = _account_nip(spec)
    login_name = nip or (spec.login or "").strip().lower()
    if not nip and not _LOGIN_RE.match(login_name):
        raise InvalidArgument("login: 3-64 lower-case letters, digits, '.', '_' or '-'", field="login")
    if "pegawai" in roles and not nip:
        raise InvalidArgument("nip: a pegawai account needs the employee's NIP", field="nip")
    if nip and spec.login and normalize_nip(spec.login) != nip:
        raise InvalidArgument("login: an employee logs in with the NIP; leave login empty", field="login")
    return AccountPlan(login_name, nip, roles, spec.instansi_id or None, kelompok, passwords.hash(password))


def create_account(uow: IdentityUnitOfWork, principal: Principal, plan: AccountPlan, *,
                   correlation_id: str | None = None) -> AccountPlan:
    """Store the account (an employee's instansi is its own, whatever was asked); returns it as stored."""
    instansi_id = plan.instansi_id
    if plan.nip:
        instansi_id = uow.accounts.employee_instansi(plan.nip)
        if instansi_id is None:
            raise NotFound("nip: no pegawai with this NIP", field="nip")
    if instansi_id and not uow.accounts.instansi_exists(instansi_id):
        raise NotFound(f"instansi_id: {quote(instansi_id)} does not exist", field="instansi_id")
    if "admin_instansi" in plan.roles and not instansi_id:
        raise InvalidArgument("instansi_id: required for admin_instansi", field="instansi_id")
    policy.authorize("CreateAccount", principal, instansi_id=instansi_id or "")
    if not principal.has_role("admin_bkn") and set(plan.roles) & {"admin_bkn", "operator"}:
        raise PermissionDenied("roles: only admin_bkn grants admin_bkn or operator", field="roles")
    if uow.accounts.exists(plan.login, plan.nip):
        raise AlreadyExists(f"login: an account {'for this NIP' if plan.nip else repr(plan.login)} exists",
                            field="login")
    uow.accounts.add(login=plan.login, nip=plan.nip, password_hash=plan.password_hash, roles=plan.roles,
                     instansi_id=instansi_id, kelompok=plan.kelompok)
    uow.audit.record(actor=actor_of(principal), action="create_account", target=plan.login,
                     correlation_id=correlation_id, roles=plan.roles)
    return AccountPlan(plan.login, plan.nip, plan.roles, instansi_id, plan.kelompok, plan.password_hash)


def prepare_api_client(principal: Principal, client_id: str, name: str, instansi_id: str, scopes: list[str],
                       passwords: Passwords) -> ApiClientPlan:
    """The checks that need nothing stored, and a new secret with its hash."""
    client_id = client_id.strip()
    if not _CLIENT_ID_RE.match(client_id):
        raise InvalidArgument("client_id: 3-64 letters, digits, '.', '_' or '-'", field="client_id")
    chosen = sorted(set(scopes))
    if not chosen or set(chosen) - SCOPES:
        raise InvalidArgument(f"scopes: choose from {', '.join(sorted(SCOPES))}", field="scopes")
    if not instansi_id:
        raise InvalidArgument("instansi_id: is required", field="instansi_id")
    policy.authorize("CreateApiClient", principal, instansi_id=instansi_id)
    secret = secrets.token_urlsafe(32)
    return ApiClientPlan(client_id, name or client_id, instansi_id, chosen, secret, passwords.hash(secret))


def create_api_client(uow: IdentityUnitOfWork, principal: Principal, plan: ApiClientPlan, *,
                      correlation_id: str | None = None) -> ApiClientPlan:
    if not uow.accounts.instansi_exists(plan.instansi_id):
        raise NotFound(f"instansi_id: {quote(plan.instansi_id)} does not exist", field="instansi_id")
    if uow.accounts.api_client(plan.client_id) is not None:
        raise AlreadyExists(f"client_id: {quote(plan.client_id)} exists", field="client_id")
    uow.accounts.add_api_client(client_id=plan.client_id, name=plan.name, instansi_id=plan.instansi_id,
                                scopes=plan.scopes, secret_hash=plan.secret_hash)
    uow.audit.record(actor=actor_of(principal), action="create_api_client", target=plan.client_id,
                     correlation_id=correlation_id, scopes=plan.scopes)
    return plan

