"""Idempotency keys: a write RPC retried with the same key is applied once and answers with its first answer.

The key is *claimed* before the work, in the work's transaction (`INSERT … ON CONFLICT DO NOTHING`). A concurrent
request with the same key blocks on that insert until the first one ends: if it committed, the waiter reads the
stored answer; if it rolled back (an error is not remembered), the waiter claims the key and does the work itself.
So two concurrent retries never both apply, and neither gets a spurious error. Claiming first (instead of storing
the answer last) is what makes this hold: storing last lets both do the work and only one commit.

Rows live for the retry horizon (`EKINERJA_IDEMPOTENCY_HORIZON_HOURS`, see `retention.py`), then are purged.
"""
from __future__ import annotations

import sqlalchemy as sa

from .db import idempotency_table

_CLAIM = sa.text(
    "INSERT INTO idempotency_keys (scope, key, response) VALUES (:scope, :key, '') "
    "ON CONFLICT (scope, key) DO NOTHING RETURNING 1")
_STORED = sa.select(idempotency_table.c.response).where(
    idempotency_table.c.scope == sa.bindparam("scope"), idempotency_table.c.key == sa.bindparam("key"))
_ANSWER = sa.text("UPDATE idempotency_keys SET response = :response WHERE scope = :scope AND key = :key")


def claim(session, scope: str, key: str) -> bytes | None:
    """Claim (`scope`, `key`) in this transaction: None when claimed (do the work, then `store_answer`), else the
    answer an earlier request stored. Waits while a concurrent request holds the same key."""
    params = {"scope": scope, "key": key}
    while True:
        if session.execute(_CLAIM, params).first() is not None:
            return None
        # a committed row exists: under READ COMMITTED this new statement sees it (unless purged meanwhile)
        stored = session.execute(_STORED, params).scalar_one_or_none()
        if stored is not None:
            return stored


def store_answer(session, scope: str, key: str, response: bytes) -> None:
    """Record the answer of a key this transaction claimed; visible to retries once the transaction commits."""
    session.execute(_ANSWER, {"scope": scope, "key": key, "response": response})


def run_once(db, scope: str, key: str | None, response_cls, work):
    """`work(session) -> proto` applied at most once per (`scope`, `key`); a retry (even a concurrent one) gets
    the first answer back. Without a key, `work` simply runs in one transaction."""
    with db.transaction() as session:
        if key:
            stored = claim(session, scope, key)
            if stored is not None:
                return response_cls.FromString(stored)
        response = work(session)
        if key:
            store_answer(session, scope, key, response.SerializeToString())
        return response
