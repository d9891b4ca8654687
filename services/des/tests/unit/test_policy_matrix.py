"""The authorisation matrix (role × relation × RPC) of des, checked against the proto so a new RPC without a
rule fails here."""
import pytest

from des.application import policy
from ekinerja_platform.domain_errors import PermissionDenied
from ekinerja_platform.tokens import Principal

pytestmark = pytest.mark.unit

EMP, BOSS, OTHER = "199001012015031001", "198001012005011002", "197001011995031003"
KADIS = "196801011990031004"  # a head up the chain (identity's heads): reads, never changes
TARGET = policy.Target(EMP, "i-1", BOSS, heads=frozenset({BOSS, KADIS}))

CALLERS = {
    "self": Principal(EMP, ("pegawai",), "i-1", EMP),
    "penilai": Principal(BOSS, ("pegawai",), "i-1", BOSS),
    "head": Principal(KADIS, ("pegawai",), "i-1", KADIS),
    "other_pegawai": Principal(OTHER, ("pegawai",), "i-1", OTHER),
    "admin_instansi": Principal("adm", ("admin_instansi",), "i-1"),
    "admin_other_instansi": Principal("adm2", ("admin_instansi",), "i-2"),
    "admin_bkn": Principal("bkn", ("admin_bkn",)),
    "operator": Principal("ops", ("operator",)),
    "agency_client": Principal("client", ("agency_client",), "i-1", scopes=("des:import",)),
    "agency_other_instansi": Principal("client2", ("agency_client",), "i-2", scopes=("des:import",)),
    "agency_without_scope": Principal("client3", ("agency_client",), "i-1", scopes=("pegawai:write",)),
}
R = "read"
ALLOWED = {  # RPC -> callers allowed on TARGET
    "GetMonthlyTargets": {"self", "penilai", "head", "admin_instansi", "admin_bkn"},
    "SetMonthlyTargets": {"self", "penilai"},
    "SubmitPlan": {"self"},
    "ListPlans": {"self", "penilai", "head", "admin_instansi", "admin_bkn"},
    "SubmitActivity": {"self"},
    "UpdateActivity": {"self"},
    "SendActivity": {"self"},
    "GetActivity": {"self", "penilai", "head", "admin_instansi", "admin_bkn"},
    "ListActivities": {"self", "penilai", "head", "admin_instansi", "admin_bkn"},
    "GetDay": {"self", "penilai", "head", "admin_instansi", "admin_bkn"},
    "GetEvidence": {"self", "penilai", "head", "admin_instansi", "admin_bkn"},
    "ReviewQueue": {"self"},
    "ApproveActivities": {"penilai"},
    "ApproveDay": {"penilai"},
    "RequestRevision": {"penilai"},
    "SetMonthlyQuality": {"penilai"},
    "LockPeriod": {"penilai"},
    "UnlockPeriod": {"admin_instansi"},
    "ListLocks": {"self", "penilai", "head", "admin_instansi", "admin_bkn"},
    "GetAuditTrail": {"self", "penilai", "head", "admin_instansi", "admin_bkn"},
    "SetEntryWindow": {"admin_instansi"},
    "SubmitText": {"self"},
    "ImportActivities": {"agency_client"},
}


def proto_rpcs():
    from ekinerja.des.v1 import des_pb2
    return sorted(des_pb2.DESCRIPTOR.services_by_name["DesService"].methods_by_name)


def test_every_rpc_has_a_rule_and_a_row_in_this_matrix():
    assert sorted(policy.RULES) == proto_rpcs() == sorted(ALLOWED)


@pytest.mark.parametrize("rpc", sorted(ALLOWED))
@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_matrix(rpc, caller):
    principal = CALLERS[caller]
    # instansi-level RPCs (settings, import) concern the instansi, not an employee
    target = policy.Target(None, "i-1") if rpc in ("SetEntryWindow", "ImportActivities") else TARGET
    if rpc == "ReviewQueue":  # the caller's own queue
        target = policy.Target(principal.nip, principal.instansi_id)
    allowed = caller in ALLOWED[rpc] or (rpc == "ReviewQueue" and caller in {"penilai", "head", "other_pegawai"})
    if allowed:
        assert policy.authorize(rpc, principal, target)
    else:
        with pytest.raises(PermissionDenied):
            policy.authorize(rpc, principal, target)


def test_unknown_rpc_is_refused():
    with pytest.raises(PermissionDenied, match="no authorisation rule"):
        policy.authorize("DropEverything", CALLERS["admin_bkn"], TARGET)


def test_service_class_declares_every_rpc():
    from des.service import DesService
    assert sorted(DesService.authorization) == proto_rpcs()
    for name in proto_rpcs():
        assert callable(getattr(DesService, name))
