"""A closed document's served months add up to skp's prorated yearly target (docs/adr/002, issue 16 carry-over):
the agreed split is kept where it fits, the difference goes to (or comes from) the last served months."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from des.domain import targets

pytestmark = pytest.mark.unit
D = Decimal
SERVED = [(2024, m) for m in range(1, 6)]


def test_the_even_split_of_10_over_12_served_for_5_months_becomes_skps_4_17():
    year = [(2024, m) for m in range(1, 13)]
    split = targets.split_evenly(D("10"), year)
    served = {k: v for k, v in split.items() if k in SERVED}
    assert sum(served.values()) == D("4.165")  # what des kept before: not skp's 4.17
    fitted = targets.fit_served(D("4.17"), served, SERVED)
    assert sum(fitted.values()) == D("4.17")
    assert [fitted[k] for k in SERVED] == [D("0.833")] * 4 + [D("0.838")]


def test_a_front_loaded_split_gives_back_from_the_last_months():
    current = {(2024, 1): D("6"), (2024, 2): D("3"), (2024, 3): D("1"), (2024, 4): D("0"), (2024, 5): D("0")}
    fitted = targets.fit_served(D("8.5"), current, SERVED)
    assert [fitted[k] for k in SERVED] == [D("6"), D("2.5"), D("0"), D("0"), D("0")]


def test_months_that_already_add_up_stay_as_they_are():
    current = {k: D("2") for k in SERVED}
    assert targets.fit_served(D("10"), current, SERVED) == current


def test_no_split_yet_gets_the_suggestion():
    assert targets.fit_served(D("5"), {}, SERVED) == targets.split_evenly(D("5"), SERVED)


@given(st.lists(st.decimals(min_value=0, max_value=500, places=3), min_size=5, max_size=5),
       st.decimals(min_value=0, max_value=1000, places=2))
def test_always_exact_and_never_negative(values, total):
    fitted = targets.fit_served(total, dict(zip(SERVED, values, strict=True)), SERVED)
    assert sum(fitted.values()) == total and all(v >= 0 for v in fitted.values())
