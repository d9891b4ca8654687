"""identity's "today" is the platform clock's (the instansi's zone), not the container's: at 23:30 UTC on 30 June it is
already 1 July in WIB, and a NIP with TMT CPNS in that July is valid. Fails with `dt.date.today()` in a UTC container
(the NIP is then "in the future") — checked."""
from __future__ import annotations

import datetime as dt

import pytest

from identity.application import common, org

pytestmark = pytest.mark.unit

LATE_UTC = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.timezone.utc)  # 06:30 WIB on 1 July


def test_today_is_the_wib_day(frozen_clock):
    frozen_clock(LATE_UTC)
    assert common.today() == dt.date(2026, 7, 1)


def test_a_nip_recruited_this_wib_month_is_not_in_the_future(frozen_clock):
    frozen_clock(dt.datetime(2030, 6, 30, 23, 30, tzinfo=dt.timezone.utc))  # 1 July 2030 in WIB, after the real date
    assert org.valid_nip("199001012030071001") == "199001012030071001"
