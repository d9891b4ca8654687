"""Tokens and accounts: login (rate-limited, audited), refresh (rotating, revocable), client credentials, accounts,
API clients, key rotation.

Passwords and client secrets are Argon2id hashes; refresh tokens are random strings of which only the SHA-256 is
stored. Every password or secret attempt passes the throttle first (`application/throttle.py`, rules in
`domain/throttle.py`): counted per account (a keyed hash of the login as typed, so unknown names count exactly like
known ones) and client address, growing waits instead of a lockout, RESOURCE_EXHAUSTED with the time to wait.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import secrets
import time
import uuid

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ekinerja.identity.v1 import identity_pb2 as pb
from ekinerja_platform import clock
from ekinerja_platform.domain_errors import (
    AlreadyExists,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    quote,
)
from ekinerja_platform.idempotency import run_once
from ekinerja_platform.logs import hash_nip
from ekinerja_platform.tokens import issue_token
from ekinerja_rules.nip import check_nip, normalize_nip

from ..adapters.audit import audit
from ..adapters.phone_store import verified_nip
from ..adapters.phone_vault import vault_of
from ..adapters.tables import (
    account,
    api_client,
    assignment,
    instansi,
    jabatan,
    login_failure,
    pegawai,
    refresh_token,
)
from ..adapters.throttle_store import SqlThrottleStore
from ..adapters.unit_of_work import SqlIdentityUnitOfWork
from ..domain.client_address import source_of
from ..domain.organisation import JobGroup
from ..domain.phone import normalize_phone
from ..metrics import PASSWORD_CHECKS
from . import policy
from .common import actor_of
from .throttle import LoginThrottle

# OWASP's minimum Argon2id profile (19 MiB, 2 passes): ~20 ms here, so a login does not stall the event loop long.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = HASHER.hash("not-a-password")
ACCOUNT_ROLES = {"pegawai", "admin_instansi", "admin_bkn", "operator", "expert"}
# Every scope an API client may be given: each one some service checks (identity's own, des's bulk import, recap's
# agency read). tests/contracts/test_client_scopes.py derives the checked ones from the services' policies and fails
# when a service checks a scope missing here.
SCOPES = frozenset({"pegawai:read", "pegawai:write", "org:read", "org:write", "des:import", "recap:read",
                    "sms:bridge"})
_LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10


class Auth:
    """Use cases needing the key ring and the token settings; one instance per worker."""

    def __init__(self, db, keyring, settings, nip_hash_key: bytes, call=None,
                 client: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None):
        self.db = db
        self.keyring = keyring
        self.settings = settings
        self.nip_hash_key = nip_hash_key
        self.call = call
        self.source = str(client) if client is not None else "unknown"  # the client's address, for the audit
        self.throttle_source = source_of(client)  # what the throttle counts (an IPv6 /64 as one source)

    def _throttle(self, rpc: str) -> LoginThrottle:
        return LoginThrottle(lambda: SqlIdentityUnitOfWork(self.db), self.settings.throttle_policy(),
                             self.nip_hash_key, rpc)

    # -- tokens -----------------------------------------------------------------------------------------------------
    def _access_token(self, claims: dict, ttl_seconds: int | None = None) -> tuple[str, int]:
        key = self.keyring.active()
        now = time.time()
        ttl = ttl_seconds or self.settings.access_ttl_seconds
        token = issue_token(key.private_key, key.kid, ttl_seconds=ttl, now=now, **claims)
        return token, int(now + ttl)

    def _claims(self, session, row) -> dict:
        instansi_id = row.instansi_id
        if row.nip:
            person = session.execute(sa.select(pegawai.c.instansi_id).where(pegawai.c.nip == row.nip)).first()
            if person is not None:
                instansi_id = person.instansi_id
        kelompok = list(row.kelompok)
        if row.nip and "expert" not in row.roles:
            # an employee's own job group (from its definitive position today), so snowman answers for its group;
            # for experts the claim lists the groups they answer for instead
            kelompok = self._own_job_group(session, row.nip)
        return {"subject": row.nip or row.login, "roles": list(row.roles), "instansi": instansi_id,
                "nip": row.nip, "kelompok": kelompok or None}

    @staticmethod
    def _own_job_group(session, nip: str) -> list[str]:
        today = clock.today()
        held = assignment.join(jabatan, jabatan.c.id == assignment.c.jabatan_id)
        group = session.execute(
            sa.select(jabatan.c.job_group).select_from(held)
            .where(assignment.c.nip == nip, ~assignment.c.acting, assignment.c.start <= today,
                   sa.or_(assignment.c.end.is_(None), assignment.c.end >= today))
            .order_by(assignment.c.start.desc()).limit(1)).scalar()
        return [group] if group else []

    def _new_refresh(self, session, account_id) -> tuple[str, int]:
        secret = secrets.token_urlsafe(32)
        expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=self.settings.refresh_ttl_seconds)
        session.execute(sa.insert(refresh_token).values(
            id=uuid.uuid4(), account_id=account_id, token_hash=hashlib.sha256(secret.encode()).digest(),
            expires_at=expires))
        return secret, int(expires.timestamp())

    def _response(self, session, row) -> pb.TokenResponse:
        claims = self._claims(session, row)
        access, access_exp = self._access_token(claims)
        refresh, refresh_exp = self._new_refresh(session, row.id)
        return pb.TokenResponse(access_token=access, refresh_token=refresh, access_expires_at=access_exp,
                                refresh_expires_at=refresh_exp, token_type="Bearer",
                                principal=_principal_pb(claims, ()))

    def login(self, user: str, password: str) -> pb.TokenResponse:
        login_name = _login_key(user)
        if not login_name:
            raise InvalidArgument("user: NIP or account name is required", field="user")
        if not password:
            raise InvalidArgument("password: is required", field="password")
        account_key = hash_nip(login_name, self.nip_hash_key)
        correlation_id = getattr(self.call, "correlation_id", None)
        throttle = self._throttle("Login")
        ticket = throttle.admit(account_key, self.throttle_source)
        with self.db.transaction() as session:
            row = session.execute(sa.select(account).where(
                sa.or_(account.c.login == login_name, account.c.nip == login_name))).first()
        ok = _check("Login", row.password_hash if row else None, password, usable=row is not None and not row.disabled)
        with self.db.transaction() as session:
            if ok:
                throttle.succeeded(SqlThrottleStore(session), ticket)
                audit(session, actor=row.nip or row.login, action="login", source=self.source,
                      correlation_id=correlation_id)
                return self._response(session, row)
            wait = throttle.failed(SqlThrottleStore(session), ticket)
            session.execute(sa.insert(login_failure).values(account_key=account_key, source=self.source))
            audit(session, actor=account_key, action="login_failed", source=self.source,
                  correlation_id=correlation_id, next_wait_seconds=wait)
        raise Unauthenticated("wrong user or password", field="password")

    def refresh(self, token: str) -> pb.TokenResponse:
        if not token:
            raise InvalidArgument("refresh_token: is required", field="refresh_token")
        digest = hashlib.sha256(token.encode()).digest()
        now = dt.datetime.now(dt.timezone.utc)
        with self.db.transaction() as session:
            stored = session.execute(sa.select(refresh_token).where(refresh_token.c.token_hash == digest)
                                     .with_for_update()).first()
            if stored is None or stored.expires_at <= now:
                raise Unauthenticated("refresh token unknown or expired; log in again", field="refresh_token")
            if stored.revoked_at is not None:
                # A revoked token used again may be stolen: end every session of the account.
                session.execute(sa.update(refresh_token).where(refresh_token.c.account_id == stored.account_id,
                                                               refresh_token.c.revoked_at.is_(None))
                                .values(revoked_at=now))
                audit(session, actor=str(stored.account_id), action="refresh_token_reused", source=self.source)
                revoked_reuse = True
            else:
                revoked_reuse = False
                row = session.execute(sa.select(account).where(account.c.id == stored.account_id)).one()
                if row.disabled:
                    raise Unauthenticated("account disabled", field="refresh_token")
                session.execute(sa.update(refresh_token).where(refresh_token.c.id == stored.id)
                                .values(revoked_at=now))
                return self._response(session, row)
        if revoked_reuse:
            raise Unauthenticated("refresh token already used; log in again", field="refresh_token")

    def logout(self, token: str) -> pb.LogoutResponse:
        if not token:
            raise InvalidArgument("refresh_token: is required", field="refresh_token")
        digest = hashlib.sha256(token.encode()).digest()
        with self.db.transaction() as session:
            result = session.execute(sa.update(refresh_token).where(
                refresh_token.c.token_hash == digest, refresh_token.c.revoked_at.is_(None))
                .values(revoked_at=sa.func.now()).returning(refresh_token.c.account_id)).first()
            if result is not None:
                audit(session, actor=str(result.account_id), action="logout", source=self.source)
        return pb.LogoutResponse(revoked=result is not None)

    def client_token(self, client_id: str, secret: str) -> pb.TokenResponse:
        if not client_id or not secret:
            raise InvalidArgument("client_id and client_secret are required", field="client_id")
        key = hash_nip("client:" + client_id, self.nip_hash_key)
        throttle = self._throttle("ClientToken")
        ticket = throttle.admit(key, self.throttle_source)
        with self.db.transaction() as session:
            row = session.execute(sa.select(api_client).where(api_client.c.client_id == client_id)).first()
        ok = _check("ClientToken", row.secret_hash if row else None, secret,
                    usable=row is not None and not row.disabled)
        with self.db.transaction() as session:
            if ok:
                throttle.succeeded(SqlThrottleStore(session), ticket)
                audit(session, actor=client_id, action="client_token", source=self.source)
            else:
                wait = throttle.failed(SqlThrottleStore(session), ticket)
                session.execute(sa.insert(login_failure).values(account_key=key, source=self.source))
                audit(session, actor=client_id, action="client_token_failed", source=self.source,
                      next_wait_seconds=wait)
        if not ok:
            raise Unauthenticated("wrong client id or secret", field="client_secret")
        claims = {"subject": row.client_id, "roles": ["agency_client"], "instansi": row.instansi_id,
                  "scope": " ".join(row.scopes)}
        access, exp = self._access_token(claims)
        return pb.TokenResponse(access_token=access, access_expires_at=exp, token_type="Bearer",
                                principal=_principal_pb(claims, row.scopes))

    def phone_token(self, request: pb.PhoneTokenRequest) -> pb.TokenResponse:
        """A short-lived token for the employee of a verified number, delegated to the calling bridge (RFC 8693
        `act`, and `via: "sms"`): the platform accepts it only on `tokens.DELEGATED_METHODS["sms"]`."""
        principal = self.call.require_principal()
        policy.authorize("PhoneToken", principal)
        phone = normalize_phone(request.phone)
        with self.db.transaction() as session:
            nip = verified_nip(session, vault_of(self.settings), phone)
            row = None
            if nip is not None:
                row = session.execute(sa.select(account).where(account.c.nip == nip, ~account.c.disabled)).first()
            if row is None:
                raise NotFound("phone: nomor ini belum terverifikasi untuk pegawai mana pun", field="phone")
            claims = self._claims(session, row)
            audit(session, actor=actor_of(principal), action="phone_token", target=nip,
                  correlation_id=self.call.correlation_id)
        claims.update(act={"sub": principal.subject}, via="sms")
        access, exp = self._access_token(claims, self.settings.phone_token_ttl_seconds)
        return pb.TokenResponse(access_token=access, access_expires_at=exp, token_type="Bearer",
                                principal=_principal_pb(claims, ()))

    # -- keys -------------------------------------------------------------------------------------------------------
    def public_keys(self) -> pb.GetPublicKeysResponse:
        import json
        jwks = self.keyring.jwks()
        return pb.GetPublicKeysResponse(keys=[pb.PublicKey(**{k: v for k, v in key.items()}) for key in jwks["keys"]],
                                        jwks_json=json.dumps(jwks))

    def rotate_key(self) -> pb.RotateSigningKeyResponse:
        principal = self.call.require_principal()
        policy.authorize("RotateSigningKey", principal)
        kid = self.keyring.rotate()
        self.keyring.prune()
        with self.db.transaction() as session:
            audit(session, actor=actor_of(principal), action="rotate_signing_key", target=kid,
                  correlation_id=self.call.correlation_id)
        return pb.RotateSigningKeyResponse(kid=kid, published_kids=[k.kid for k in self.keyring.published()])

    # -- accounts ---------------------------------------------------------------------------------------------------
    def create_account(self, request: pb.CreateAccountRequest) -> pb.Account:  # noqa: C901 - TODO issue 17.14: split
        principal = self.call.require_principal()
        spec = request.account
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
        if len(request.password) < MIN_PASSWORD:
            raise InvalidArgument(f"password: at least {MIN_PASSWORD} characters", field="password")
        nip = None
        if spec.nip:
            check = check_nip(spec.nip, clock.today())
            if not check.valid:
                raise InvalidArgument("; ".join(check.errors), field="nip")
            nip = check.nip
        login_name = nip or (spec.login or "").strip().lower()
        if not nip and not _LOGIN_RE.match(login_name):
            raise InvalidArgument("login: 3-64 lower-case letters, digits, '.', '_' or '-'", field="login")
        if "pegawai" in roles and not nip:
            raise InvalidArgument("nip: a pegawai account needs the employee's NIP", field="nip")
        if nip and spec.login and normalize_nip(spec.login) != nip:
            raise InvalidArgument("login: an employee logs in with the NIP; leave login empty", field="login")
        password_hash = HASHER.hash(request.password)

        def work(session):
            instansi_id = spec.instansi_id or None
            if nip:
                person = session.execute(sa.select(pegawai.c.instansi_id).where(pegawai.c.nip == nip)).first()
                if person is None:
                    raise NotFound("nip: no pegawai with this NIP", field="nip")
                instansi_id = person.instansi_id
            if instansi_id and session.execute(
                    sa.select(instansi.c.id).where(instansi.c.id == instansi_id)).first() is None:
                raise NotFound(f"instansi_id: {quote(instansi_id)} does not exist", field="instansi_id")
            if ("admin_instansi" in roles) and not instansi_id:
                raise InvalidArgument("instansi_id: required for admin_instansi", field="instansi_id")
            policy.authorize("CreateAccount", principal, instansi_id=instansi_id or "")
            if not principal.has_role("admin_bkn") and set(roles) & {"admin_bkn", "operator"}:
                raise PermissionDenied("roles: only admin_bkn grants admin_bkn or operator", field="roles")
            exists = session.execute(sa.select(account.c.id).where(
                sa.or_(account.c.login == login_name, account.c.nip == nip if nip else sa.false()))).first()
            if exists:
                raise AlreadyExists(f"login: an account {'for this NIP' if nip else repr(login_name)} exists",
                                    field="login")
            session.execute(sa.insert(account).values(
                id=uuid.uuid4(), login=login_name, nip=nip, password_hash=password_hash, roles=roles,
                instansi_id=instansi_id, kelompok=kelompok))
            audit(session, actor=actor_of(principal), action="create_account", target=login_name,
                  correlation_id=self.call.correlation_id, roles=roles)
            return pb.Account(login=login_name, nip=nip or "", roles=roles, instansi_id=instansi_id or "",
                              kelompok=kelompok)

        return run_once(self.db, self.call, "identity.CreateAccount", request, pb.Account, work)

    def change_password(self, request: pb.ChangePasswordRequest) -> pb.ChangePasswordResponse:
        principal = self.call.require_principal()
        if principal.has_role("agency_client"):
            raise PermissionDenied("API clients have no password", field="authorization")
        if len(request.new_password) < MIN_PASSWORD:
            raise InvalidArgument(f"new_password: at least {MIN_PASSWORD} characters", field="new_password")
        with self.db.transaction() as session:
            row = session.execute(sa.select(account).where(
                account.c.login == (principal.nip or principal.subject))).first()
            if row is None:
                raise NotFound("no account for this caller", field="authorization")
        if not _verify(row.password_hash, request.old_password):
            raise Unauthenticated("old_password: wrong password", field="old_password")
        new_hash = HASHER.hash(request.new_password)
        with self.db.transaction() as session:
            session.execute(sa.update(account).where(account.c.id == row.id).values(password_hash=new_hash))
            session.execute(sa.update(refresh_token).where(refresh_token.c.account_id == row.id,
                                                           refresh_token.c.revoked_at.is_(None))
                            .values(revoked_at=sa.func.now()))
            audit(session, actor=actor_of(principal), action="change_password", target=row.login,
                  correlation_id=self.call.correlation_id)
        return pb.ChangePasswordResponse()

    def create_api_client(self, request: pb.CreateApiClientRequest) -> pb.CreateApiClientResponse:
        principal = self.call.require_principal()
        client_id = request.client_id.strip()
        if not re.match(r"^[A-Za-z0-9._-]{3,64}$", client_id):
            raise InvalidArgument("client_id: 3-64 letters, digits, '.', '_' or '-'", field="client_id")
        scopes = sorted(set(request.scopes))
        if not scopes or set(scopes) - SCOPES:
            raise InvalidArgument(f"scopes: choose from {', '.join(sorted(SCOPES))}", field="scopes")
        if not request.instansi_id:
            raise InvalidArgument("instansi_id: is required", field="instansi_id")
        policy.authorize("CreateApiClient", principal, instansi_id=request.instansi_id)
        secret = secrets.token_urlsafe(32)
        secret_hash = HASHER.hash(secret)

        def work(session):
            if session.execute(sa.select(instansi.c.id).where(instansi.c.id == request.instansi_id)).first() is None:
                raise NotFound(f"instansi_id: {quote(request.instansi_id)} does not exist", field="instansi_id")
            if session.execute(sa.select(api_client.c.client_id).where(api_client.c.client_id == client_id)).first():
                raise AlreadyExists(f"client_id: {quote(client_id)} exists", field="client_id")
            session.execute(sa.insert(api_client).values(client_id=client_id, name=request.name or client_id,
                                                         instansi_id=request.instansi_id, scopes=scopes,
                                                         secret_hash=secret_hash))
            audit(session, actor=actor_of(principal), action="create_api_client", target=client_id,
                  correlation_id=self.call.correlation_id, scopes=scopes)
            return pb.CreateApiClientResponse(client_id=client_id, client_secret=secret,
                                              instansi_id=request.instansi_id, scopes=scopes)

        return run_once(self.db, self.call, "identity.CreateApiClient", request, pb.CreateApiClientResponse,
                        work)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check(rpc: str, password_hash: str | None, password: str, *, usable: bool) -> bool:
    """One counted Argon2 check; an unknown or disabled subject costs the same (a dummy hash) and fails."""
    ok = _verify(password_hash or _DUMMY_HASH, password) and usable
    PASSWORD_CHECKS.labels(rpc, "ok" if ok else "failed").inc()
    return ok


def _login_key(user: str) -> str:
    text = (user or "").strip()
    compact = normalize_nip(text)
    if compact.isdigit():
        return compact
    return text.lower()


def _principal_pb(claims: dict, scopes) -> pb.Principal:
    return pb.Principal(subject=claims["subject"], roles=claims["roles"], instansi_id=claims.get("instansi") or "",
                        nip=claims.get("nip") or "", scopes=list(scopes), kelompok=claims.get("kelompok") or [])
