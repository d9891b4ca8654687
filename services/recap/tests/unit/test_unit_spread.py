"""recap's per-unit predikat spread (issue 22 item 4) without a database: the periods it accepts, the order and the
codes of the predikat (SIASN's, as the rules library has them), and who may read the counts."""
import pytest
from recap_fakes import FakeRelations

from ekinerja_platform.domain_errors import InvalidArgument, PermissionDenied
from ekinerja_platform.tokens import Principal
from ekinerja_rules.permenpanrb_6_2022 import Predikat
from recap.application import policy, spread

pytestmark = pytest.mark.unit


def test_the_periods_skp_rates_are_accepted_and_nothing_else():
    for good in ("2025", "2025-Q1", "2025-Q4", "2025-01", "2025-12", " 2025-03 "):
        assert spread.check_periode(good) == good.strip()
    for bad in ("", "25", "2025-Q5", "2025-Q0", "2025-13", "2025-00", "2025-1", "Q1-2025", "2025/03"):
        with pytest.raises(InvalidArgument) as error:
            spread.check_periode(bad)
        assert error.value.field == "periode"


def test_the_predikat_are_counted_in_siasn_code_order():
    assert [(p, i) for i, p in enumerate(spread.PREDIKAT, 1)] == [(p.value, p.code) for p in Predikat]


def test_counts_are_for_administrators_and_operators_not_for_a_pegawai():
    target = policy.Target(unit_id="u-1")
    bkn = Principal(subject="bkn", roles=("admin_bkn",))
    operator = Principal(subject="ops", roles=("operator",))
    assert policy.authorize("GetUnitPredikatSpread", bkn, target) == policy.ALL
    assert policy.authorize("GetUnitPredikatSpread", operator, target) == policy.AGGREGATE
    nobody = Principal(subject="x", roles=())
    with pytest.raises(PermissionDenied):
        policy.authorize("GetUnitPredikatSpread", nobody, target)


def test_a_pegawai_of_the_units_instansi_is_refused():
    relations = FakeRelations(units={"u-1": "i-1"})
    pegawai = Principal(subject="p", roles=("pegawai",), instansi_id="i-1", nip="199001012020011001")
    with pytest.raises(PermissionDenied) as error:
        policy.authorize("GetUnitPredikatSpread", pegawai, policy.Target(unit_id="u-1"), relations)
    assert error.value.field == "unit_id"
    admin = Principal(subject="a", roles=("admin_instansi",), instansi_id="i-1")
    assert policy.authorize("GetUnitPredikatSpread", admin, policy.Target(unit_id="u-1"), relations) == policy.ALL
