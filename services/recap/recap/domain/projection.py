"""Recap projections as pure functions over facts.

A fact (one activity, one plan) is a map field -> (version, value). Merging an event keeps, per field, the value
with the highest version (ties broken by the value itself), and a lock is a field that no later version can undo.
So the merged fact is the same whatever order its events arrive in, and merging an event twice changes nothing.

Counters are never recomputed by scanning: an event changes a fact from `old` to `new` and the counters receive
`contributions(new) - contributions(old)`. After any sequence of events they therefore equal the sum of the
contributions of the final facts: the same for every arrival order, and for a rebuild from the event log.

Only approved or locked work counts as realisation (DOMAIN §0.15). A `proses` (work in progress) entry counts for
the month only: `recognised_qty_final` leaves it out and is the column used for the year.
"""
from __future__ import annotations

import json
from decimal import Decimal

from .periods import parse_date, period_keys

COUNTERS = ("plans", "planned_qty", "reported", "reported_qty", "reported_minutes", "approved", "recognised_qty",
            "recognised_qty_final", "approved_minutes", "pending", "revisions")
DECIMAL_COUNTERS = frozenset({"planned_qty", "reported_qty", "recognised_qty", "recognised_qty_final"})
KEGIATAN_PERIODS = frozenset({"month", "year"})

ACTIVITY_EVENTS = frozenset({"activity_submitted", "activity_reviewed", "revision_requested", "period_locked"})
PLAN_EVENTS = frozenset({"plan_submitted"})
PROJECTED_EVENTS = ACTIVITY_EVENTS | PLAN_EVENTS

# Same version from two event types cannot happen under the contract; if it does, the later workflow step wins.
_STATUS_RANK = {"activity_submitted": 1, "revision_requested": 2, "activity_reviewed": 3}
_LOCK_VERSION = [2 ** 62, 0]
_DATA_FIELDS = {
    "activity_submitted": ("nip", "instansi_id", "unit_id", "tanggal", "skp_id", "kegiatan_id", "jenis", "kuantitas",
                           "menit", "proses", "penilai_nip"),
    "activity_reviewed": ("nip", "instansi_id", "unit_id", "tanggal", "skp_id", "kegiatan_id", "jenis",
                          "kuantitas_diakui", "menit", "proses", "reviewer_nip", "submitted_at", "reviewed_at"),
    "revision_requested": ("nip", "instansi_id", "unit_id", "tanggal", "reviewer_nip"),
    "plan_submitted": ("nip", "instansi_id", "unit_id", "tanggal", "skp_id", "kegiatan_id", "kuantitas"),
}
_STATUS_OF = {"activity_submitted": "submitted", "activity_reviewed": "approved", "revision_requested": "revision"}


class BadEvent(ValueError):
    """An event that breaks its contract (docs/events.md); the consumer must not guess."""


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def merge(state: dict | None, version: list, values: dict) -> dict:
    """Per-field last-writer-wins by (version, value): commutative, associative and idempotent."""
    merged = dict(state or {})
    for name, value in values.items():
        current = merged.get(name)
        if current is None or (list(version), _canonical(value)) > (list(current[0]), _canonical(current[1])):
            merged[name] = [list(version), value]
    return merged


def updates_of(envelope: dict) -> tuple[str, list[str], list, dict]:
    """(fact kind, fact ids, version, field values) an event contributes."""
    event_type = envelope["event_type"]
    data = envelope.get("data") or {}
    if event_type == "period_locked":
        ids = data.get("activity_ids")
        if not isinstance(ids, list):
            raise BadEvent("period_locked.activity_ids must be a list")
        return "activity", [str(i) for i in ids], _LOCK_VERSION, {"locked": True}
    fields = _DATA_FIELDS.get(event_type)
    if fields is None:
        raise BadEvent(f"{event_type} is not a projected event")
    values = {name: data.get(name) for name in fields if name in data}
    for name in ("nip", "tanggal"):
        if not values.get(name):
            raise BadEvent(f"{event_type}.{name} is required")
    parse_date(values["tanggal"])
    if event_type == "plan_submitted":
        if not data.get("plan_id"):
            raise BadEvent("plan_submitted.plan_id is required")
        # plans carry no version: the producer's timestamp orders resubmissions of the same plan
        return "plan", [str(data["plan_id"])], [str(envelope.get("occurred_at") or ""), 0], values
    if not data.get("activity_id"):
        raise BadEvent(f"{event_type}.activity_id is required")
    try:
        version = int(data["version"])
    except (KeyError, TypeError, ValueError):
        raise BadEvent(f"{event_type}.version must be an integer") from None
    values["status"] = _STATUS_OF[event_type]
    if event_type == "activity_submitted":
        values["submitted_at"] = envelope.get("occurred_at")
    return "activity", [str(data["activity_id"])], [version, _STATUS_RANK[event_type]], values


def value(state: dict | None, name: str, default=None):
    if not state or name not in state:
        return default
    found = state[name][1]
    return default if found is None else found


def _dec(raw) -> Decimal:
    if raw is None or raw == "":
        return Decimal(0)
    return Decimal(str(raw))


def _truthy(raw) -> bool:
    return raw is True or str(raw).lower() in ("true", "1", "yes")


def is_realised(state: dict | None) -> bool:
    """Approved, or locked by the penilai (a locked entry is an approved one whose review we may not have seen)."""
    status = value(state, "status")
    return status is not None and (status == "approved" or bool(value(state, "locked", False)))


def amounts_of(kind: str, state: dict | None) -> dict:
    """What one fact counts, wherever it counts ({counter: amount}, zero amounts left out)."""
    if not state or value(state, "nip") is None or value(state, "tanggal") is None:
        return {}
    amounts: dict[str, object] = {}
    if kind == "plan":
        amounts = {"plans": 1, "planned_qty": _dec(value(state, "kuantitas"))}
    else:
        if value(state, "status") is None:  # a lock seen before the activity itself
            return {}
        amounts = {"reported": 1, "reported_qty": _dec(value(state, "kuantitas")),
                   "reported_minutes": int(value(state, "menit", 0))}
        if is_realised(state):
            recognised = _dec(value(state, "kuantitas_diakui", value(state, "kuantitas")))
            amounts.update(approved=1, recognised_qty=recognised,
                           recognised_qty_final=Decimal(0) if _truthy(value(state, "proses")) else recognised,
                           approved_minutes=int(value(state, "menit", 0)))
        elif value(state, "status") == "submitted":
            amounts["pending"] = 1
        elif value(state, "status") == "revision":
            amounts["revisions"] = 1
    return {k: v for k, v in amounts.items() if v}


def kegiatan_of(state: dict | None) -> tuple[str, str] | None:
    """(skp_id, kegiatan_id) an SKP fact counts for; None for non-SKP work."""
    skp_id, kegiatan_id = value(state, "skp_id"), value(state, "kegiatan_id")
    if skp_id and kegiatan_id and value(state, "jenis", "skp") == "skp":
        return str(skp_id), str(kegiatan_id)
    return None


def contributions(kind: str, state: dict | None) -> dict[tuple, dict]:
    """What one fact adds to the counters: {counter key: {counter: amount}} (zero amounts left out)."""
    amounts = amounts_of(kind, state)
    if not amounts:
        return {}
    nip = value(state, "nip")
    day = parse_date(value(state, "tanggal"))
    unit = value(state, "unit_id", "") or ""
    instansi = value(state, "instansi_id", "") or ""
    out: dict[tuple, dict] = {}
    kegiatan = kegiatan_of(state)
    for period_kind, key in period_keys(day):
        out[("emp", period_kind, key, nip, unit, instansi)] = dict(amounts)
        if kegiatan and period_kind in KEGIATAN_PERIODS:
            out[("keg", period_kind, key, nip, *kegiatan)] = dict(amounts)
    return out


def kegiatan_totals(facts) -> dict[tuple[str, str], dict]:
    """facts: (kind, state) pairs of one employee's days (a day or a week recap, read at query time: month and year
    kegiatan counters are kept instead); returns {(skp_id, kegiatan_id): {counter: total}}."""
    out: dict[tuple[str, str], dict] = {}
    for kind, state in facts:
        kegiatan = kegiatan_of(state)
        if kegiatan is None:
            continue
        totals = out.setdefault(kegiatan, {})
        for name, amount in amounts_of(kind, state).items():
            totals[name] = totals.get(name, 0) + amount
    return out


def delta(old: dict[tuple, dict], new: dict[tuple, dict]) -> dict[tuple, dict]:
    """new - old, per key and counter, without zero entries."""
    out: dict[tuple, dict] = {}
    for key in set(old) | set(new):
        before, after = old.get(key, {}), new.get(key, {})
        diff = {}
        for name in set(before) | set(after):
            amount = after.get(name, 0) - before.get(name, 0)
            if amount:
                diff[name] = amount
        if diff:
            out[key] = diff
    return out


def changes(kind: str, version: list, values: dict, olds: dict) -> tuple[list[tuple[str, dict]], dict]:
    """Merge one event's values into the facts `olds` ({fact id: state or None}).

    Returns the facts that changed ([(id, new state)], in id order) and the summed counter deltas of those changes.
    """
    saves: list[tuple[str, dict]] = []
    total: dict[tuple, dict] = {}
    for fact_id in sorted(olds):
        old = olds[fact_id]
        new = merge(old, version, values)
        if new == old:
            continue
        saves.append((fact_id, new))
        for key, amounts in delta(contributions(kind, old), contributions(kind, new)).items():
            row = total.setdefault(key, {})
            for name, amount in amounts.items():
                row[name] = row.get(name, 0) + amount
    total = {key: {n: a for n, a in row.items() if a} for key, row in total.items()}
    return saves, {key: row for key, row in total.items() if row}


def recognised_changed(amounts: dict) -> bool:
    """A counter delta that moves the maintained achievement (recomputed for its kegiatan key)."""
    return bool(amounts.get("recognised_qty") or amounts.get("recognised_qty_final"))


def batch_changes(updates: list[tuple[str, list[str], list, dict]], olds: dict[tuple[str, str], dict | None]
                  ) -> tuple[dict[tuple[str, str], dict], dict[tuple, dict], set[tuple]]:
    """Merge several events' updates (`updates_of`, in delivery order) into the facts `olds` ({(kind, id): state}).

    The same final state as `changes` applied event by event: returns the facts that differ from `olds` at the end
    ({(kind, id): state}), the counter deltas summed per key (every key an event touched, zero sums kept, so the
    rows that one-by-one application creates exist here too) and the kegiatan keys whose recognised quantity some
    event changed (their achievement is recomputed, as each event would have done)."""
    states = dict(olds)
    total: dict[tuple, dict] = {}
    recompute: set[tuple] = set()
    for kind, ids, version, values in updates:
        saves, deltas = changes(kind, version, values, {fact_id: states[(kind, fact_id)] for fact_id in ids})
        for fact_id, state in saves:
            states[(kind, fact_id)] = state
        for key, amounts in deltas.items():
            row = total.setdefault(key, {})
            for name, amount in amounts.items():
                row[name] = row.get(name, 0) + amount
            if key[0] == "keg" and recognised_changed(amounts):
                recompute.add(key)
    changed = {fact: state for fact, state in states.items() if state is not None and state != olds.get(fact)}
    return changed, total, recompute


def project(store, envelope: dict) -> int:
    """Apply a des event to the facts and counters held by `store`; returns the number of facts changed.

    `store` offers `load_fact(kind, id)`, `save_fact(kind, id, state)` and `add_counters(deltas)`; the in-memory
    store below implements them, and `recap.adapters.intake` does the same in two SQL statements.
    """
    kind, ids, version, values = updates_of(envelope)
    saves, deltas = changes(kind, version, values, {fact_id: store.load_fact(kind, fact_id) for fact_id in ids})
    for fact_id, state in saves:
        store.save_fact(kind, fact_id, state)
    if deltas:
        store.add_counters(deltas)
    return len(saves)


class MemoryStore:
    """The reference implementation of the store: plain dicts, an inbox and an event log, for tests and tools."""

    def __init__(self):
        self.facts: dict[tuple[str, str], dict] = {}
        self.counters: dict[tuple, dict] = {}
        self.inbox: set[str] = set()
        self.log: list[dict] = []

    def load_fact(self, kind, fact_id):
        return self.facts.get((kind, fact_id))

    def save_fact(self, kind, fact_id, state):
        self.facts[(kind, fact_id)] = state

    def add_counters(self, deltas):
        for key, amounts in deltas.items():
            row = self.counters.setdefault(key, {})
            for name, amount in amounts.items():
                row[name] = row.get(name, 0) + amount
            if not any(row.values()):
                del self.counters[key]

    def apply(self, envelope: dict) -> bool:
        if envelope["event_id"] in self.inbox:
            return False
        self.inbox.add(envelope["event_id"])
        self.log.append(envelope)
        if envelope["event_type"] in PROJECTED_EVENTS:
            project(self, envelope)
        return True

    def apply_batch(self, envelopes: list[dict]) -> list[bool]:
        """Several events at once, as recap's batched intake does (`batch_changes`): one merge, one counter add."""
        fresh = []
        for envelope in envelopes:
            fresh.append(envelope["event_id"] not in self.inbox)
            if fresh[-1]:
                self.inbox.add(envelope["event_id"])
                self.log.append(envelope)
        updates = [updates_of(e) for e, new in zip(envelopes, fresh, strict=True)
                   if new and e["event_type"] in PROJECTED_EVENTS]
        olds = {(kind, i): self.facts.get((kind, i)) for kind, ids, _, _ in updates for i in ids}
        changed, deltas, _ = batch_changes(updates, olds)
        self.facts.update(changed)
        self.add_counters(deltas)
        return fresh

    def rebuilt(self) -> "MemoryStore":
        fresh = MemoryStore()
        for envelope in self.log:
            fresh.apply(envelope)
        return fresh


def monthly_target_rows(envelope: dict) -> list[dict]:
    """des's `monthly_targets_set` as rows of recap's `monthly_targets` (period_key YYYY-MM, exact decimals)."""
    d = envelope["data"]
    return [{"skp_id": str(d["skp_id"]), "kegiatan_id": str(k["kegiatan_id"]), "nip": d["nip"],
             "revision": int(d["revision"]), "period_key": f"{int(m['tahun']):04d}-{int(m['bulan']):02d}",
             "kuantitas": Decimal(str(m["kuantitas"]))}
            for k in d.get("kegiatan") or [] for m in k.get("months") or []]
