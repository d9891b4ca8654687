"""recap's default day of a recap and the day the non-compliance gauge looks back from are the platform clock's
"today" (the instansi's zone), no longer UTC's: at 23:30 UTC on 30 June both are 1 July, as in identity, skp and des.
Fails with the former UTC clock (30 June) — checked."""
from __future__ import annotations

import datetime as dt

import pytest

from recap import metrics
from recap.application import recaps, requests

pytestmark = pytest.mark.unit

LATE_UTC = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.timezone.utc)  # 06:30 WIB on Wednesday 1 July


def test_the_daily_recap_defaults_to_the_wib_day(frozen_clock):
    frozen_clock(LATE_UTC)
    assert recaps.today() == dt.date(2026, 7, 1)
    assert requests.day("", "date", recaps.today()) == dt.date(2026, 7, 1)


class _Holidays:
    """Stands in for the connection: no national holidays, then the per-instansi counts of the day asked for."""

    def __init__(self):
        self.asked = []

    def execute(self, _query, params):
        self.asked.append(params)
        return self

    def scalars(self):
        return []

    def __iter__(self):
        return iter([])


def test_noncompliance_looks_back_from_the_wib_day(frozen_clock):
    frozen_clock(LATE_UTC)
    conn = _Holidays()
    metrics.noncompliant(conn)
    assert conn.asked[-1]["day"] == dt.date(2026, 6, 30)  # the working day before Wednesday 1 July
