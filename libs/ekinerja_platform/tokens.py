"""Access tokens: Ed25519-signed JWTs issued by identity and verified locally by every service.

Verification needs only identity's public keys (a JWKS document fetched from `EKINERJA_JWKS_URL`, cached, and
re-fetched at most every 30 s when a token names an unknown key id), so no request waits on identity.
"""
from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Callable

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .domain_errors import PermissionDenied, Unauthenticated

ISSUER = "ekinerja-identity"
ALGORITHM = "EdDSA"

# Delegated tokens ("never more"): a token carrying `via` (issued to a bridge acting for an employee, with
# `act: {"sub": <client id>}` as RFC 8693) is accepted only by the methods listed here for its channel; every other
# method, and any channel not listed, is refused. The one place this is decided (checked by the gRPC entrypoint).
DELEGATED_METHODS: dict[str, frozenset[str]] = {
    "sms": frozenset({
        "/ekinerja.des.v1.DesService/SubmitText",
        "/ekinerja.des.v1.DesService/SubmitPlan",
        "/ekinerja.des.v1.DesService/ListPlans",
        "/ekinerja.des.v1.DesService/ListActivities",
        "/ekinerja.des.v1.DesService/GetMonthlyTargets",
        "/ekinerja.des.v1.DesService/ReviewQueue",
        "/ekinerja.snowman.v1.SnowmanService/Ask",
    }),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling, as stated by a verified token."""

    subject: str
    roles: tuple[str, ...]
    instansi_id: str | None = None
    nip: str | None = None
    scopes: tuple[str, ...] = ()
    kelompok: tuple[str, ...] = ()
    token_id: str | None = None
    via: str | None = None      # a delegated token's channel (e.g. "sms"); None for the employee's own token
    actor: str | None = None    # who acts for the subject on a delegated token (claim act.sub)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def as_context(self) -> dict:
        return {"subject": self.subject, "roles": list(self.roles), "instansi_id": self.instansi_id,
                "nip": self.nip, "scopes": list(self.scopes), "kelompok": list(self.kelompok),
                "token_id": self.token_id, "via": self.via, "actor": self.actor}

    @classmethod
    def from_context(cls, data: dict | None) -> "Principal | None":
        if not data:
            return None
        return cls(subject=data["subject"], roles=tuple(data.get("roles") or ()),
                   instansi_id=data.get("instansi_id"), nip=data.get("nip"),
                   scopes=tuple(data.get("scopes") or ()), kelompok=tuple(data.get("kelompok") or ()),
                   token_id=data.get("token_id"), via=data.get("via"), actor=data.get("actor"))

    @classmethod
    def from_claims(cls, claims: dict) -> "Principal":
        act = claims.get("act")
        actor = str(act.get("sub")) if isinstance(act, dict) and act.get("sub") else None
        via = claims.get("via")
        if (via is not None or act is not None) and not (isinstance(via, str) and via and actor):
            # half a delegation (act without via, or via without act) is never read as the employee's own token
            raise Unauthenticated("token delegasi tidak lengkap (klaim via dan act)", field="authorization")
        return cls(subject=str(claims["sub"]), roles=tuple(claims.get("roles") or ()),
                   instansi_id=claims.get("instansi"), nip=claims.get("nip"),
                   scopes=tuple((claims.get("scope") or "").split()), kelompok=tuple(claims.get("kelompok") or ()),
                   token_id=claims.get("jti"), via=via, actor=actor)


def check_delegation(principal: Principal, method_path: str) -> None:
    """Refuse a delegated token on a method outside its channel's allowlist (`DELEGATED_METHODS`)."""
    if principal.via is None:
        return
    if method_path not in DELEGATED_METHODS.get(principal.via, frozenset()):
        raise PermissionDenied(f"token yang diwakilkan lewat {principal.via} tidak boleh memanggil "
                               f"{method_path.rsplit('/', 1)[-1]}", field="authorization",
                               reason="DELEGATED_TOKEN_NOT_ALLOWED")


# -- keys ---------------------------------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(private_key: Ed25519PrivateKey, kid: str) -> dict:
    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw), "kid": kid, "use": "sig", "alg": ALGORITHM}


def private_key_from_pem(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"signing key must be Ed25519, got {type(key).__name__}")
    return key


def private_key_to_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def issue_token(private_key: Ed25519PrivateKey, kid: str, *, subject: str, roles, ttl_seconds: int = 900,
                audience: str = "ekinerja", token_type: str = "access", now: float | None = None,
                **claims) -> str:
    now = time.time() if now is None else now
    payload = {"iss": ISSUER, "sub": subject, "aud": audience, "iat": int(now), "nbf": int(now) - 5,
               "exp": int(now + ttl_seconds), "jti": uuid.uuid4().hex, "typ": token_type, "roles": list(roles)}
    payload.update({k: v for k, v in claims.items() if v is not None})
    return jwt.encode(payload, private_key, algorithm=ALGORITHM, headers={"kid": kid})


# -- verification -------------------------------------------------------------------------------------------------

@dataclass
class KeySet:
    """Public keys by key id; `source` is a callable returning a JWKS dict (fetched lazily, refreshed rarely)."""

    source: Callable[[], dict]
    min_refresh_seconds: float = 30.0
    _keys: dict = field(default_factory=dict)
    _fetched_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def key(self, kid: str) -> Ed25519PublicKey:
        if kid not in self._keys and time.monotonic() - self._fetched_at >= self.min_refresh_seconds:
            self.refresh()
        try:
            return self._keys[kid]
        except KeyError:
            raise Unauthenticated("token signed with an unknown key", field="authorization") from None

    def refresh(self) -> None:
        with self._lock:
            document = self.source()
            keys = {}
            for jwk in document.get("keys", []):
                if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
                    keys[jwk["kid"]] = jwt.PyJWK(jwk, algorithm=ALGORITHM).key
            self._keys = keys
            self._fetched_at = time.monotonic()


def jwks_from_url(url: str, timeout: float = 3.0):
    """A JWKS source reading `http(s)://…` or `file://…`."""
    def fetch() -> dict:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - configured URL
            return json.loads(response.read())
    return fetch


class TokenVerifier:
    """Verifies tokens; a verified access token is remembered until it expires (a client sends the same token on
    every call, and the signature check is a noticeable share of a small request's CPU). The memory is bounded and
    forgotten whenever the key set is refreshed, so a key withdrawn from the JWKS stops its tokens at once."""

    cache_size = 10_000

    def __init__(self, keyset: KeySet, audience: str = "ekinerja", leeway: int = 5):
        self.keyset = keyset
        self.audience = audience
        self.leeway = leeway
        self._verified: dict[str, tuple[Principal, float]] = {}
        self._keys_seen: dict | None = None

    def _forget_if_keys_changed(self) -> None:
        if self._keys_seen is not self.keyset._keys:
            self._verified.clear()
            self._keys_seen = self.keyset._keys

    def verify(self, token: str, token_type: str = "access") -> Principal:
        self._forget_if_keys_changed()
        cached = self._verified.get(token) if token_type == "access" else None
        if cached is not None:
            principal, expires = cached
            if time.time() < expires + self.leeway:
                return principal
            del self._verified[token]
            raise Unauthenticated("token expired", field="authorization")
        principal, expires = self._verify(token, token_type)
        self._forget_if_keys_changed()  # verifying may have refreshed the keys
        if token_type == "access":
            if len(self._verified) >= self.cache_size:
                self._verified.clear()
            self._verified[token] = (principal, expires)
        return principal

    def _verify(self, token: str, token_type: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("malformed token", field="authorization") from None
        if header.get("alg") != ALGORITHM or not header.get("kid"):
            raise Unauthenticated("token algorithm or key id not accepted", field="authorization")
        try:
            key = self.keyset.key(header["kid"])
        except Unauthenticated:
            raise
        except Exception:
            raise Unauthenticated("token keys unavailable, try again", field="authorization") from None
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=self.audience, issuer=ISSUER,
                                leeway=self.leeway, options={"require": ["exp", "sub", "iat", "aud", "iss"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired", field="authorization") from None
        except jwt.PyJWTError:
            raise Unauthenticated("invalid token", field="authorization") from None
        if claims.get("typ") != token_type:
            raise Unauthenticated(f"a {token_type} token is required", field="authorization")
        return Principal.from_claims(claims), float(claims["exp"])


def bearer_token(metadata) -> str | None:
    """The token of an `authorization: Bearer …` metadata entry, or None when absent."""
    for name, value in metadata:
        if name.lower() == "authorization":
            if isinstance(value, bytes):
                value = value.decode("ascii", "replace")
            scheme, _, token = value.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("authorization must be 'Bearer <token>'", field="authorization")
            return token.strip()
    return None
