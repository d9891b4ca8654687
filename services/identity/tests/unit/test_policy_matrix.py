"""The authorisation matrix (role x relation x RPC) of identity, and its completeness against the proto."""
import pytest

from ekinerja.identity.v1 import identity_pb2
from ekinerja_platform.domain_errors import PermissionDenied
from ekinerja_platform.tokens import Principal
from identity.application import policy

pytestmark = pytest.mark.unit
HOME, OTHER = "I-HOME", "I-OTHER"
RPCS = [m.name for m in identity_pb2.DESCRIPTOR.services_by_name["IdentityService"].methods]


def caller(role, scopes=()):
    return Principal(subject="x", roles=(role,), instansi_id=None if role == "admin_bkn" else HOME,
                     nip="198609262015051001" if role in ("pegawai", "expert") else None, scopes=tuple(scopes))


def test_every_rpc_of_the_service_has_a_rule_and_no_rule_is_stale():
    assert set(RPCS) == set(policy.RULES)
    from identity.service import IdentityService
    assert set(IdentityService.authorization) == set(policy.RULES)


# expected outcome per (rpc group, role, relation): True allowed, False denied
PERSON_READ = {"GetPegawai", "ListAssignments", "GetSupervisorChain"}
PERSON_WRITE = {"RegisterPegawai", "SetPegawaiStatus", "AssignJabatan", "EndAssignment", "ImportPegawai"}
ORG_WRITE = {"UpsertUnit", "UpsertJabatan"}
BKN_ONLY = {"RotateSigningKey", "UpsertInstansi"}
OWN_PHONE = {"RegisterPhone", "GetPhone", "RemovePhone"}
SMS_BRIDGE = {"VerifyPhone", "PhoneToken"}


def expected(rpc, role, relation, scopes):
    rule = policy.RULES[rpc]
    if rule == policy.PUBLIC or rpc in {"WhoAmI", "ChangePassword", "ListInstansi"}:
        return True
    if rpc in OWN_PHONE:  # an employee's own number only: not even admin_bkn registers or reads it
        return role == "pegawai" and relation == "self"
    if rpc in SMS_BRIDGE:  # the bridge client, for any instansi's employees; nobody else
        return role == "agency_client" and "sms:bridge" in scopes
    if role == "admin_bkn":
        return True
    same = relation in ("same_instansi", "self", "supervisor")
    if rpc in BKN_ONLY:
        return False
    if role == "admin_instansi":
        return same
    if role == "agency_client":
        needed = {**{r: "pegawai:read" for r in PERSON_READ | {"ListPegawai"}},
                  **{r: "pegawai:write" for r in PERSON_WRITE}, **{r: "org:write" for r in ORG_WRITE},
                  "GetOrganisation": "org:read"}.get(rpc)
        return same and needed is not None and needed in scopes
    if role == "pegawai":
        if rpc in PERSON_READ:
            return relation in ("self", "supervisor")
        if rpc == "GetOrganisation":
            return same
        return False
    return False  # operator, expert (without pegawai): nothing beyond their own session


@pytest.mark.parametrize("rpc", RPCS)
@pytest.mark.parametrize("role,scopes", [("admin_bkn", ()), ("admin_instansi", ()), ("pegawai", ()),
                                         ("operator", ()), ("expert", ()),
                                         ("agency_client", ("pegawai:read", "org:read")),
                                         ("agency_client", ("pegawai:write", "org:write", "pegawai:read")),
                                         ("agency_client", ("sms:bridge",))])
@pytest.mark.parametrize("relation", ["self", "supervisor", "same_instansi", "other_instansi"])
def test_matrix(rpc, role, scopes, relation):
    p = caller(role, scopes)
    target_instansi = OTHER if relation == "other_instansi" else HOME
    if role == "admin_bkn":
        target_instansi = OTHER
    nip = p.nip if relation == "self" else "199001012015031002"
    want = expected(rpc, role, relation, scopes)
    if policy.RULES[rpc] == policy.PUBLIC:
        return  # no token involved: the entrypoint lets anyone call it
    try:
        policy.authorize(rpc, p, instansi_id=target_instansi, nip=nip, supervises=relation == "supervisor")
        got = True
    except PermissionDenied:
        got = False
    assert got == want, f"{rpc} {role} {scopes} {relation}"


def test_cross_agency_is_denied_even_for_a_supervisor_relation_of_an_admin_instansi():
    p = caller("admin_instansi")
    with pytest.raises(PermissionDenied):
        policy.authorize("AssignJabatan", p, instansi_id=OTHER, nip="199001012015031002", supervises=True)
