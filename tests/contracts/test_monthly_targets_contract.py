"""`monthly_targets_set` (issue 16.2): what des publishes is what docs/events.md states and what recap reads.

des builds the envelope with `des.application.monthly_targets.event`; recap turns it into its `monthly_targets`
rows with `recap.domain.projection.monthly_target_rows`. Both are pure, so the contract is checked without a broker.
"""
import datetime as dt
import re
from decimal import Decimal

import pytest

from des.application import monthly_targets as des_targets
from des.domain import targets
from ekinerja_platform import topology
from ekinerja_platform.testing import REPO_ROOT
from recap.domain import projection

pytestmark = pytest.mark.unit


def _envelope():
    start, end = dt.date(2026, 9, 1), dt.date(2026, 12, 31)  # a document drafted after a move in September
    split = {"k1": targets.split_evenly(Decimal("2.000"), targets.months_between(start, end))}
    return des_targets.event("199001012015011001", "skp-1", "i-1", start, end, 3,
                             [("k1", "jam tatap muka", Decimal("2.000"))], split).envelope()


def test_des_publishes_the_documented_fields_and_recap_consumes_them():
    assert topology.SUBSCRIPTIONS["des"]["monthly_targets_set"] == ("recap",)
    row = next(line for line in (REPO_ROOT / "docs" / "events.md").read_text().splitlines()
               if line.startswith("| `monthly_targets_set`"))
    envelope = _envelope()
    data = envelope["data"]
    assert set(data) == {"skp_id", "nip", "instansi_id", "period_start", "period_end", "revision", "kegiatan"}
    for name in [*data, *data["kegiatan"][0], *data["kegiatan"][0]["months"][0]]:
        assert re.search(rf"\b{name}\b", row), name
    months = data["kegiatan"][0]["months"]
    assert [(m["tahun"], m["bulan"]) for m in months] == [(2026, b) for b in range(1, 13)]
    assert [m["kuantitas"] for m in months[:8]] == ["0.000"] * 8  # before the move: 0

    rows = projection.monthly_target_rows(envelope)
    assert {r["period_key"] for r in rows} == {f"2026-{b:02d}" for b in range(1, 13)}
    assert sum(r["kuantitas"] for r in rows) == Decimal(data["kegiatan"][0]["kuantitas"]) == Decimal(2)
    assert {(r["skp_id"], r["kegiatan_id"], r["nip"], r["revision"]) for r in rows} == {
        ("skp-1", "k1", "199001012015011001", 3)}
