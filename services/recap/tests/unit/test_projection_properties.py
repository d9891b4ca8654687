"""Properties of the pure projection: order, duplicates and rebuilds never change the numbers."""
import datetime as dt
from decimal import Decimal

import pytest
import recap_events as ev
from hypothesis import given, settings
from hypothesis import strategies as st
from recap_histories import NIPS, activity_histories

from recap.domain import projection
from recap.domain.periods import period_key

pytestmark = pytest.mark.unit


def apply_all(events):
    store = projection.MemoryStore()
    for envelope in events:
        store.apply(envelope)
    return store


def normalised(store):
    return {key: {k: v for k, v in row.items() if v} for key, row in store.counters.items()
            if any(row.values())}


@settings(max_examples=150, deadline=None)
@given(activity_histories(), st.randoms(use_true_random=False))
def test_any_order_of_the_same_events_gives_the_same_result(events, rnd):
    shuffled = list(events)
    rnd.shuffle(shuffled)
    in_order, out_of_order = apply_all(events), apply_all(shuffled)
    assert normalised(in_order) == normalised(out_of_order)
    assert in_order.facts == out_of_order.facts


@settings(max_examples=150, deadline=None)
@given(activity_histories(), st.data())
def test_an_event_applied_twice_counts_once(events, data):
    repeated = data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    once = apply_all(events)
    with_redeliveries = apply_all(events + repeated)
    assert normalised(with_redeliveries) == normalised(once)
    # even without the inbox, merging the same event again is a no-op on facts and counters
    store = apply_all(events)
    for envelope in repeated:
        projection.project(store, envelope)
    assert normalised(store) == normalised(once)


@settings(max_examples=150, deadline=None)
@given(activity_histories())
def test_sum_of_daily_counters_equals_the_month_and_months_the_year(events):
    counters = normalised(apply_all(events))
    by_month, by_year = {}, {}
    for (scope, kind, key, *rest), row in counters.items():
        if scope != "emp" or kind != "day":
            continue
        day = dt.date.fromisoformat(key)
        for target, period in ((by_month, period_key("month", day)), (by_year, period_key("year", day))):
            acc = target.setdefault((period, *rest), {})
            for name, amount in row.items():
                acc[name] = acc.get(name, 0) + amount
    months = {(key, *rest): row for (scope, kind, key, *rest), row in counters.items()
              if scope == "emp" and kind == "month"}
    years = {(key, *rest): row for (scope, kind, key, *rest), row in counters.items()
             if scope == "emp" and kind == "year"}
    assert months == {k: {n: v for n, v in row.items() if v} for k, row in by_month.items() if any(row.values())}
    assert years == {k: {n: v for n, v in row.items() if v} for k, row in by_year.items() if any(row.values())}


@settings(max_examples=100, deadline=None)
@given(activity_histories(), st.randoms(use_true_random=False))
def test_a_rebuild_from_the_event_log_equals_the_live_projection(events, rnd):
    shuffled = list(events) + list(events[:2])
    rnd.shuffle(shuffled)
    live = apply_all(shuffled)
    rebuilt = live.rebuilt()
    assert normalised(rebuilt) == normalised(live)
    assert rebuilt.facts == live.facts


@settings(max_examples=100, deadline=None)
@given(activity_histories())
def test_counters_equal_the_contributions_of_the_final_facts(events):
    store = apply_all(events)
    expected = {}
    for (kind, _), state in store.facts.items():
        for key, amounts in projection.contributions(kind, state).items():
            row = expected.setdefault(key, {})
            for name, amount in amounts.items():
                row[name] = row.get(name, 0) + amount
    assert normalised(store) == {k: v for k, v in expected.items() if any(v.values())}


def month_row(store, nip, unit="u-a", month="2025-03"):
    return normalised(store).get(("emp", "month", month, nip, unit, "i-1"), {})


def test_only_approved_or_locked_work_counts_as_realisation():
    nip = NIPS[0]
    common = dict(nip=nip, instansi_id="i-1", unit_id="u-a", tanggal="2025-03-03", skp_id="s1", kegiatan_id="k1")
    store = apply_all([ev.activity_submitted("x1", **common, kuantitas=3, version=1),
                       ev.activity_submitted("x2", **common, kuantitas=2, version=1),
                       ev.activity_reviewed("x2", **common, diakui=1, version=2),
                       ev.activity_submitted("x3", **common, kuantitas=4, version=1),
                       ev.period_locked(nip, "i-1", "s1", ["x3"], "2025-03-03"),
                       ev.activity_submitted("x4", **common, kuantitas=5, version=1),
                       ev.revision_requested("x4", nip, "i-1", "u-a", "2025-03-03", version=2)])
    row = month_row(store, nip)
    assert row["reported"] == 4 and row["reported_qty"] == Decimal(14)
    assert row["approved"] == 2 and row["recognised_qty"] == Decimal(5)  # x2 recognised 1 + x3 locked 4
    assert row["pending"] == 1 and row["revisions"] == 1


def test_proses_entries_count_for_the_month_but_not_the_year():
    nip = NIPS[0]
    common = dict(nip=nip, instansi_id="i-1", unit_id="u-a", tanggal="2025-03-04", skp_id="s1", kegiatan_id="k1")
    store = apply_all([ev.activity_submitted("p1", **common, kuantitas=2, proses=True, version=1),
                       ev.activity_reviewed("p1", **common, diakui=2, proses=True, version=2),
                       ev.activity_submitted("f1", **common, kuantitas=3, version=1),
                       ev.activity_reviewed("f1", **common, diakui=3, version=2)])
    row = month_row(store, nip)
    assert row["recognised_qty"] == Decimal(5) and row["recognised_qty_final"] == Decimal(3)
    kegiatan_year = normalised(store)[("keg", "year", "2025", nip, "s1", "k1")]
    assert kegiatan_year["recognised_qty_final"] == Decimal(3)


def test_a_late_older_version_does_not_undo_a_review():
    nip = NIPS[0]
    common = dict(nip=nip, instansi_id="i-1", unit_id="u-a", tanggal="2025-03-05", skp_id="s1", kegiatan_id="k1")
    store = apply_all([ev.activity_reviewed("r1", **common, diakui=2, version=2),
                       ev.activity_submitted("r1", **common, kuantitas=3, version=1)])
    row = month_row(store, nip)
    assert row["approved"] == 1 and row.get("pending", 0) == 0
    assert row["reported_qty"] == Decimal(3) and row["recognised_qty"] == Decimal(2)


def test_an_event_breaking_its_contract_is_refused():
    bad = ev.activity_submitted("b1", NIPS[0], "i-1", "u-a", "2025-03-05")
    del bad["data"]["version"]
    with pytest.raises(projection.BadEvent, match="version"):
        projection.updates_of(bad)


@settings(max_examples=100, deadline=None)
@given(activity_histories())
def test_kegiatan_totals_of_a_month_facts_equal_the_month_kegiatan_counters(events):
    """A day or week recap sums facts per kegiatan at query time; over a whole month that sum is exactly what the
    maintained month kegiatan counters hold."""
    store = apply_all(events)
    months = {key[2] for key in store.counters if key[0] == "keg" and key[1] == "month"}
    for month in months:
        for nip in NIPS:
            facts = [(kind, state) for (kind, _), state in store.facts.items()
                     if projection.value(state, "nip") == nip and projection.value(state, "tanggal")
                     and str(projection.value(state, "tanggal"))[:7] == month]
            kept = {(key[4], key[5]): {k: v for k, v in row.items() if v} for key, row in store.counters.items()
                    if key[:4] == ("keg", "month", month, nip) and any(row.values())}
            summed = {k: {name: v for name, v in row.items() if v}
                      for k, row in projection.kegiatan_totals(facts).items()}
            assert {k: v for k, v in summed.items() if v} == kept
