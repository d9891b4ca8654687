"""Use cases of the instansi settings of issue 22: the ruleset per instansi and year (admin_bkn or the instansi's
admin_instansi) and the organisation's predikat kinerja per period (the PyB). Every change is audited in
``setting_audit`` (who, when, old -> new, why) in the same transaction; setting the value already in force changes
nothing and writes no audit row, so a retried call is harmless.

``ruleset_for`` is what drafting a document reads (consumers.draft_document): the document stores it and keeps it.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ekinerja_platform.domain_errors import FailedPrecondition

from ..adapters import tables as t
from ..domain import ruleset_setting as rs
from . import policy

RULESET, PREDIKAT_ORGANISASI, FINALISASI = "ruleset", "predikat_organisasi", "finalisasi"


def _actor(principal) -> str:
    return principal.nip or principal.subject


def ruleset_for(session, instansi_id: str, tahun: int) -> str:
    """The ruleset a document of ``instansi_id`` for ``tahun`` is made under (default ``pp46-2011``)."""
    value = session.execute(sa.select(t.ruleset_settings.c.ruleset).where(
        t.ruleset_settings.c.instansi_id == instansi_id, t.ruleset_settings.c.tahun == tahun)).scalar()
    return value or rs.DEFAULT_RULESET


def _history(session, setting: str, instansi_id: str, key: str) -> list[dict]:
    a = t.setting_audit
    rows = session.execute(sa.select(a).where(a.c.setting == setting, a.c.instansi_id == instansi_id, a.c.key == key)
                           .order_by(a.c.id)).mappings()
    return [{"at": r["at"], "actor": r["actor"], "old_value": r["old_value"], "new_value": r["new_value"],
             "reason": r["reason"]} for r in rows]


def _view(session, setting: str, table, value_column: str, instansi_id: str, key_column: str, key, default):
    row = session.execute(sa.select(table).where(table.c.instansi_id == instansi_id,
                                                 table.c[key_column] == key)).mappings().first()
    return {"instansi_id": instansi_id, key_column: key, value_column: row[value_column] if row else default,
            "is_set": row is not None, "version": row["version"] if row else 0,
            "updated_by": row["updated_by"] if row else "", "updated_at": row["updated_at"] if row else None,
            "history": _history(session, setting, instansi_id, str(key))}


def _set(session, principal, setting: str, table, value_column: str, instansi_id: str, key_column: str, key,
         value: str, reason: str) -> None:
    """Write ``value`` under a row lock (a concurrent change waits, then sees this one) and audit old -> new."""
    key_filter = (table.c.instansi_id == instansi_id, table.c[key_column] == key)
    session.execute(pg_insert(table).values(instansi_id=instansi_id, **{key_column: key}, **{value_column: value},
                                            version=0, updated_by=_actor(principal)).on_conflict_do_nothing())
    row = session.execute(sa.select(table).where(*key_filter).with_for_update()).mappings().one()
    old = row[value_column] if row["version"] > 0 else None
    if old == value:
        return  # already in force: nothing changes, nothing is audited
    session.execute(table.update().where(*key_filter).values(
        **{value_column: value}, version=row["version"] + 1, updated_by=_actor(principal), updated_at=sa.func.now()))
    session.execute(t.setting_audit.insert().values(setting=setting, instansi_id=instansi_id, key=str(key),
                                                    actor=_actor(principal), old_value=old, new_value=value,
                                                    reason=reason))


# --- the ruleset per instansi and year ----------------------------------------------------------------------------


def get_ruleset_setting(session, principal, instansi_id: str, tahun: int) -> dict:
    rs.check_instansi(instansi_id)
    rs.check_tahun(tahun)
    policy.authorize_instansi("GetRulesetSetting", principal, instansi_id)
    return _view(session, RULESET, t.ruleset_settings, "ruleset", instansi_id, "tahun", tahun, rs.DEFAULT_RULESET)


def set_ruleset_setting(session, principal, instansi_id: str, tahun: int, ruleset: str, reason: str) -> dict:
    """Documents made from now on for that instansi and year take ``ruleset``; documents already made keep theirs."""
    rs.check_instansi(instansi_id)
    rs.check_tahun(tahun)
    rs.check_ruleset(ruleset)
    reason = rs.check_reason(reason)
    policy.authorize_instansi("SetRulesetSetting", principal, instansi_id)
    _set(session, principal, RULESET, t.ruleset_settings, "ruleset", instansi_id, "tahun", tahun, ruleset, reason)
    return _view(session, RULESET, t.ruleset_settings, "ruleset", instansi_id, "tahun", tahun, rs.DEFAULT_RULESET)


# --- the organisation's predikat per period (6/2022 §4) -----------------------------------------------------------


def require_6_2022(session, instansi_id: str, periode: str) -> None:
    """The curve belongs to PermenPANRB 6/2022: a year appraised under PP 46/2011 has none."""
    tahun = rs.tahun_of(periode)
    if ruleset_for(session, instansi_id, tahun) != rs.PERMENPANRB_6_2022:
        raise FailedPrecondition(f"instansi ini menilai tahun {tahun} dengan {rs.PP46}; predikat kinerja organisasi "
                                 f"dan kurva distribusi hanya untuk {rs.PERMENPANRB_6_2022}", field="periode",
                                 reason="RULESET_BUKAN_6_2022")


def get_predikat_organisasi(session, principal, instansi_id: str, periode: str) -> dict:
    rs.check_instansi(instansi_id)
    rs.check_periode(periode)
    policy.authorize_instansi("GetPredikatOrganisasi", principal, instansi_id)
    return _view(session, PREDIKAT_ORGANISASI, t.predikat_organisasi, "predikat", instansi_id, "periode", periode,
                 "")


def set_predikat_organisasi(session, principal, instansi_id: str, periode: str, predikat: str, reason: str) -> dict:
    rs.check_instansi(instansi_id)
    rs.check_periode(periode)
    value = rs.check_predikat_organisasi(predikat).value
    reason = rs.check_reason(reason)
    policy.authorize_instansi("SetPredikatOrganisasi", principal, instansi_id)
    require_6_2022(session, instansi_id, periode)
    if predikat_organisasi_of(session, instansi_id, periode) != value:  # the value in force may be set again
        check_not_final(session, instansi_id, periode)
    _set(session, principal, PREDIKAT_ORGANISASI, t.predikat_organisasi, "predikat", instansi_id, "periode", periode,
         value, reason)
    return _view(session, PREDIKAT_ORGANISASI, t.predikat_organisasi, "predikat", instansi_id, "periode", periode,
                 "")


def predikat_organisasi_of(session, instansi_id: str, periode: str) -> str | None:
    return session.execute(sa.select(t.predikat_organisasi.c.predikat).where(
        t.predikat_organisasi.c.instansi_id == instansi_id, t.predikat_organisasi.c.periode == periode)).scalar()


# --- the finalisation of a period (6/2022 §4: the curve is checked before the results are final) ----------------


def lock_period(session, instansi_id: str, periode: str, *, shared: bool) -> None:
    """A transaction lock on (instansi, periode): ratings take it shared, the finalisation exclusive, so no rating
    slips into a spread while it is being finalised."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    session.execute(sa.text(f"SELECT {function}(hashtext(:key))"), {"key": f"distribusi:{instansi_id}:{periode}"})


def finalisation_of(session, instansi_id: str, periode: str) -> dict | None:
    row = session.execute(sa.select(t.distribusi_final).where(
        t.distribusi_final.c.instansi_id == instansi_id, t.distribusi_final.c.periode == periode)).mappings().first()
    return dict(row) if row else None


def check_not_final(session, instansi_id: str, periode: str) -> None:
    """A finalised period's spread is closed: no new rating, no other organisation predikat."""
    lock_period(session, instansi_id, periode, shared=True)
    if finalisation_of(session, instansi_id, periode) is not None:
        raise FailedPrecondition(f"hasil kinerja periode {periode} instansi ini sudah difinalkan oleh pejabat yang "
                                 "berwenang", field="periode", reason="PERIODE_SUDAH_FINAL")
