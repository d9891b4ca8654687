"""The hot path of des events in two statements of one transaction, on an engine without pool pre-ping.

1. claim the event in the inbox, append it to the event log, take the employee's advisory lock and create-and-lock
   the fact rows, returning their states (nothing at all when the inbox already had the event);
2. save the changed facts, add the counter deltas to `employee_counters` and `kegiatan_counters` (set-based, from
   one JSON parameter each, in key order so concurrent transactions lock rows in the same order) and recompute the
   maintained achievement of the keys whose recognised quantity changed.

Round trips per event: BEGIN, 1, 2, COMMIT (was: pre-ping, BEGIN, inbox, log, load, save, two counter upserts,
COMMIT). The merge itself stays the pure code of `recap.domain.projection` (property-tested). The rebuild uses the
same two statements without the inbox, the log and the advisory lock.

The live consumer applies the events waiting on a partition together (`claim_many`, `apply_many`, called by
`recap.application.events.apply_des_batch`): one inbox statement, one lock statement, one load and one save per
fact kind and one log statement per batch, the merge being `projection.batch_changes` (the same final state as
`apply` event by event, property-tested). `apply` / `apply_des_event` stay the one-event path and the rebuild's.

A connection that died while idle in the pool (no pre-ping) fails the first statement: the transaction is retried
once on a fresh connection; anything else raises and the message is requeued (the inbox keeps it exactly-once).
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from nameko.extensions import DependencyProvider

from ekinerja_platform import runtime
from ekinerja_platform.db import connect_args, pool_arguments
from recap.domain import projection
from recap.domain.periods import parse_date

from . import achievement_sql as ach

CONSUMER = "recap"
_FACT_TABLE = {"activity": ("activities", "activity_id"), "plan": ("plans", "plan_id")}
_COUNTERS = projection.COUNTERS
_COUNTER_TYPES = {name: "numeric" if name in projection.DECIMAL_COUNTERS else "bigint" for name in _COUNTERS}
_EMP_KEYS = ("unit_id", "kind", "period_key", "nip", "instansi_id")
_KEG_KEYS = ("nip", "kind", "period_key", "skp_id", "kegiatan_id")
_EMP_FIELDS = ("kind", "period_key", "nip", "unit_id", "instansi_id")  # order of the projection's counter keys
_KEG_FIELDS = ("kind", "period_key", "nip", "skp_id", "kegiatan_id")

_CLAIM = ("claimed AS (INSERT INTO inbox (consumer, event_id) VALUES (:consumer, CAST(:event_id AS uuid)) "
          "ON CONFLICT DO NOTHING RETURNING event_id), "
          "logged AS (INSERT INTO event_log (event_id, producer, event_type, envelope) "
          "SELECT event_id, :producer, :event_type, CAST(:envelope AS jsonb) FROM claimed "
          "ON CONFLICT (event_id) DO NOTHING)")


def _claim_and_load(kind: str, claim: bool) -> sa.TextClause:
    table, key = _FACT_TABLE[kind]
    load = (f"INSERT INTO {table} ({key}, state) SELECT id, '{{}}' FROM SOURCE unnest(CAST(:ids AS text[])) AS id "
            f"ORDER BY id ON CONFLICT ({key}) DO UPDATE SET {key} = EXCLUDED.{key} RETURNING {key}, state")
    if not claim:  # rebuild: one transaction under a table lock, no inbox, no log, no advisory lock
        return sa.text(load.replace("SOURCE ", ""))
    return sa.text(f"WITH {_CLAIM}, locked AS (SELECT {ach.LOCK} FROM claimed) "
                   + load.replace("SOURCE", "claimed, locked,"))


_CLAIM_AND_LOAD = {(kind, claim): _claim_and_load(kind, claim) for kind in _FACT_TABLE for claim in (True, False)}
_CLAIM_ONLY = sa.text(f"WITH {_CLAIM} SELECT count(*) FROM claimed")


def _recordset(param: str, columns: dict) -> str:
    return f"jsonb_to_recordset(CAST(:{param} AS jsonb)) AS r({', '.join(f'{c} {t}' for c, t in columns.items())})"


def _counter_upsert(table: str, source: str, keys: tuple) -> str:
    columns = keys + _COUNTERS
    return (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {source} "
            f"ORDER BY {', '.join(keys)} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
            + ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in _COUNTERS))


_SAVE_FACTS = {
    "activity": ("UPDATE activities a SET nip = f.nip, instansi_id = f.instansi_id, unit_id = f.unit_id, "
                 "tanggal = f.tanggal, status = f.status, locked = f.locked, penilai_nip = f.penilai_nip, "
                 "submitted_at = f.submitted_at, state = f.state FROM "
                 + _recordset("facts", {"id": "text", "nip": "text", "instansi_id": "text", "unit_id": "text",
                                        "tanggal": "date", "status": "text", "locked": "boolean",
                                        "penilai_nip": "text", "submitted_at": "timestamptz", "state": "jsonb"})
                 .replace(" AS r(", " AS f(") + " WHERE a.activity_id = f.id"),
    "plan": ("UPDATE plans p SET nip = f.nip, tanggal = f.tanggal, state = f.state FROM "
             + _recordset("facts", {"id": "text", "nip": "text", "tanggal": "date", "state": "jsonb"})
             .replace(" AS r(", " AS f(") + " WHERE p.plan_id = f.id"),
}


def _save_and_count(kind: str) -> sa.TextClause:
    emp = {**{k: "text" for k in _EMP_KEYS}, **_COUNTER_TYPES}
    keg = {**{k: "text" for k in _KEG_KEYS}, **_COUNTER_TYPES, "recompute": "boolean"}
    return sa.text(
        f"WITH saved AS ({_SAVE_FACTS[kind]}), "
        f"ed AS (SELECT * FROM {_recordset('emp', emp)}), "
        f"emp AS ({_counter_upsert('employee_counters', 'ed', _EMP_KEYS)}), "
        f"kd AS (SELECT * FROM {_recordset('keg', keg)}), "
        f"keg AS ({_counter_upsert('kegiatan_counters', 'kd', _KEG_KEYS)}), "
        "ach_keys AS (SELECT DISTINCT nip, kind, period_key FROM kd WHERE recompute), "
        f"ach_new AS ({ach.computed('ach_keys', 'kd')}), "
        f"ach_set AS ({ach.upsert('ach_new')}) "
        "SELECT 1")


_SAVE_AND_COUNT = {kind: _save_and_count(kind) for kind in _FACT_TABLE}


def _fact_row(kind: str, fact_id: str, state: dict) -> dict:
    v = lambda name, default=None: projection.value(state, name, default)  # noqa: E731
    tanggal = v("tanggal")
    row = {"id": fact_id, "nip": v("nip"), "tanggal": parse_date(tanggal).isoformat() if tanggal else None,
           "state": state}
    if kind == "activity":
        row.update(instansi_id=v("instansi_id"), unit_id=v("unit_id"), status=v("status"),
                   locked=bool(v("locked", False)), penilai_nip=v("penilai_nip"), submitted_at=v("submitted_at"))
    return row


def _counter_rows(deltas: dict, scope: str, fields: tuple, recompute: set | None = None) -> list[dict]:
    """`recompute`: the kegiatan keys whose achievement to recompute (None: those whose recognised qty moved)."""
    rows = []
    for key in sorted(k for k in deltas if k[0] == scope):
        row = dict(zip(fields, key[1:], strict=True))
        row.update({name: deltas[key].get(name, 0) for name in _COUNTERS})
        if scope == "keg":
            row["recompute"] = projection.recognised_changed(deltas[key]) if recompute is None else key in recompute
        rows.append(row)
    return rows


def _json(value) -> str:
    return json.dumps(value, default=str, separators=(",", ":"))


def apply(connection, envelope: dict, consumer: str | None = CONSUMER) -> bool:
    """Apply a des event in the caller's transaction; False when `consumer`'s inbox already had it.

    `consumer=None` (the rebuild) skips the inbox, the event log and the advisory lock.
    """
    kind, ids, version, values = projection.updates_of(envelope)
    data = envelope.get("data") or {}
    nip = data.get("nip") or envelope.get("nip")
    params = {"ids": sorted(set(ids)), "lock_key": ach.lock_key(nip)}
    if consumer is not None:
        params.update(consumer=consumer, event_id=str(envelope["event_id"]), producer=envelope["producer"],
                      event_type=envelope["event_type"], envelope=_json(envelope))
        if not ids:
            return bool(connection.execute(_CLAIM_ONLY, params).scalar())
    rows = connection.execute(_CLAIM_AND_LOAD[(kind, consumer is not None)], params).all()
    if not rows:
        return consumer is None
    saves, deltas = projection.changes(kind, version, values, {fact_id: state or None for fact_id, state in rows})
    if not saves:
        return True
    others = sorted({key[3] for key in deltas} - {nip})
    if consumer is not None:  # a fact whose earlier version named another employee (not expected from des)
        for other in others:
            connection.execute(ach.LOCK_EMPLOYEE, {"lock_key": ach.lock_key(other)})
    connection.execute(_SAVE_AND_COUNT[kind], {
        "facts": _json([_fact_row(kind, fact_id, state) for fact_id, state in saves]),
        "emp": _json(_counter_rows(deltas, "emp", _EMP_FIELDS)),
        "keg": _json(_counter_rows(deltas, "keg", _KEG_FIELDS))})
    return True


# -- several events in one transaction (`recap.application.events.apply_des_batch`) ----------------------------
_CLAIM_MANY = sa.text("INSERT INTO inbox (consumer, event_id) SELECT :consumer, id FROM "
                      "unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS u(id, n) ORDER BY n "
                      "ON CONFLICT DO NOTHING RETURNING event_id::text")
# applied_at: the time the batch's work is done (just before its commit), so the measured lag includes the batch
_LOG_MANY = sa.text("INSERT INTO event_log (event_id, producer, event_type, envelope, applied_at) "
                    "SELECT CAST(e->>'event_id' AS uuid), e->>'producer', e->>'event_type', e, clock_timestamp() "
                    "FROM jsonb_array_elements(CAST(:envelopes AS jsonb)) WITH ORDINALITY AS u(e, n) ORDER BY n "
                    "ON CONFLICT (event_id) DO NOTHING")
# one statement, the keys in order (a sorted subquery is not flattened): no deadlock between two batches
_LOCK_MANY = sa.text(f"SELECT count({ach.LOCK.replace(':lock_key', 'k')}) FROM "
                     "(SELECT k FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k) s")


def claim_many(connection, envelopes: list[dict], consumer: str = CONSUMER) -> list[bool]:
    """Claim the events in the inbox in one statement: True for each one this consumer had not seen (a second copy
    of an event in the same batch: False)."""
    ids = list(dict.fromkeys(str(e["event_id"]) for e in envelopes))
    claimed = set(connection.execute(_CLAIM_MANY, {"consumer": consumer, "ids": ids}).scalars())
    fresh = []
    for envelope in envelopes:
        event_id = str(envelope["event_id"])
        fresh.append(event_id in claimed)
        claimed.discard(event_id)
    return fresh


def apply_many(connection, envelopes: list[dict]) -> None:
    """Project claimed des activity/plan events (in delivery order) in the caller's transaction and log them:
    the employees locked in key order, the facts loaded once per kind, merged in Python (`projection.batch_changes`:
    the final state of applying them one by one), saved and their counter deltas added once per kind."""
    if not envelopes:
        return
    updates = [projection.updates_of(e) for e in envelopes]
    nips = {(e.get("data") or {}).get("nip") or e.get("nip") for e in envelopes}
    connection.execute(_LOCK_MANY, {"keys": sorted({ach.lock_key(nip) for nip in nips})})
    olds: dict[tuple[str, str], dict | None] = {}
    for kind in sorted({u[0] for u in updates}):
        ids = sorted({fact_id for k, fact_ids, _, _ in updates if k == kind for fact_id in fact_ids})
        if ids:
            rows = connection.execute(_CLAIM_AND_LOAD[(kind, False)], {"ids": ids}).all()
            olds.update({(kind, fact_id): state or None for fact_id, state in rows})
    changed, deltas, recompute = projection.batch_changes(updates, olds)
    others = sorted({ach.lock_key(key[3]) for key in deltas} - {ach.lock_key(nip) for nip in nips})
    if others:  # a fact whose earlier version named another employee (not expected from des)
        connection.execute(_LOCK_MANY, {"keys": others})
    counters = {"emp": _json(_counter_rows(deltas, "emp", _EMP_FIELDS)),
                "keg": _json(_counter_rows(deltas, "keg", _KEG_FIELDS, recompute))}
    for kind in sorted(_FACT_TABLE):
        facts = [_fact_row(kind, fact_id, state) for (k, fact_id), state in sorted(changed.items()) if k == kind]
        if facts:
            connection.execute(_SAVE_AND_COUNT[kind], {"facts": _json(facts), **counters})
            counters = {"emp": "[]", "keg": "[]"}  # added once, by the first kind's statement
    connection.execute(_LOG_MANY, {"envelopes": _json(envelopes)})


def apply_des_event(engine: sa.Engine, envelope: dict) -> bool:
    """One transaction per event; retried once when the pooled connection turned out to be dead."""
    for attempt in (1, 2):
        try:
            with engine.begin() as connection:
                return apply(connection, envelope)
        except sa.exc.DBAPIError as exc:
            if attempt == 1 and exc.connection_invalidated:
                continue
            raise
    raise AssertionError("unreachable")


def make_intake_engine(url: str, pool_size: int | None = None, service: str | None = None) -> sa.Engine:
    """Like the platform's engine, without `pool_pre_ping` (a SELECT 1 round trip per event); the settings' pool
    budget unless `pool_size` is given."""
    return sa.create_engine(url, pool_pre_ping=False, **pool_arguments(pool_size, pool_size),
                            connect_args=connect_args(purpose="intake", service=service))


class IntakeEngine(DependencyProvider):
    """The engine of the des-event intake, shared by the service's workers."""

    def setup(self):
        settings = runtime.settings()
        self.engine = make_intake_engine(settings.sqlalchemy_url, service=settings.service)

    def stop(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.engine
