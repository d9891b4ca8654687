"""Compliance, achievement and recommendation rules on plain values; and every RPC has an authorisation rule."""
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from recap.application import policy
from recap.domain import achievement, advice, compliance
from recap.domain.periods import period_bounds, working_days

pytestmark = pytest.mark.unit
d = dt.date.fromisoformat


def test_working_days_skip_weekends_and_holidays():
    days = working_days(d("2025-03-28"), d("2025-04-04"), holidays={d("2025-03-31")})
    assert days == [d("2025-03-28"), d("2025-04-01"), d("2025-04-02"), d("2025-04-03"), d("2025-04-04")]


def test_status_spans_exclude_leave_only_while_it_lasts_and_retirement_for_good():
    spans = [compliance.StatusSpan(d("2025-03-10"), d("2025-03-14"), "aktif", "cuti", "t1"),
             compliance.StatusSpan(d("2025-06-01"), None, "aktif", "pensiun", "t2")]
    assert compliance.status_on(d("2025-03-09"), spans, "aktif") == "aktif"
    assert compliance.status_on(d("2025-03-12"), spans, "aktif") == "cuti"
    assert compliance.status_on(d("2025-03-17"), spans, "aktif") == "aktif"
    assert compliance.status_on(d("2025-07-01"), spans, "aktif") == "pensiun"


def test_a_mid_month_move_splits_the_days_between_units():
    posts = [compliance.AssignmentSpan("u-a", "j-a", d("2025-01-01"), d("2025-03-14")),
             compliance.AssignmentSpan("u-b", "j-b", d("2025-03-15"), None)]
    owed = compliance.employee_days(d("2025-03-10"), d("2025-03-21"), frozenset(), [], "aktif", posts)
    assert [u for _, u in owed] == ["u-a"] * 5 + ["u-b"] * 5


def test_acting_post_does_not_hide_the_definitive_one():
    posts = [compliance.AssignmentSpan("u-plt", "j-x", d("2025-03-01"), None, acting=True),
             compliance.AssignmentSpan("u-a", "j-a", d("2025-01-01"), None)]
    assert compliance.assignment_on(d("2025-03-05"), posts).unit_id == "u-a"


def test_backlog_counts_only_entries_older_than_the_limit_per_penilai():
    as_of = d("2025-03-20")
    found = compliance.backlog_findings([("p1", "u-a", "2025-03-10T08:00:00+00:00"),
                                         ("p1", "u-a", "2025-03-18T08:00:00+00:00"),
                                         ("p2", "u-a", "2025-03-01T08:00:00+00:00")], as_of, 3)
    assert [(f.nip, f.count, f.age_days) for f in found] == [("p1", 1, 10), ("p2", 1, 19)]


def test_monthly_achievement_uses_des_month_target_never_the_yearly_twelfth():
    split = {(2025, 1): Decimal("3.333"), (2025, 2): Decimal("3.333"), (2025, 3): Decimal("3.334")}
    target = achievement.Target("s", "k", Decimal(10), d("2025-01-01"), d("2025-03-31"), split)
    value = achievement.monthly_achievement([target], {("s", "k"): Decimal(1)}, 2025, 3)
    assert value == Decimal(1) / Decimal("3.334") * 100
    assert achievement.show(value) == "29.99"
    assert achievement.monthly_achievement([target], {}, 2025, 4) is None
    assert achievement.show(Decimal("90.995")) == "91.00"
    # a month whose target is 0 (or not known yet) has no percentage, whatever was done in it
    zero = achievement.Target("s", "z", Decimal(12), d("2025-01-01"), d("2025-12-31"), {(2025, 1): Decimal(0)})
    assert achievement.monthly_achievement([zero], {("s", "z"): Decimal(12)}, 2025, 1) is None
    assert achievement.monthly_achievement([zero], {("s", "z"): Decimal(1)}, 2025, 2) is None
    assert achievement.kegiatan_status(Decimal(0), Decimal(3), Decimal(0)) == "target_zero"
    assert achievement.kegiatan_status(Decimal(0), Decimal(0), Decimal(0)) == ""
    assert achievement.kegiatan_status(None, Decimal(1), Decimal(1)) == "no_target"
    assert achievement.kegiatan_status(Decimal(2), Decimal(1), Decimal(1)) == ""


def test_work_without_a_monthly_target_is_advised_as_such_not_as_a_target_too_low():
    found = advice.work_without_monthly_target({("n1", "k1", "Mengajar"): (Decimal(0), Decimal(12))})
    assert [(a.kind, a.subject, a.personal) for a in found] == [("work_without_monthly_target", "n1", True)]
    assert found[0].numbers == {"kegiatan_id": "k1", "kegiatan": "Mengajar", "month_target": "0",
                                "realised": "12"}
    assert "DES" in found[0].message and "too low" not in found[0].message
    assert advice.work_without_monthly_target({}) == []


def test_recommendations_carry_numbers_and_respect_thresholds():
    low = advice.low_achievement_units({"u-a": [Decimal(40), Decimal(60)], "u-b": [Decimal(90)]})
    assert [(a.subject, a.numbers["achievement_pct"]) for a in low] == [("u-a", "50.00")]
    load = advice.target_load({"j-1": [Decimal(30)], "j-2": [Decimal(200)], "j-3": [Decimal(100)]})
    assert [(a.kind, a.subject) for a in load] == [("target_overloaded", "j-1"), ("target_underloaded", "j-2")]
    trend = advice.trending_down({"n1": [Decimal(90), Decimal(80), Decimal(70)],
                                  "n2": [Decimal(90), Decimal(95), Decimal(70)]})
    assert [a.subject for a in trend] == ["n1"] and trend[0].numbers["drop_points"] == "20.00"
    bias = advice.appraiser_bias({"p": [Decimal(95)], "q": [Decimal(70)], "r": [Decimal(80)]})
    assert {(a.kind, a.subject) for a in bias} == {("appraiser_lenient", "p"), ("appraiser_severe", "q")}
    assert advice.appraiser_bias({"p": [Decimal(95)]}) == []
    missing = advice.positions_without_skp({"j-1": (3, 1), "j-2": (2, 0)})
    assert [(a.subject, a.numbers["without_skp"]) for a in missing] == [("j-1", "1")]


def test_iso_week_bounds():
    assert period_bounds("week", d("2025-03-19")) == (d("2025-03-17"), d("2025-03-23"))


def test_every_rpc_in_the_proto_has_an_authorisation_rule():
    proto = (Path(__file__).resolve().parents[4] / "protos/ekinerja/recap/v1/recap.proto").read_text()
    rpcs = {line.split()[1].split("(")[0] for line in proto.splitlines() if line.strip().startswith("rpc ")}
    assert rpcs == set(policy.RULES)
