"""Idempotency keys, the one behaviour of every write RPC (DESIGN §5): a retry is applied once, answered alike.

- **Scope**: a key counts per (service, method, caller): the row's scope is ``<service>.<Rpc>:<caller subject>``
  ("anonymous" without a verified caller), so two callers or two methods never share an answer. The key comes
  from the request's own ``idempotency_key`` field when the message has one, else from ``x-idempotency-key``
  (1-128 characters; the entrypoint checks the metadata's alphabet).
- **Same key, same request** -> the first answer: the stored bytes of the first response, decoded, never a
  second effect. "Same request" is the SHA-256 of the request message (deterministic serialisation).
- **Same key, different request** -> FAILED_PRECONDITION on field ``idempotency_key`` (reason
  IDEMPOTENCY_KEY_REUSED), nothing changed. Until now no service compared requests (each replayed the first
  answer whatever the retry carried); FAILED_PRECONDITION is what des already answered about a key's state and
  the status most services use for "the stored state forbids it". Answers stored before the fingerprint existed
  (no envelope, see `seal`) are replayed without the check.
- **Concurrent retries wait, never fail**: the key is *claimed* first, in the transaction of the work
  (``INSERT … ON CONFLICT DO NOTHING``). A concurrent request with the same key blocks on that insert until the
  first ends: if it committed, the waiter reads the stored answer; if it rolled back, the waiter claims the key
  and does the work itself. Claiming first (not storing the answer last) is what stops both doing the work.
- **Crash = neither**: the claim, the work and the answer commit in one transaction (des's SubmitActivity claims
  with its answer already filled in, in its one write statement: `seal`, `answer_of`).
- **Failed calls are not stored**: an error rolls the claim back, so a retry after a refusal (or a crash) is
  decided afresh; only answers are remembered.
- **Retention**: rows live for the retry horizon (``EKINERJA_IDEMPOTENCY_HORIZON_HOURS``, 24 h, see
  `retention.py`), then are purged.

Services call `run_once` or `run_once_in` (on a unit of work, `unit_of_work.py`), or on a raw connection `key_of` +
`seal` + `answer_of`; nothing else touches the ``idempotency_keys`` table.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from .db import idempotency_table
from .domain_errors import FailedPrecondition, InvalidArgument

MAX_KEY_LENGTH = 128
REUSED = "IDEMPOTENCY_KEY_REUSED"
# A stored answer is MARKER + sha256(request) + response bytes. No protobuf message starts with a zero byte
# (field number 0 does not exist), so answers stored before the envelope are told apart and replayed as they are.
_MARKER = b"\x00"
_DIGEST = 32

_CLAIM = sa.text(
    "INSERT INTO idempotency_keys (scope, key, response) VALUES (:scope, :key, '') "
    "ON CONFLICT (scope, key) DO NOTHING RETURNING 1")
_STORED = sa.select(idempotency_table.c.response).where(
    idempotency_table.c.scope == sa.bindparam("scope"), idempotency_table.c.key == sa.bindparam("key"))
_ANSWER = sa.text("UPDATE idempotency_keys SET response = :response WHERE scope = :scope AND key = :key")


@dataclass(frozen=True)
class Key:
    """One claimed-or-to-claim key: its scope row, the caller's key and the request's fingerprint."""

    scope: str
    key: str
    fingerprint: bytes


def scope_of(rpc: str, call) -> str:
    """``<service>.<Rpc>:<caller>`` for `rpc` given as ``service.Rpc``."""
    principal = getattr(call, "principal", None)
    return f"{rpc}:{principal.subject if principal is not None else 'anonymous'}"


def fingerprint(request) -> bytes:
    return hashlib.sha256(request.SerializeToString(deterministic=True)).digest()


def key_of(rpc: str, call, request, request_key: str = "") -> Key | None:
    """The key of this call (`request_key`, the message's own field, wins over the metadata), or None."""
    key = request_key or getattr(call, "idempotency_key", None)
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidArgument(f"paling banyak {MAX_KEY_LENGTH} karakter", field="idempotency_key")
    return Key(scope_of(rpc, call), key, fingerprint(request))


def seal(key: Key, response: bytes) -> bytes:
    """The bytes to store for `response`: it and the fingerprint of the request it answers."""
    return _MARKER + key.fingerprint + response


def answer_of(key: Key, stored: bytes) -> bytes:
    """The first response's bytes for a retry of `key`; FAILED_PRECONDITION when the retry is another request."""
    if not stored.startswith(_MARKER):
        return stored  # stored before the envelope: replayed unchecked, as then
    if stored[1:1 + _DIGEST] != key.fingerprint:
        raise FailedPrecondition("sudah dipakai untuk permintaan lain; kirim permintaan ini dengan kunci baru",
                                 field="idempotency_key", reason=REUSED)
    return stored[1 + _DIGEST:]


def claim(session, key: Key) -> bytes | None:
    """Claim `key` in this transaction: None when claimed (do the work, then `store_answer`), else the first
    answer's bytes. Waits while a concurrent request holds the same key."""
    params = {"scope": key.scope, "key": key.key}
    while True:
        if session.execute(_CLAIM, params).first() is not None:
            return None
        # a committed row exists: under READ COMMITTED this new statement sees it (unless purged meanwhile)
        stored = session.execute(_STORED, params).scalar_one_or_none()
        if stored is not None:
            return answer_of(key, stored)


def store_answer(session, key: Key, response: bytes) -> None:
    """Record the answer of a key this transaction claimed; visible to retries once the transaction commits."""
    session.execute(_ANSWER, {"scope": key.scope, "key": key.key, "response": seal(key, response)})


def run_once(db, call, rpc: str, request, response_cls, work, *, request_key: str = ""):
    """The write RPC `rpc` (``service.Rpc``): `work(session) -> response` in one transaction, applied at most once
    per key of `call` (see the module docstring); without a key it simply runs in one transaction."""
    from .sql_unit_of_work import SqlUnitOfWork
    return run_once_in(SqlUnitOfWork(db), call, rpc, request, response_cls, lambda uow: work(uow.session),
                       request_key=request_key)


def run_once_in(uow, call, rpc: str, request, response_cls, work, *, request_key: str = ""):
    """`run_once` on a unit of work (`unit_of_work.py`): `work(uow) -> response` inside `with uow`, the key
    claimed before and the answer stored after, in that same unit."""
    key = key_of(rpc, call, request, request_key)
    with uow:
        if key is not None:
            stored = uow.claim(key)
            if stored is not None:
                return response_cls.FromString(stored)
        response = work(uow)
        if key is not None:
            uow.store_answer(key, response.SerializeToString())
        return response
