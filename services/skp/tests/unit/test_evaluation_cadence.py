"""The periodic-evaluation cadence per instansi and year (issue 22 item 3) as a domain rule: every combination of
cadence × period kind × JPT, and the setting's own validation (no database)."""
from __future__ import annotations

import itertools

import pytest

from ekinerja_platform.domain_errors import InvalidArgument
from skp.domain import evaluation as ev
from skp.domain import rhk
from skp.domain import ruleset_setting as rs

pytestmark = pytest.mark.unit

PERIODS = {ev.BULANAN: "2024-03", ev.TRIWULANAN: "2024-Q1", ev.TAHUNAN: "2024"}
KINDS = {False: "struktural_administrator", True: rhk.JPT_KIND}

# (cadence, period kind, is JPT) -> accepted? The annual always; a JPT per quarter whatever the cadence and never
# per month; anyone else exactly at the instansi's cadence.
EXPECTED = {
    (rs.BULANAN, ev.BULANAN, False): True,
    (rs.BULANAN, ev.TRIWULANAN, False): False,
    (rs.BULANAN, ev.TAHUNAN, False): True,
    (rs.TRIWULANAN, ev.BULANAN, False): False,
    (rs.TRIWULANAN, ev.TRIWULANAN, False): True,
    (rs.TRIWULANAN, ev.TAHUNAN, False): True,
    (rs.BULANAN, ev.BULANAN, True): False,
    (rs.BULANAN, ev.TRIWULANAN, True): True,
    (rs.BULANAN, ev.TAHUNAN, True): True,
    (rs.TRIWULANAN, ev.BULANAN, True): False,
    (rs.TRIWULANAN, ev.TRIWULANAN, True): True,
    (rs.TRIWULANAN, ev.TAHUNAN, True): True,
}


def test_the_table_covers_every_combination():
    assert set(EXPECTED) == set(itertools.product(rs.SIKLUS, PERIODS, KINDS))


@pytest.mark.parametrize(("siklus", "jenis", "jpt"), sorted(EXPECTED))
def test_every_cadence_period_and_jpt_combination(siklus, jenis, jpt):
    periode = ev.parse_periode(PERIODS[jenis])
    if EXPECTED[(siklus, jenis, jpt)]:
        ev.check_siklus(periode, siklus, KINDS[jpt])
        return
    with pytest.raises(InvalidArgument) as raised:
        ev.check_siklus(periode, siklus, KINDS[jpt])
    assert raised.value.field == "periode"
    assert ("JPT" in str(raised.value)) if jpt else (siklus in str(raised.value) and "2024" in str(raised.value))


def test_the_refusal_says_which_cadence_and_form_the_instansi_uses():
    with pytest.raises(InvalidArgument, match=r"triwulanan pada tahun 2024: periode harus TTTT-Qn"):
        ev.check_siklus(ev.parse_periode("2024-07"), rs.TRIWULANAN, "struktural_administrator")
    with pytest.raises(InvalidArgument, match=r"bulanan pada tahun 2024: periode harus TTTT-BB"):
        ev.check_siklus(ev.parse_periode("2024-Q3"), rs.BULANAN, "fungsional_tertentu")


def test_default_cadence_is_quarterly_like_a_jpt():
    assert rs.DEFAULT_SIKLUS == rs.TRIWULANAN == ev.TRIWULANAN and rs.BULANAN == ev.BULANAN


@pytest.mark.parametrize("value", ["", "tahunan", "Bulanan", "mingguan"])
def test_an_unknown_cadence_is_refused_naming_the_field(value):
    with pytest.raises(InvalidArgument) as raised:
        rs.check_siklus(value)
    assert raised.value.field == "siklus_evaluasi"


@pytest.mark.parametrize("value", rs.SIKLUS)
def test_known_cadences_pass(value):
    assert rs.check_siklus(value) == value
