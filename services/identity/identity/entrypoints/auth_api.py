"""Maps the token and account RPCs (Login, RefreshToken, Logout, ClientToken, PhoneToken, GetPublicKeys,
RotateSigningKey, CreateAccount, ChangePassword, CreateApiClient) to `application.auth` and back. Each unit of work
is a `SqlIdentityUnitOfWork`; the account and API-client writes are idempotent per key."""
from __future__ import annotations

import json

from ekinerja.identity.v1 import identity_pb2 as pb
from ekinerja_platform.idempotency import run_once_in

from ..adapters.passwords import ARGON2
from ..adapters.phone_vault import vault_of
from ..adapters.unit_of_work import SqlIdentityUnitOfWork
from ..application import auth
from ..domain.client_address import source_of


def _principal_pb(claims: dict, scopes) -> pb.Principal:
    return pb.Principal(subject=claims["subject"], roles=claims["roles"], instansi_id=claims.get("instansi") or "",
                        nip=claims.get("nip") or "", scopes=list(scopes), kelompok=claims.get("kelompok") or [])


def _token_pb(tokens: auth.Tokens) -> pb.TokenResponse:
    return pb.TokenResponse(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                            access_expires_at=tokens.access_expires_at, refresh_expires_at=tokens.refresh_expires_at,
                            token_type="Bearer", principal=_principal_pb(tokens.claims, tokens.scopes))


class AuthApi:
    """One per call: `client` is the caller's address (`calls.client_of`)."""

    def __init__(self, db, keyring, settings, nip_hash_key: bytes, call=None, client=None):
        self.db, self.keyring, self.settings, self.call = db, keyring, settings, call
        self.auth = auth.Auth(lambda: SqlIdentityUnitOfWork(db), keyring, ARGON2, settings, nip_hash_key,
                              source=str(client) if client is not None else "unknown",
                              throttle_source=source_of(client))

    @property
    def _correlation_id(self):
        return getattr(self.call, "correlation_id", None)

    def login(self, user: str, password: str) -> pb.TokenResponse:
        return _token_pb(self.auth.login(user, password, correlation_id=self._correlation_id))

    def refresh(self, token: str) -> pb.TokenResponse:
        return _token_pb(self.auth.refresh(token))

    def logout(self, token: str) -> pb.LogoutResponse:
        return pb.LogoutResponse(revoked=self.auth.logout(token))

    def client_token(self, client_id: str, secret: str) -> pb.TokenResponse:
        return _token_pb(self.auth.client_token(client_id, secret))

    def phone_token(self, request: pb.PhoneTokenRequest) -> pb.TokenResponse:
        return _token_pb(self.auth.phone_token(self.call.require_principal(), request.phone, vault_of(self.settings),
                                               correlation_id=self.call.correlation_id))

    def public_keys(self) -> pb.GetPublicKeysResponse:
        jwks = self.keyring.jwks()
        return pb.GetPublicKeysResponse(keys=[pb.PublicKey(**dict(key.items())) for key in jwks["keys"]],
                                        jwks_json=json.dumps(jwks))

    def rotate_key(self) -> pb.RotateSigningKeyResponse:
        kid, published = self.auth.rotate_key(self.call.require_principal(), correlation_id=self.call.correlation_id)
        return pb.RotateSigningKeyResponse(kid=kid, published_kids=published)

    def create_account(self, request: pb.CreateAccountRequest) -> pb.Account:
        principal = self.call.require_principal()
        spec = request.account
        plan = auth.prepare_account(auth.NewAccount(roles=list(spec.roles), nip=spec.nip, login=spec.login,
                                                    instansi_id=spec.instansi_id, kelompok=list(spec.kelompok)),
                                    request.password, ARGON2)

        def work(uow):
            done = auth.create_account(uow, principal, plan, correlation_id=self.call.correlation_id)
            return pb.Account(login=done.login, nip=done.nip or "", roles=done.roles,
                              instansi_id=done.instansi_id or "", kelompok=done.kelompok)
        return run_once_in(SqlIdentityUnitOfWork(self.db), self.call, "identity.CreateAccount", request,
                           pb.Account, work)

    def change_password(self, request: pb.ChangePasswordRequest) -> pb.ChangePasswordResponse:
        self.auth.change_password(self.call.require_principal(), request.old_password, request.new_password,
                                  correlation_id=self.call.correlation_id)
        return pb.ChangePasswordResponse()

    def create_api_client(self, request: pb.CreateApiClientRequest) -> pb.CreateApiClientResponse:
        principal = self.call.require_principal()
        plan = auth.prepare_api_client(principal, request.client_id, request.name, request.instansi_id,
                                       list(request.scopes), ARGON2)

        def work(uow):
            done = auth.create_api_client(uow, principal, plan, correlation_id=self.call.correlation_id)
            return pb.CreateApiClientResponse(client_id=done.client_id, client_secret=done.secret,
                                              instansi_id=done.instansi_id, scopes=done.scopes)
        return run_once_in(SqlIdentityUnitOfWork(self.db), self.call, "identity.CreateApiClient", request,
                           pb.CreateApiClientResponse, work)
