"""Who may call what: the one authorisation table of des (role × relation × RPC), applied by every use case.

Relations are computed from the verified token and the target employee: `self` (the employee on its own entries),
`penilai` (the penilai recorded on the target's SKP), `head` (the atasan penilai and every head up the chain —
Kepala Dinas, Sekda — from identity's `heads`: read only), `admin_instansi` and `agency_client` (same instansi only;
the client also needs the `des:import` scope), `admin_bkn` (national read). Locks are enforced by the domain:
no relation can change a locked entry.
"""
from __future__ import annotations

from dataclasses import dataclass

from ekinerja_platform.domain_errors import PermissionDenied, Unauthenticated
from ekinerja_platform.policy_table import rule_of

# The token scopes this service checks: identity must be able to issue each (tests/contracts/test_client_scopes.py)
IMPORT_SCOPE = "des:import"
CLIENT_SCOPES = frozenset({IMPORT_SCOPE})

SELF, PENILAI, ADMIN_INSTANSI, ADMIN_BKN, AGENCY = "self", "penilai", "admin_instansi", "admin_bkn", "agency_client"
HEAD = "head"
READERS = frozenset({SELF, PENILAI, HEAD, ADMIN_INSTANSI, ADMIN_BKN})

RULES: dict[str, frozenset[str]] = {
    "GetMonthlyTargets": READERS,
    "SetMonthlyTargets": frozenset({SELF, PENILAI}),
    "SubmitPlan": frozenset({SELF}),
    "ListPlans": READERS,
    "SubmitActivity": frozenset({SELF}),
    "UpdateActivity": frozenset({SELF}),
    "SendActivity": frozenset({SELF}),
    "GetActivity": READERS,
    "ListActivities": READERS,
    "GetDay": READERS,
    "GetEvidence": READERS,
    "ReviewQueue": frozenset({SELF}),  # the caller's own queue as penilai
    "ApproveActivities": frozenset({PENILAI}),
    "ApproveDay": frozenset({PENILAI}),
    "RequestRevision": frozenset({PENILAI}),
    "SetMonthlyQuality": frozenset({PENILAI}),
    "LockPeriod": frozenset({PENILAI}),
    "UnlockPeriod": frozenset({ADMIN_INSTANSI}),
    "ListLocks": READERS,
    "GetAuditTrail": READERS,
    "SetEntryWindow": frozenset({ADMIN_INSTANSI}),
    "SubmitText": frozenset({SELF}),
    "ImportActivities": frozenset({AGENCY}),
}


@dataclass(frozen=True)
class Target:
    """The employee (and agency) a call concerns; `penilai_nip` as recorded on the relevant SKP."""

    nip: str | None
    instansi_id: str | None
    penilai_nip: str | None = None
    heads: frozenset[str] = frozenset()  # the heads up the chain (read only)


def relations(principal, target: Target) -> set[str]:
    out = set()
    if principal.nip and principal.has_role("pegawai"):
        if target.nip and principal.nip == target.nip:
            out.add(SELF)
        if target.penilai_nip and principal.nip == target.penilai_nip and principal.nip != target.nip:
            out.add(PENILAI)
        if principal.nip in target.heads and principal.nip != target.nip:
            out.add(HEAD)
    same_instansi = bool(target.instansi_id) and principal.instansi_id == target.instansi_id
    if principal.has_role("admin_instansi") and same_instansi:
        out.add(ADMIN_INSTANSI)
    if principal.has_role("admin_bkn"):
        out.add(ADMIN_BKN)
    if principal.has_role("agency_client") and IMPORT_SCOPE in principal.scopes and same_instansi:
        out.add(AGENCY)
    return out


def needs_heads(principal, target: Target) -> bool:
    """Whether the heads of `target` could matter: an employee that is neither the target nor its penilai."""
    return bool(principal is not None and principal.nip and principal.nip not in (target.nip, target.penilai_nip))


def authorize(rpc: str, principal, target: Target) -> set[str]:
    """The relations that allow `rpc`, or PermissionDenied. An RPC without a rule is refused (fail closed)."""
    allowed = rule_of(RULES, rpc)
    held = relations(principal, target) & allowed
    if not held:
        raise PermissionDenied(f"not allowed to call {rpc} for this employee", field="nip")
    return held


def caller_nip(principal) -> str:
    """The caller's own NIP: the RPCs an employee makes about itself need an employee token."""
    if principal is None:
        raise Unauthenticated("a bearer token is required", field="authorization")
    if not principal.nip:
        raise PermissionDenied("this call needs an employee token (nip claim)", field="authorization")
    return principal.nip
