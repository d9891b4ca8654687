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

from ekinerja_platform.domain_errors import PermissionDenied
from ekinerja_platform.policy_table import rule_of

from .ports import Relations

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


def _below(relations: Relations, penilai: str, nip: str, start: dt.date | None, end: dt.date | None) -> bool:
    return start is not None and end is not None and nip in relations.subordinates(penilai, start, end)


def check_employee(relations: Relations, principal, nip: str, start: dt.date | None, end: dt.date | None) -> None:
    """A subordinate is one during the period asked about (no period: none)."""
    level = reach(principal)
    if level == ALL:
        return
    if level == OWN_INSTANSI and relations.instansi_of_employee(nip) == principal.instansi_id:
        return
    if level == SUBORDINATES and (nip == principal.nip or _below(relations, principal.nip, nip, start, end)):
        return
    raise PermissionDenied("you may not see this employee's recap", field="nip")


def unit_view(relations: Relations, principal, unit_id: str) -> str:
    """ALL (every row), AGGREGATE (totals only) or SUBORDINATES (own and subordinates' rows)."""
    level = reach(principal)
    if level == ALL:
        return ALL
    if level == OWN_INSTANSI:
        if relations.instansi_of_unit(unit_id) == principal.instansi_id:
            return ALL
        raise PermissionDenied("this unit belongs to another instansi", field="unit_id")
    if level == SUBORDINATES:
        if relations.instansi_of_unit(unit_id) != principal.instansi_id:
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
    """What an RPC reveals, and the check `authorize` applies: (relations, principal, target) -> the view granted
    (ALL, OWN_INSTANSI, AGGREGATE, SUBORDINATES; None when there is no choice of view) or PermissionDenied."""

    reveals: str
    check: Callable[..., str | None]


def _employee(relations, principal, target: Target) -> None:
    check_employee(relations, principal, target.nip, target.start, target.end)


def _unit(relations, principal, target: Target) -> str:
    return unit_view(relations, principal, target.unit_id)


def _instansi(_relations, principal, target: Target) -> str:
    return check_instansi(principal, target.instansi_id)


def _unit_or_instansi(relations, principal, target: Target) -> str:
    return _unit(relations, principal, target) if target.unit_id else _instansi(relations, principal, target)


def _chart(relations, principal, target: Target) -> str | None:
    if target.nip:
        _employee(relations, principal, target)
        return None
    view = _unit(relations, principal, target)
    if view == SUBORDINATES:
        raise PermissionDenied("a unit chart is for administrators", field="unit_id")
    return view


def _unit_counts(relations, principal, target: Target) -> str:
    """Counts over a whole unit: administrators, admin_bkn and operators (aggregates); a pegawai's view of a unit is
    its subordinates' rows, and counts of a small unit would tell about the others."""
    view = _unit(relations, principal, target)
    if view == SUBORDINATES:
        raise PermissionDenied("sebaran predikat unit hanya untuk admin", field="unit_id")
    return view


def _noncompliance(_relations, principal, target: Target) -> str:
    return noncompliance_view(principal, target.instansi_id)


def _advice(_relations, principal, target: Target) -> str:
    return advice_view(principal, target.instansi_id)


def _admin_write(_relations, principal, target: Target) -> str:
    check_admin_of(principal, target.instansi_id)
    return ALL


def _holiday(_relations, principal, target: Target) -> str:
    check_holiday(principal, target.instansi_id)
    return ALL


def _reader(_relations, principal, _target: Target) -> str:
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


def authorize(rpc: str, principal, target: Target = Target(), relations: Relations | None = None) -> str | None:
    """The view the rule of `rpc` grants `principal` on `target`, or PermissionDenied (no rule: refused); the rules
    that look at who is below whom or where a unit belongs read `relations`."""
    return rule_of(RULES, rpc).check(relations, principal, target)
