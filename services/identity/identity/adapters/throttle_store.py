"""SQL of the login throttle (`application.ports.ThrottleStore`): bucket rows read, locked and written, familiar
sources remembered.

Times come from the database's clock (`clock_timestamp()`), so every replica judges a bucket by the same clock.
Locking takes the rows in key order (one statement that creates missing rows and locks all of them), so two
attempts sharing buckets never deadlock and each sees the other's charge.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..application import ports
from ..domain.throttle import Counter
from .tables import login_familiar_source, login_throttle

_LOCK = sa.text(
    "INSERT INTO login_throttle (bucket) SELECT k FROM unnest(:keys) AS k ORDER BY k "
    "ON CONFLICT (bucket) DO UPDATE SET bucket = EXCLUDED.bucket "
    "RETURNING bucket, attempts, blocked_until, last_attempt_at, clock_timestamp() AS now"
).bindparams(sa.bindparam("keys", type_=ARRAY(sa.Text)))


def _counter(row) -> Counter:
    return Counter(row.attempts, row.blocked_until, row.last_attempt_at)


def read(session, keys: list[str]) -> tuple[dt.datetime, dict[str, Counter]]:
    """The buckets as they are now, without locking (a missing row is an empty bucket)."""
    now = session.execute(sa.select(sa.func.clock_timestamp())).scalar_one()
    rows = session.execute(sa.select(login_throttle).where(login_throttle.c.bucket.in_(keys))).all()
    found = {row.bucket: _counter(row) for row in rows}
    return now, {key: found.get(key, Counter()) for key in keys}


def lock(session, keys: list[str]) -> tuple[dt.datetime, dict[str, Counter]]:
    """The buckets locked until the transaction ends (created when missing), and the time after the locks."""
    rows = session.execute(_LOCK, {"keys": sorted(keys)}).all()
    now = max(row.now for row in rows)
    return now, {row.bucket: _counter(row) for row in rows}


_WRITE = sa.text(
    "UPDATE login_throttle AS t SET attempts = v.attempts, blocked_until = v.blocked_until, "
    "last_attempt_at = v.last_attempt_at "
    "FROM unnest(:keys, :attempts, :blocked_until, :last_attempt_at) "
    "AS v(bucket, attempts, blocked_until, last_attempt_at) WHERE t.bucket = v.bucket"
).bindparams(sa.bindparam("keys", type_=ARRAY(sa.Text)), sa.bindparam("attempts", type_=ARRAY(sa.Integer)),
             sa.bindparam("blocked_until", type_=ARRAY(sa.DateTime(timezone=True))),
             sa.bindparam("last_attempt_at", type_=ARRAY(sa.DateTime(timezone=True))))


def write(session, counters: dict[str, Counter]) -> None:
    """Store the counters of locked buckets (one statement for all of them)."""
    keys = sorted(counters)
    session.execute(_WRITE, {"keys": keys, "attempts": [counters[k].attempts for k in keys],
                             "blocked_until": [counters[k].blocked_until for k in keys],
                             "last_attempt_at": [counters[k].last_attempt_at for k in keys]})


def is_familiar(session, pair: str, familiar_for: dt.timedelta) -> bool:
    """Whether this (subject, source) pair logged in successfully within `familiar_for`."""
    return session.execute(sa.select(login_familiar_source.c.pair).where(
        login_familiar_source.c.pair == pair,
        login_familiar_source.c.last_success_at > sa.func.clock_timestamp() - familiar_for)).first() is not None


def remember_familiar(session, pair: str) -> None:
    stmt = pg_insert(login_familiar_source).values(pair=pair)
    session.execute(stmt.on_conflict_do_update(index_elements=["pair"],
                                               set_={"last_success_at": sa.func.now()}))


class SqlThrottleStore(ports.ThrottleStore):
    def __init__(self, session):
        self.session = session

    def read(self, keys):
        return read(self.session, keys)

    def lock(self, keys):
        return lock(self.session, keys)

    def write(self, counters):
        write(self.session, counters)

    def is_familiar(self, pair, familiar_for):
        return is_familiar(self.session, pair, familiar_for)

    def remember_familiar(self, pair):
        remember_familiar(self.session, pair)
