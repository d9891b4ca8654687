"""The maintained achievement % per employee and month / year (`employee_achievement`), in SQL.

Same formula as `recap.domain.achievement` (the reference, used by tests to check this one): per SKP kegiatan whose
SKP period covers the month (year), `recognised / monthly target × 100` with the monthly target des's split
(`monthly_targets`, from `monthly_targets_set`; year: `recognised_qty_final / kuantitas × 100`); the employee's
value is the mean over those kegiatan; a kegiatan whose month target is 0 or not yet known is left out (recap shows
it as `target_zero` / `no_target` per kegiatan instead of a made-up percentage); no target, no row.

Kept current by the same transactions that change its inputs: the des-event intake recomputes the keys whose
recognised quantity changed (from the counters as the statement sees them plus the statement's own deltas), and
`skp_approved` recomputes every key of the employee. Both hold the employee's advisory lock (`lock_sql`), so two
transactions never recompute one employee's keys from stale counters.
"""
from __future__ import annotations

import sqlalchemy as sa

LOCK = "pg_advisory_xact_lock(hashtextextended(:lock_key, 0))"


def lock_key(nip) -> str:
    return f"recap:{nip or ''}"


def computed(keys: str, delta: str | None = None) -> str:
    """SELECT (nip, kind, period_key, achievement) for the keys of relation `keys`; `delta`: a relation of
    kegiatan counter deltas (nip, kind, period_key, skp_id, kegiatan_id, recognised_qty, recognised_qty_final) this
    statement adds, which the statement's snapshot does not show yet."""
    month_qty, year_qty = "coalesce(c.recognised_qty, 0)", "coalesce(c.recognised_qty_final, 0)"
    join_delta = ""
    if delta:
        month_qty += " + coalesce(d.recognised_qty, 0)"
        year_qty += " + coalesce(d.recognised_qty_final, 0)"
        join_delta = (f"LEFT JOIN {delta} d ON d.nip = k.nip AND d.kind = k.kind AND d.period_key = k.period_key "
                      "AND d.skp_id = s.skp_id AND d.kegiatan_id = g.kegiatan_id ")
    return (
        "SELECT nip, kind, period_key, achievement FROM ("
        "SELECT k.nip, k.kind, k.period_key, "
        f"avg(CASE WHEN k.kind = 'month' THEN CASE WHEN coalesce(mt.kuantitas, 0) = 0 THEN NULL "
        f"ELSE ({month_qty}) * 100 / mt.kuantitas END "
        f"WHEN g.kuantitas = 0 THEN NULL ELSE ({year_qty}) * 100 / g.kuantitas END) AS achievement "
        f"FROM {keys} k "
        "JOIN skps s ON s.nip = k.nip AND s.version >= 0 AND CASE WHEN k.kind = 'month' "
        "THEN to_char(s.period_start, 'YYYY-MM') <= k.period_key AND k.period_key <= to_char(s.period_end, 'YYYY-MM') "
        "ELSE to_char(s.period_start, 'YYYY') <= k.period_key AND k.period_key <= to_char(s.period_end, 'YYYY') END "
        "JOIN skp_kegiatan g ON g.skp_id = s.skp_id "
        "LEFT JOIN monthly_targets mt ON k.kind = 'month' AND mt.skp_id = s.skp_id "
        "AND mt.kegiatan_id = g.kegiatan_id AND mt.period_key = k.period_key "
        "LEFT JOIN kegiatan_counters c ON c.nip = k.nip AND c.kind = k.kind AND c.period_key = k.period_key "
        "AND c.skp_id = s.skp_id AND c.kegiatan_id = g.kegiatan_id "
        f"{join_delta}"
        "GROUP BY k.nip, k.kind, k.period_key) a WHERE achievement IS NOT NULL")


def upsert(source: str) -> str:
    return ("INSERT INTO employee_achievement (nip, kind, period_key, achievement) "
            f"SELECT nip, kind, period_key, achievement FROM {source} ORDER BY nip, kind, period_key "
            "ON CONFLICT (nip, kind, period_key) DO UPDATE SET achievement = EXCLUDED.achievement")


def _recompute(where: str) -> sa.TextClause:
    """Every month and year of the employees' SKP periods, plus the keys they already have."""
    return sa.text(
        "WITH keys AS ("
        "SELECT DISTINCT s.nip, 'month' AS kind, to_char(m, 'YYYY-MM') AS period_key FROM skps s, "
        "generate_series(date_trunc('month', s.period_start), s.period_end, interval '1 month') m "
        f"WHERE s.version >= 0 AND {where} "
        "UNION SELECT DISTINCT s.nip, 'year', to_char(y, 'YYYY') FROM skps s, "
        "generate_series(date_trunc('year', s.period_start), s.period_end, interval '1 year') y "
        f"WHERE s.version >= 0 AND {where} "
        f"UNION SELECT s.nip, s.kind, s.period_key FROM employee_achievement s WHERE {where}), "
        f"fresh AS ({computed('keys')}), "
        f"kept AS ({upsert('fresh')} RETURNING 1), "
        "gone AS (DELETE FROM employee_achievement e USING keys k WHERE e.nip = k.nip AND e.kind = k.kind "
        "AND e.period_key = k.period_key AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.nip = k.nip "
        "AND f.kind = k.kind AND f.period_key = k.period_key) RETURNING 1) "
        "SELECT (SELECT count(*) FROM kept), (SELECT count(*) FROM gone)")


RECOMPUTE_EMPLOYEE = _recompute("s.nip = :nip")
RECOMPUTE_ALL = _recompute("TRUE")
LOCK_EMPLOYEE = sa.text(f"SELECT {LOCK}")


def recompute_employee(connection, nip: str, lock: bool = True) -> None:
    """After the employee's targets changed (skp_approved, monthly_targets_set), in the caller's transaction."""
    if lock:
        connection.execute(LOCK_EMPLOYEE, {"lock_key": lock_key(nip)})
    connection.execute(RECOMPUTE_EMPLOYEE, {"nip": nip})


def recompute_all(connection) -> tuple[int, int]:
    """Every employee (a migration on existing data, or a bulk load); returns (rows kept, rows removed)."""
    kept, gone = connection.execute(RECOMPUTE_ALL).one()
    return int(kept), int(gone)
