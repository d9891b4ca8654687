"""Authorisation matrix: every RPC has a rule, and each role gets exactly what the policy says."""
import pytest

from ekinerja.snowman.v1 import snowman_pb2
from ekinerja_platform.domain_errors import PermissionDenied
from ekinerja_platform.tokens import Principal
from snowman.application import policy
from snowman.service import SnowmanService

pytestmark = pytest.mark.unit

ROLES = {
    "pegawai": Principal("p", ("pegawai",), kelompok=("umum",)),
    "expert_kesehatan": Principal("e", ("pegawai", "expert"), kelompok=("kesehatan",)),
    "admin_instansi": Principal("ai", ("admin_instansi",), instansi_id="i-1"),
    "admin_bkn": Principal("ab", ("admin_bkn",)),
    "operator": Principal("o", ("operator",)),
    "agency_client": Principal("c", ("agency_client",), instansi_id="i-1"),
}
EMPLOYEE_RPCS = ("Ask", "Vote", "GetEntry", "ListEntries")
EXPERT_RPCS = ("EditEntry", "AnswerQuestion", "MarkDuplicate", "ListOpenQuestions", "PublishEntry")

# (role, rpc, job groups concerned) -> allowed
EXPECTED = {}
for role in ROLES:
    for rpc in EMPLOYEE_RPCS:
        EXPECTED[(role, rpc, None)] = role in ("pegawai", "expert_kesehatan", "admin_instansi", "admin_bkn")
    for rpc in EXPERT_RPCS:
        EXPECTED[(role, rpc, ("kesehatan",))] = role in ("expert_kesehatan", "admin_bkn")
        EXPECTED[(role, rpc, ("pendidik",))] = role == "admin_bkn"
        EXPECTED[(role, rpc, ("pendidik", "kesehatan"))] = role in ("expert_kesehatan", "admin_bkn")


def test_every_rpc_of_the_proto_has_a_rule_in_the_policy_and_the_service():
    methods = set(snowman_pb2.DESCRIPTOR.services_by_name["SnowmanService"].methods_by_name)
    assert methods == set(policy.RULES) == set(SnowmanService.authorization)
    assert methods == set(EMPLOYEE_RPCS) | set(EXPERT_RPCS)


@pytest.mark.parametrize("role,rpc,groups", sorted(EXPECTED, key=str))
def test_matrix(role, rpc, groups):
    allowed = EXPECTED[(role, rpc, groups)]
    if allowed:
        policy.require(ROLES[role], rpc, groups)
    else:
        with pytest.raises(PermissionDenied):
            policy.require(ROLES[role], rpc, groups)
