"""Who may read what: the one authorisation table of recap (DESIGN §6), tested as a matrix.

- an employee (`pegawai`) sees its own recap, and as pejabat penilai, atasan penilai or any head up the chain
  (Kepala Dinas, Sekda: identity's `heads`) its subordinates' (the relation comes from the assignments and SKP
  documents recap keeps from identity and skp events, for the period asked about);
- `admin_instansi` (and an `agency_client` with scope `recap:read`) sees its own instansi;
- `admin_bkn` sees everything;
- `operator` sees aggregates only: unit totals, instansi rows per unit, advice without personal subjects.
Writes: closing a month is for `admin_instansi` (own instansi) and `admin_bkn`; national holidays for `admin_bkn`,
regional holidays for the instansi's `admin_instansi` (and `admin_bkn`); anyone authenticated may list holidays.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from ekinerja_platform.domain_errors import PermissionDenied
from ekinerja_platform.policy_table import rule_of
from recap.adapters import tables as t

ALL, OWN_INSTANSI, AGGREGATE, SUBORDINATES = "all", "own_instansi", "aggregate", "subordinates"
# The token scopes this service checks: identity must be able to issue each (tests/contracts/test_client_scopes.py)
READ_SCOPE = "recap:read"
CLIENT_SCOPES = frozenset({READ_SCOPE})


def reach(principal) -> str | None:
    """The widest view the caller's roles give."""
    if principal.has_role("admin_bkn"):
        return ALL
    agency = principal.has_role("agency_client") and READ_SCOPE in principal.scopes
    if principal.has_role("admin_instansi") or agency:
        return OWN_INSTANSI
    if principal.has_role("pegawai") and principal.nip:
        return SUBORDINATES
    if principal.has_role("operator"):
        return AGGREGATE
    return None


def subordinates(session, penilai_nip: str, start: dt.date, end: dt.date) -> set[str]:
    """NIPs whose pejabat penilai, or a head up whose chain, is `penilai_nip` on some day of [start, end] (from
    assignments or SKP documents)."""
    during = sa.and_(t.assignments.c.start_date <= end,
                     sa.or_(t.assignments.c.end_date.is_(None), t.assignments.c.end_date >= start))
    by_assignment = sa.select(t.assignments.c.nip).where(t.assignments.c.penilai_nip == penilai_nip, during)
    by_heads = sa.select(t.assignments.c.nip).where(
        t.assignments.c.heads.contains(sa.literal([penilai_nip], t.assignments.c.heads.type)), during)
    by_skp = sa.select(t.skps.c.nip).where(
        t.skps.c.penilai_nip == penilai_nip, t.skps.c.period_start <= end, t.skps.c.period_end >= start)
    return set(session.execute(sa.union(by_assignment, by_heads, by_skp)).scalars())


def instansi_of_employee(session, nip: str) -> str | None:
    found = session.execute(sa.select(t.employees.c.instansi_id).where(t.employees.c.nip == nip)).scalar()
    if found:
        return found
    return session.execute(sa.select(t.assignments.c.instansi_id).where(t.assignments.c.nip == nip)
                           .order_by(t.assignments.c.start_date.desc()).limit(1)).scalar()


def instansi_of_unit(session, unit_id: str) -> str | None:
    """From identity's positions and assignments; else from the des events counted for the unit."""
    found = session.execute(sa.select(t.units.c.instansi_id).where(t.units.c.unit_id == unit_id)).scalar()
    if found:
        return found
    return session.execute(sa.select(t.employee_counters.c.instansi_id).where(
        t.employee_counters.c.unit_id == unit_id).limit(1)).scalar()


def check_employee(session, principal, nip: str, start: dt.date, end: dt.date) -> None:
    level = reach(principal)
    if level == ALL:
        return
    if level == OWN_INSTANSI and instansi_of_employee(session, nip) == principal.instansi_id:
        return
    if level == SUBORDINATES and (nip == principal.nip or nip in subordinates(session, principal.nip, start, end)):
        return
    raise PermissionDenied("you may not see this employee's recap", field="nip")


def unit_view(session, principal, unit_id: str) -> str:
    """ALL (every row), AGGREGATE (totals only) or SUBORDINATES (own and subordinates' rows)."""
    level = reach(principal)
    if level == ALL:
        return ALL
    if level == OWN_INSTANSI:
        if instansi_of_unit(session, unit_id) == principal.instansi_id:
            return ALL
        raise PermissionDenied("this unit belongs to another instansi", field="unit_id")
    if level == SUBORDINATES:
        if instansi_of_unit(session, unit_id) != principal.instansi_id:
            # an outsider learns nothing of another agency's unit, not even its name (issue 16.5)
            raise PermissionDenied("unit ini tidak dikenal atau bukan bagian dari instansi Anda", field="unit_id")
        return level
    if level == AGGREGATE:
        return level
    raise PermissionDenied("your role may not read recaps", field="authorization")


def check_instansi(principal, instansi_id: str, field: str = "instansi_id") -> str:
    level = reach(principal)
    if level in (ALL, AGGREGATE):
        return level
    if level == OWN_INSTANSI and instansi_id == principal.instansi_id:
        return level
    if level == SUBORDINATES:
        raise PermissionDenied("an instansi recap is for administrators", field=field)
    raise PermissionDenied("this instansi is not yours", field=field)


def noncompliance_view(principal, instansi_id: str) -> str:
    level = reach(principal)
    if level == ALL or (level == OWN_INSTANSI and instansi_id == principal.instansi_id):
        return ALL
    if level == SUBORDINATES and instansi_id == principal.instansi_id:
        return SUBORDINATES
    if level == AGGREGATE:
        raise PermissionDenied("the non-compliance list names employees; operators see aggregates only",
                               field="authorization")
    raise PermissionDenied("this instansi is not yours", field="instansi_id")


def advice_view(principal, instansi_id: str) -> str:
    level = reach(principal)
    if level == ALL or (level == OWN_INSTANSI and instansi_id == principal.instansi_id):
        return ALL
    if level == AGGREGATE:
        return AGGREGATE
    if level == SUBORDINATES:
        raise PermissionDenied("recommendations are for administrators", field="authorization")
    raise PermissionDenied("this instansi is not yours", field="instansi_id")


def check_admin_of(principal, instansi_id: str, field: str = "instansi_id") -> None:
    """admin_bkn anywhere; admin_instansi in its own instansi (agency clients and everyone else: denied)."""
    if principal.has_role("admin_bkn"):
        return
    if principal.has_role("admin_instansi") and instansi_id and instansi_id == principal.instansi_id:
        return
    raise PermissionDenied("only admin_bkn, or admin_instansi of this instansi, may do this", field=field)


def check_holiday(principal, instansi_id: str) -> None:
    """National days (instansi_id empty) are admin_bkn's; regional ones follow `check_admin_of`."""
    if not instansi_id and not principal.has_role("admin_bkn"):
        raise PermissionDenied("national holidays are set by admin_bkn; give your instansi_id for a regional one",
                               field="holiday.instansi_id")
    check_admin_of(principal, instansi_id, field="holiday.instansi_id")


# --- the table: RPC -> what it reveals and the check that grants the caller a view of its target --------------------


@dataclass(frozen=True)
class Target:
    """What a call concerns; each rule reads only the fields it needs."""

    nip: str = ""
    unit_id: str = ""
    instansi_id: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class Rule:
    """What an RPC reveals, and the check `authorize` applies: (session, principal, target) -> the view granted
    (ALL, OWN_INSTANSI, AGGREGATE, SUBORDINATES; None when there is no choice of view) or PermissionDenied."""

    reveals: str
    check: Callable[..., str | None]


def _employee(session, principal, target: Target) -> None:
    check_employee(session, principal, target.nip, target.start, target.end)


def _unit(session, principal, target: Target) -> str:
    return unit_view(session, principal, target.unit_id)


def _instansi(_session, principal, target: Target) -> str:
    return check_instansi(principal, target.instansi_id)


def _unit_or_instansi(session, principal, target: Target) -> str:
    return _unit(session, principal, target) if target.unit_id else _instansi(session, principal, target)


def _chart(session, principal, target: Target) -> str | None:
    if target.nip:
        return _employee(session, principal, target)
    view = _unit(session, principal, target)
    if view == SUBORDINATES:
        raise PermissionDenied("a unit chart is for administrators", field="unit_id")
    return view


def _unit_counts(session, principal, target: Target) -> str:
    """Counts over a whole unit: administrators, admin_bkn and operators (aggregates); a pegawai's view of a unit is
    its subordinates' rows, and counts of a small unit would tell about the others."""
    view = _unit(session, principal, target)
    if view == SUBORDINATES:
        raise PermissionDenied("sebaran predikat unit hanya untuk admin", field="unit_id")
    return view


def _noncompliance(_session, principal, target: Target) -> str:
    return noncompliance_view(principal, target.instansi_id)


def _advice(_session, principal, target: Target) -> str:
    return advice_view(principal, target.instansi_id)


def _admin_write(_session, principal, target: Target) -> str:
    check_admin_of(principal, target.instansi_id)
    return ALL


def _holiday(_session, principal, target: Target) -> str:
    check_holiday(principal, target.instansi_id)
    return ALL


def _reader(_session, principal, _target: Target) -> str:
    level = reach(principal)
    if level is None:
        raise PermissionDenied("your role may not read recap data", field="authorization")
    return level


# every RPC in recap.proto needs a row (tests/contracts/test_policy_tables.py fails otherwise)
RULES: dict[str, Rule] = {
    "GetEmployeeRecap": Rule("personal", _employee),
    "GetUnitRecap": Rule("unit", _unit),
    "GetInstansiRecap": Rule("aggregate", _instansi),
    "ListNoncompliance": Rule("personal_list", _noncompliance),
    "GetRecommendations": Rule("advice", _advice),
    "ExportRecap": Rule("unit_or_instansi", _unit_or_instansi),
    "RenderChart": Rule("personal_or_unit", _chart),
    "CloseMonth": Rule("admin_write", _admin_write),
    "SetHoliday": Rule("admin_write", _holiday),
    "ListHolidays": Rule("any_reader", _reader),
    "GetUnitPredikatSpread": Rule("aggregate", _unit_counts),
}


def authorize(rpc: str, principal, target: Target = Target(), session=None) -> str | None:
    """The view the rule of `rpc` grants `principal` on `target`, or PermissionDenied (no rule: refused)."""
    return rule_of(RULES, rpc).check(session, principal, target)
