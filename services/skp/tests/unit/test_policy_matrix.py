"""The authorisation table as a matrix: every RPC of the proto has a rule, and each caller kind gets exactly
the access it should on a document (employee on its own; recorded penilai and atasan penilai on theirs;
admin_instansi read within its instansi; nobody else)."""
from __future__ import annotations

import pytest
from skp_testlib import EXPECTED

from ekinerja.skp.v1 import skp_pb2
from ekinerja_platform.domain_errors import PermissionDenied
from ekinerja_platform.tokens import Principal
from skp.application import policy
from skp.service import SkpService

pytestmark = pytest.mark.unit

OWNER, PENILAI, ATASAN = "198501012010011001", "197001012000011002", "196501011990011003"
SEKDA = "196201011985011005"  # a head up the chain above the atasan (identity's heads): reads only
DOC = {"nip": OWNER, "instansi_id": "inst-1", "penilai_nip": PENILAI, "atasan_penilai_nip": ATASAN,
       "heads": frozenset({PENILAI, ATASAN, SEKDA})}

CALLERS = {
    "owner": Principal(OWNER, ("pegawai",), "inst-1", OWNER),
    "penilai": Principal(PENILAI, ("pegawai",), "inst-1", PENILAI),
    "atasan": Principal(ATASAN, ("pegawai",), "inst-1", ATASAN),
    "head": Principal(SEKDA, ("pegawai",), "inst-1", SEKDA),
    "admin_instansi": Principal("adm", ("admin_instansi",), "inst-1"),
    "admin_other_instansi": Principal("adm2", ("admin_instansi",), "inst-2"),
    "colleague": Principal("199001012015011004", ("pegawai",), "inst-1", "199001012015011004"),
    "admin_bkn": Principal("bkn", ("admin_bkn",), None),
    "operator": Principal("ops", ("operator",), None),
    "agency_client": Principal("client-1", ("agency_client",), "inst-1", scopes=("skp:read",)),
    "owner_nip_without_pegawai_role": Principal(OWNER, ("operator",), "inst-1", OWNER),
    "expert": Principal("exp", ("expert",), "inst-1", kelompok=("umum",)),
}
RPCS = [m.name for m in skp_pb2.DESCRIPTOR.services_by_name["SkpService"].methods]


def test_every_rpc_of_the_proto_has_a_rule_and_an_expected_row():
    assert set(RPCS) == set(policy.RULES), "a new RPC needs a rule in skp/application/policy.py"
    assert set(RPCS) == set(SkpService.authorization)
    assert set(RPCS) - TEMPLATE_RPCS - SETTING_RPCS == set(EXPECTED), "a new RPC needs its row in this matrix"


@pytest.mark.parametrize("rpc", sorted(EXPECTED))
@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_matrix(rpc, caller):
    principal = CALLERS[caller]
    if caller in EXPECTED[rpc]:
        assert policy.authorize(rpc, principal, DOC)
    else:
        with pytest.raises(PermissionDenied):
            policy.authorize(rpc, principal, DOC)


# Position templates (rules by the position's agency and its penilai): tests/unit/test_position_templates.py
# Instansi settings and the distribution curve (issue 22): tests/unit/test_ruleset_setting.py
SETTING_RPCS = {"GetRulesetSetting", "SetRulesetSetting", "GetPredikatOrganisasi", "SetPredikatOrganisasi",
                "CheckDistribution", "FinaliseDistribution"}
TEMPLATE_RPCS = {"GetTemplate", "ListTemplateVersions", "CopyCatalogueToTemplate", "UpdateTemplate",
                 "UpdateTemplateRhk", "ListCatalogues", "GetCatalogue"}
