"""recap's read use cases on the in-memory unit of work (recap_fakes.py): no PostgreSQL, no broker.

The numbers themselves come from the read port (tests/integration check the SQL); here the tests check what the
use cases decide: which view each caller gets (own line, subordinates, totals only), which field a refusal names,
pages and their tokens, a year counting recognised work without `proses`, the recommendations an operator may see.
Checked failing: with the AGGREGATE row filter removed from `unit_recap`, the subordinates filter removed from
`noncompliance` and `for_period` made a no-op.
"""
import datetime as dt
from decimal import Decimal

import pytest
from recap_fakes import FakeRecapUnitOfWork, FakeRelations, line

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, PermissionDenied
from ekinerja_platform.tokens import Principal
from recap.application import recaps, recommendations, spread
from recap.domain.compliance import AssignmentSpan, Finding
from recap.domain.lines import total_of

pytestmark = pytest.mark.unit

PENILAI = "197001012000011001"
ANI, BUDI, CICI = "198001012005012001", "198002022005011002", "198003032005012003"
BKN = Principal("bkn-1", ("admin_bkn",))
ADMIN = Principal("admin-1", ("admin_instansi",), instansi_id="i-1")
OTHER_ADMIN = Principal("admin-2", ("admin_instansi",), instansi_id="i-2")
OPERATOR = Principal("ops-1", ("operator",))
BOSS = Principal(PENILAI, ("pegawai",), instansi_id="i-1", nip=PENILAI)
ANI_SELF = Principal(ANI, ("pegawai",), instansi_id="i-1", nip=ANI)


@pytest.fixture
def uow():
    unit = FakeRecapUnitOfWork(FakeRelations(subordinates={PENILAI: {ANI}},
                                             employees={ANI: "i-1", BUDI: "i-1", PENILAI: "i-1"},
                                             units={"u-1": "i-1"}))
    unit.reads.unit_names["u-1"] = "Bidang Satu"
    unit.reads.unit_lines["u-1"] = [line(CICI, reported=3, achievement=40), line(ANI, reported=2, achievement=80),
                                    line(BUDI, reported=1, pending=1), line(PENILAI, achievement=100)]
    return unit


def _employee(nip, recognised=Decimal(5), final=Decimal(3)):
    total = line(nip, recognised_qty=recognised, recognised_qty_final=final)
    return {"nip": nip, "nama": "Ani", "period_key": "2025", "total": total, "by_unit": [], "kegiatan": [],
            "evaluasi": []}


# -- an employee ---------------------------------------------------------------------------------------------------

def test_a_pegawai_reads_its_own_year_counting_recognised_work_without_proses(uow):
    uow.reads.employees[ANI] = _employee(ANI)
    recap = recaps.employee_recap(uow, ANI_SELF, "year", "2025-06-15", "", False)
    assert recap["nip"] == ANI and (recap["start"], recap["end"]) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert recap["total"].counters["recognised_qty"] == Decimal(3)   # recognised_qty_final (DOMAIN §0.15)


def test_a_penilai_reads_a_subordinate_but_not_a_stranger(uow):
    uow.reads.employees[ANI] = _employee(ANI)
    assert recaps.employee_recap(uow, BOSS, "month", "2025-06-15", ANI, False)["total"].counters[
        "recognised_qty"] == Decimal(5)
    with pytest.raises(PermissionDenied) as refused:
        recaps.employee_recap(uow, BOSS, "month", "2025-06-15", BUDI, False)
    assert refused.value.field == "nip" and uow.reads.calls == ["employee_recap"]


def test_an_employee_request_is_checked_before_anything_is_read(uow):
    for args, field in ((("", "2025-06-15", ANI, False), "period"), (("month", "2025-6-15", ANI, False), "date"),
                        (("week", "2025-06-15", ANI, True), "snapshot")):
        with pytest.raises(InvalidArgument) as refused:
            recaps.employee_recap(uow, BKN, *args)
        assert refused.value.field == field
    with pytest.raises(InvalidArgument) as refused:
        recaps.employee_recap(uow, BKN, "month", "", "", False)   # admin_bkn has no NIP of its own
    assert refused.value.field == "nip" and not uow.reads.calls


def test_a_snapshot_of_a_month_not_closed_is_refused(uow):
    with pytest.raises(FailedPrecondition) as refused:
        recaps.employee_recap(uow, BKN, "month", "2025-06-15", ANI, True)
    assert refused.value.field == "snapshot"


# -- a unit ----------------------------------------------------------------------------------------------------------

def test_an_administrator_pages_through_the_unit_by_nip(uow):
    first = recaps.unit_recap(uow, ADMIN, "u-1", "month", "2025-06-15", False, 3, "")
    assert first.shown and first.unit_nama == "Bidang Satu" and first.employees == 4
    assert [row[0] for row in first.rows] == sorted([ANI, BUDI, CICI, PENILAI])[:3]
    assert first.total[5] == 6 and first.total[14] == "73.33"   # every member's total, not the page's
    last = recaps.unit_recap(uow, ADMIN, "u-1", "month", "2025-06-15", False, 3, first.next_page_token)
    assert [row[0] for row in last.rows] == sorted([ANI, BUDI, CICI, PENILAI])[3:] and last.next_page_token == ""


def test_an_operator_gets_the_unit_totals_without_a_row(uow):
    recap = recaps.unit_recap(uow, OPERATOR, "u-1", "month", "2025-06-15", False, 100, "")
    assert recap.rows == [] and recap.employees == 4 and recap.total[5] == 6 and recap.next_page_token == ""


def test_a_penilai_sees_its_own_and_its_subordinates_lines_only(uow):
    recap = recaps.unit_recap(uow, BOSS, "u-1", "month", "2025-06-15", False, 100, "")
    assert sorted(row[0] for row in recap.rows) == sorted([ANI, PENILAI]) and recap.employees == 2
    assert uow.relations.asked == [(PENILAI, dt.date(2025, 6, 1), dt.date(2025, 6, 30))]


def test_a_unit_of_another_instansi_or_a_foreign_token_is_refused(uow):
    with pytest.raises(PermissionDenied) as refused:
        recaps.unit_recap(uow, OTHER_ADMIN, "u-1", "month", "2025-06-15", False, 100, "")
    assert refused.value.field == "unit_id"
    token = recaps.unit_recap(uow, ADMIN, "u-1", "month", "2025-06-15", False, 1, "").next_page_token
    with pytest.raises(InvalidArgument) as refused:
        recaps.unit_recap(uow, ADMIN, "u-1", "year", "2025-06-15", False, 1, token)
    assert refused.value.field == "page_token"
    with pytest.raises(InvalidArgument) as refused:
        recaps.unit_recap(uow, ADMIN, "", "month", "2025-06-15", False, 1, "")
    assert refused.value.field == "unit_id"


# -- an instansi ---------------------------------------------------------------------------------------------------

def test_an_instansi_recap_has_a_row_per_unit_and_is_for_administrators(uow):
    uow.reads.instansi["i-1"] = {"u-1": {ANI: line(ANI, reported=2)},
                                 "u-2": {BUDI: line(BUDI, "u-2", reported=5)}}
    recap = recaps.instansi_recap(uow, ADMIN, "i-1", "month", "2025-06-15", False, 1, "")
    assert [row.key for row in recap["rows"]] == ["u-1"] and recap["total"].counters["reported"] == 7
    assert recap["next_page_token"]
    for caller in (BOSS, OTHER_ADMIN):
        with pytest.raises(PermissionDenied):
            recaps.instansi_recap(uow, caller, "i-1", "month", "2025-06-15", False, 1, "")


# -- non-compliance ------------------------------------------------------------------------------------------------

def test_a_penilai_sees_its_subordinates_findings_without_the_excused_days(uow):
    uow.reads.findings = [Finding(BUDI, "no_report", "u-1", dt.date(2025, 6, 2)),
                          Finding(ANI, "no_report", "u-1", dt.date(2025, 6, 3)),
                          Finding(ANI, "no_plan", "u-1", dt.date(2025, 6, 2))]
    uow.reads.excluded = 4
    everyone = recaps.noncompliance(uow, ADMIN, "", "", "2025-06-01", "2025-06-30", 0, 100, "")
    assert [(f.kind, f.nip) for f in everyone.findings] == [("no_plan", ANI), ("no_report", ANI),
                                                            ("no_report", BUDI)]
    assert everyone.excluded_employee_days == 4
    mine = recaps.noncompliance(uow, BOSS, "", "", "2025-06-01", "2025-06-30", 0, 100, "")
    assert {f.nip for f in mine.findings} == {ANI} and mine.excluded_employee_days == 0


def test_noncompliance_refuses_a_long_range_and_operators(uow):
    with pytest.raises(InvalidArgument) as refused:
        recaps.noncompliance(uow, ADMIN, "", "", "2025-01-01", "2025-04-30", 0, 100, "")
    assert refused.value.field == "date_to"
    with pytest.raises(InvalidArgument) as refused:
        recaps.noncompliance(uow, ADMIN, "", "", "2025-01-01", "2025-01-31", -1, 100, "")
    assert refused.value.field == "backlog_days"
    with pytest.raises(PermissionDenied):
        recaps.noncompliance(uow, OPERATOR, "i-1", "", "2025-06-01", "2025-06-30", 0, 100, "")
    assert not uow.reads.calls


# -- recommendations -----------------------------------------------------------------------------------------------

def _advice_data(uow):
    posts = {ANI: [AssignmentSpan("u-1", "j-1", dt.date(2024, 1, 1), None)],
             BUDI: [AssignmentSpan("u-1", "j-1", dt.date(2024, 1, 1), None)]}
    uow.reads.posts = posts
    uow.reads.pcts = {(ANI, "2025-06"): Decimal(30), (BUDI, "2025-06"): Decimal(40)}
    uow.reads.positions = {(ANI, "j-1")}
    uow.reads.backlogs = [Finding(PENILAI, "review_backlog", "u-1", None, 5, 9)]


def test_recommendations_from_the_months_figures(uow):
    _advice_data(uow)
    found = recommendations.recommendations(uow, ADMIN, "", "", 2025, 6, 0, dt.date(2025, 7, 1))
    kinds = [(a.kind, a.subject) for a in found]
    assert kinds == [("low_achievement_unit", "u-1"), ("position_without_approved_skp", "j-1"),
                     ("review_backlog", PENILAI), ("target_overloaded", "j-1")]
    assert found[1].numbers == {"holders": "2", "without_skp": "1"}


def test_an_operator_gets_no_advice_naming_a_person_and_a_pegawai_none(uow):
    _advice_data(uow)
    found = recommendations.recommendations(uow, OPERATOR, "i-1", "", 2025, 6, 0, dt.date(2025, 7, 1))
    assert found and not [a for a in found if a.personal]
    with pytest.raises(PermissionDenied):
        recommendations.recommendations(uow, BOSS, "", "", 2025, 6, 0, dt.date(2025, 7, 1))
    with pytest.raises(InvalidArgument) as refused:
        recommendations.recommendations(uow, ADMIN, "", "", 2025, 13, 0, dt.date(2025, 7, 1))
    assert refused.value.field == "bulan"


# -- files -------------------------------------------------------------------------------------------------------

def test_an_export_is_the_units_lines_and_the_total(uow):
    table = recaps.export_recap(uow, ADMIN, "month", "2025-06-15", "csv", "u-1", "")
    assert table.filename == "recap-unit-u-1-2025-06" and table.format == "csv"
    assert [row[0] for row in table.cells] == sorted([ANI, BUDI, CICI, PENILAI]) + ["TOTAL"]
    assert table.cells[-1][3] == 4 and table.cells[-1][6] == 6   # employees, reported
    only_total = recaps.export_recap(uow, OPERATOR, "month", "2025-06-15", "xlsx", "u-1", "")
    assert [row[0] for row in only_total.cells] == ["TOTAL"]


def test_an_export_names_one_scope_and_a_known_format(uow):
    with pytest.raises(InvalidArgument) as refused:
        recaps.export_recap(uow, ADMIN, "month", "2025-06-15", "csv", "u-1", "i-1")
    assert refused.value.field == "unit_id"
    with pytest.raises(InvalidArgument) as refused:
        recaps.export_recap(uow, ADMIN, "month", "2025-06-15", "", "u-1", "")
    assert refused.value.field == "format"


def test_a_chart_of_an_employee_is_titled_with_the_name_and_a_unit_chart_is_for_administrators(uow):
    uow.reads.names[ANI] = "Ani"
    uow.reads.series[ANI] = [Decimal(50)] + [None] * 11
    chart = recaps.achievement_chart(uow, ANI_SELF, 2025, ANI, "")
    assert chart.title == "Capaian bulanan 2025: Ani" and chart.values[0] == Decimal(50)
    with pytest.raises(PermissionDenied) as refused:
        recaps.achievement_chart(uow, BOSS, 2025, "", "u-1")
    assert refused.value.field == "unit_id"
    with pytest.raises(InvalidArgument) as refused:
        recaps.achievement_chart(uow, BKN, 2025, ANI, "u-1")
    assert refused.value.field == "nip"


# -- the predikat spread -------------------------------------------------------------------------------------------

def test_the_spread_counts_all_five_predikat_for_an_administrator(uow):
    uow.reads.predikat[("u-1", "2025-Q1")] = {"baik": 3, "kurang": 1}
    unit_id, periode, counts = spread.unit_predikat_spread(uow, ADMIN, " u-1 ", " 2025-Q1 ")
    assert (unit_id, periode) == ("u-1", "2025-Q1")
    assert list(counts.items()) == [("sangat_baik", 0), ("baik", 3), ("butuh_perbaikan", 0), ("kurang", 1),
                                    ("sangat_kurang", 0)]
    with pytest.raises(PermissionDenied):
        spread.unit_predikat_spread(uow, BOSS, "u-1", "2025-Q1")


def test_total_of_lines_means_only_known_achievements():
    total = total_of([line(ANI, achievement=80), line(BUDI), line(ANI, "u-2", achievement=60)])
    assert total.achievement == Decimal(70) and total.employees == 2
