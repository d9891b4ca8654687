"""Who may call what: snowman's one authorisation table (role x relation x RPC), applied by the use cases.

- Employees (`pegawai`, `expert`, `admin_instansi`, `admin_bkn`) ask, vote and read published entries.
- `expert` answers, edits and handles open questions of its job groups (the token's `kelompok` claim) and reads
  their drafts; publishing needs an expert of the entry's groups who did not write the draft, or `admin_bkn`.
- `admin_bkn` (national) may do everything. `operator` and `agency_client` have no access to the knowledge base.
"""
from __future__ import annotations

from ekinerja_platform.domain_errors import PermissionDenied
from ekinerja_platform.policy_table import rule_of
from ekinerja_platform.tokens import Principal

EMPLOYEE_ROLES = ("pegawai", "expert", "admin_instansi", "admin_bkn")
ADMIN = "admin_bkn"
EXPERT = "expert"

EMPLOYEE = "employee"                    # any employee
EXPERT_OF_GROUP = "expert_of_group"      # expert of one of the job groups concerned, or admin
SECOND_EXPERT = "second_expert_or_admin"  # as above and not the author of the draft (checked in the domain)

RULES = {
    "Ask": EMPLOYEE,
    "Vote": EMPLOYEE,
    "GetEntry": EMPLOYEE,
    "ListEntries": EMPLOYEE,
    "EditEntry": EXPERT_OF_GROUP,
    "AnswerQuestion": EXPERT_OF_GROUP,
    "MarkDuplicate": EXPERT_OF_GROUP,
    "ListOpenQuestions": EXPERT_OF_GROUP,
    "PublishEntry": SECOND_EXPERT,
}


def is_admin(principal: Principal) -> bool:
    return principal.has_role(ADMIN)


def expert_groups(principal: Principal) -> tuple[str, ...] | None:
    """Job groups the caller handles as an expert: None means all (admin), () means none."""
    if is_admin(principal):
        return None
    if principal.has_role(EXPERT):
        return tuple(principal.kelompok)
    return ()


def handles(principal: Principal, groups) -> bool:
    mine = expert_groups(principal)
    return mine is None or bool(set(mine) & set(groups))


def require(principal: Principal, rpc: str, groups=None) -> None:
    """PermissionDenied unless `principal` may call `rpc` on something of job groups `groups`."""
    rule = rule_of(RULES, rpc)
    if rule == EMPLOYEE:
        if not principal.has_role(*EMPLOYEE_ROLES):
            raise PermissionDenied("only employees may use the knowledge base", field="authorization")
        return
    mine = expert_groups(principal)
    if mine == ():
        raise PermissionDenied("only experts of the job group or admin_bkn may do this", field="authorization")
    if groups is not None and not handles(principal, groups):
        raise PermissionDenied(f"you are not an expert of job group(s) {', '.join(sorted(groups))}",
                               field="kelompok")
