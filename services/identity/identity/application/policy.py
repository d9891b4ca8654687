"""identity's one authorisation table: who may call which RPC on what (role x relation), DESIGN §6.

Relations of the caller to the target of a request:
- `self`: the target NIP is the caller's own;
- `supervisor`: the caller is the target's pejabat penilai, atasan pejabat penilai or another head up its chain
  (Kepala Dinas, Sekda) today: reads only;
- `same_instansi` / `other_instansi`: the target belongs to the caller's instansi claim or not;
- `none`: the request has no instansi-bound target (e.g. RotateSigningKey).

Rules, by role: `admin_bkn` everything; `admin_instansi` only its own instansi; `agency_client` only its own
instansi and only with the scope the RPC needs; `pegawai` reads itself and its own chain (and a supervisor reads
the people they rate); `operator` and `expert` get nothing here beyond WhoAmI. Cross-agency access is denied, with
one exception: the SMS bridge (an agency_client holding `sms:bridge`) serves every instansi's employees from one
gateway, so its rules are not bound to its own instansi; what it may do for them is limited by the delegated
token's allowlist (`ekinerja_platform.tokens.DELEGATED_METHODS`).
Standard library only, so the matrix test runs without a database.
"""
from __future__ import annotations

from dataclasses import dataclass

from ekinerja_platform.domain_errors import PermissionDenied
from ekinerja_platform.policy_table import rule_of
from ekinerja_platform.tokens import Principal

PUBLIC = "public"

SELF = "self"
SUPERVISOR = "supervisor"
SAME_INSTANSI = "same_instansi"
OTHER_INSTANSI = "other_instansi"
NONE = "none"
RELATIONS = (SELF, SUPERVISOR, SAME_INSTANSI, OTHER_INSTANSI, NONE)
ROLES = ("pegawai", "admin_instansi", "admin_bkn", "operator", "agency_client", "expert")


@dataclass(frozen=True)
class Rule:
    """Who may call an RPC. `instansi_admin`: admin_instansi on its own instansi; `client_scope`: agency_client on its
    own instansi holding that scope; `self_`/`supervisor`: a pegawai with that relation to the target NIP;
    `member`: a pegawai of the target instansi; `any_instansi`: the client scope applies whatever the instansi;
    `any_authenticated`: every verified caller (about itself)."""

    bkn: bool = True
    instansi_admin: bool = False
    client_scope: str | None = None
    self_: bool = False
    supervisor: bool = False
    member: bool = False
    any_instansi: bool = False
    any_authenticated: bool = False


READ_PERSON = Rule(instansi_admin=True, client_scope="pegawai:read", self_=True, supervisor=True)
READ_LIST = Rule(instansi_admin=True, client_scope="pegawai:read")
WRITE_PERSON = Rule(instansi_admin=True, client_scope="pegawai:write")
READ_ORG = Rule(instansi_admin=True, client_scope="org:read", member=True)
WRITE_ORG = Rule(instansi_admin=True, client_scope="org:write")
SMS_BRIDGE = "sms:bridge"
OWN_PHONE = Rule(bkn=False, self_=True)  # an employee's own number: nobody else registers or reads it
BRIDGE = Rule(bkn=False, client_scope=SMS_BRIDGE, any_instansi=True)

RULES: dict[str, Rule | str] = {
    "Login": PUBLIC,
    "RefreshToken": PUBLIC,
    "Logout": PUBLIC,
    "ClientToken": PUBLIC,
    "GetPublicKeys": PUBLIC,
    "WhoAmI": Rule(any_authenticated=True),
    "RotateSigningKey": Rule(),
    "CreateAccount": Rule(instansi_admin=True),
    "ChangePassword": Rule(any_authenticated=True),
    "CreateApiClient": Rule(instansi_admin=True),
    "UpsertInstansi": Rule(),
    "ListInstansi": Rule(any_authenticated=True),
    "UpsertUnit": WRITE_ORG,
    "UpsertJabatan": WRITE_ORG,
    "GetOrganisation": READ_ORG,
    "RegisterPegawai": WRITE_PERSON,
    "GetPegawai": READ_PERSON,
    "ListPegawai": READ_LIST,
    "SetPegawaiStatus": WRITE_PERSON,
    "AssignJabatan": WRITE_PERSON,
    "EndAssignment": WRITE_PERSON,
    "ListAssignments": READ_PERSON,
    "GetSupervisorChain": READ_PERSON,
    "ImportPegawai": Rule(instansi_admin=True, client_scope="pegawai:write"),
    "RegisterPhone": OWN_PHONE,
    "GetPhone": OWN_PHONE,
    "RemovePhone": OWN_PHONE,
    "VerifyPhone": BRIDGE,
    "PhoneToken": BRIDGE,
}
# The token scopes this service checks: identity must be able to issue each (tests/contracts/test_client_scopes.py)
CLIENT_SCOPES = frozenset(rule.client_scope for rule in RULES.values() if isinstance(rule, Rule) and rule.client_scope)


def relation_of(principal: Principal, *, instansi_id: str | None, nip: str | None = None,
                supervises: bool = False) -> str:
    """The caller's relation to a target (`supervises`: the caller rates the target today)."""
    if nip is not None and principal.nip and principal.nip == nip:
        return SELF
    if supervises:
        return SUPERVISOR
    if instansi_id is None:
        return NONE
    return SAME_INSTANSI if principal.instansi_id and principal.instansi_id == instansi_id else OTHER_INSTANSI


def allowed(rpc: str, principal: Principal, relation: str, target_instansi: str | None) -> bool:
    rule = rule_of(RULES, rpc)
    if isinstance(rule, str):  # PUBLIC, the only rule that is not a Rule
        return rule == PUBLIC
    if rule.any_authenticated:
        return True
    if principal.has_role("admin_bkn") and rule.bkn:
        return True
    own_instansi = (target_instansi is not None and principal.instansi_id is not None
                    and principal.instansi_id == target_instansi)
    if rule.instansi_admin and principal.has_role("admin_instansi") and own_instansi:
        return True
    if (rule.client_scope and principal.has_role("agency_client") and (own_instansi or rule.any_instansi)
            and rule.client_scope in principal.scopes):
        return True
    if rule.self_ and relation == SELF and principal.has_role("pegawai"):
        return True
    if rule.supervisor and relation == SUPERVISOR and principal.has_role("pegawai"):
        return True
    if rule.member and own_instansi and principal.has_role("pegawai"):
        return True
    return False


def authorize(rpc: str, principal: Principal, *, instansi_id: str | None = None, nip: str | None = None,
              supervises: bool = False) -> None:
    """Raise PermissionDenied unless `principal` may call `rpc` on the target."""
    relation = relation_of(principal, instansi_id=instansi_id, nip=nip, supervises=supervises)
    if not allowed(rpc, principal, relation, instansi_id):
        raise PermissionDenied(f"{rpc} is not allowed for this caller on this target", field="authorization")
