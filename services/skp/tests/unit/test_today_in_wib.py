"""skp's "today" (the RPCs' default day, the year score, the timers) and the day of an audited action are the platform
clock's, in the instansi's zone: at 23:30 UTC on 30 June it is 1 July in WIB, as in identity, des and recap. Fails with
`dt.date.today()` in a UTC container — checked."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from skp.adapters import repository
from skp.application import year_score
from skp.entrypoints import grpc_api as api

pytestmark = pytest.mark.unit

LATE_UTC = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.timezone.utc)  # 06:30 WIB on 1 July


def test_today_is_the_wib_day(frozen_clock):
    frozen_clock(LATE_UTC)
    assert api.today() == year_score.today() == dt.date(2026, 7, 1)


class _Rows:
    """Stands in for the session: only the audit rows the query would return."""

    def __init__(self, rows):
        self.rows = rows

    def execute(self, _query):
        return self

    def all(self):
        return self.rows


def test_an_action_at_23_30_utc_happened_on_the_next_wib_day(frozen_clock):
    frozen_clock(LATE_UTC)
    assert repository.audit_dates(_Rows([("approved", LATE_UTC)]), uuid.uuid4()) == {"approved": dt.date(2026, 7, 1)}
