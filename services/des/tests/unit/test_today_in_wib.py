"""des's entry window counts days from the platform clock's "today" (the instansi's zone): at 23:30 UTC on 30 June an
activity dated 1 July (WIB) is not in the future, and June is still inside its window, as identity, skp and recap see
the same day. Fails with a UTC or container-zone clock (1 July refused as future) — checked."""
from __future__ import annotations

import datetime as dt

import pytest

from des.application.config import DesConfig
from des.domain import entry_window

pytestmark = pytest.mark.unit

LATE_UTC = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.timezone.utc)  # 06:30 WIB on 1 July


def test_today_is_the_wib_day(frozen_clock):
    frozen_clock(LATE_UTC)
    assert DesConfig().today() == dt.date(2026, 7, 1)


def test_an_activity_of_the_wib_day_is_inside_the_entry_window(frozen_clock):
    frozen_clock(LATE_UTC)
    today = DesConfig().today()
    entry_window.check_entry_date(dt.date(2026, 7, 1), today, 5)
    with pytest.raises(Exception, match="future"):
        entry_window.check_entry_date(dt.date(2026, 7, 2), today, 5)
