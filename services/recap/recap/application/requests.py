"""Checks of the values a recap request carries (dates, periods, months, pages), in the order the RPCs apply them;
each refusal names its field."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

from ekinerja_platform.domain_errors import InvalidArgument

KINDS = ("day", "week", "month", "year")
MAX_PAGE = 1000


def period(kind: str) -> str:
    """`kind`: the period the entrypoint read from the request ("" when it is none of them)."""
    if kind not in KINDS:
        raise InvalidArgument("must be PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH or PERIOD_YEAR", field="period")
    return kind


def day(raw: str, field: str, default: dt.date | None = None) -> dt.date:
    if not raw:
        if default is None:
            raise InvalidArgument("is required (YYYY-MM-DD)", field=field)
        return default
    try:
        if len(raw) != 10:
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidArgument("must be a date YYYY-MM-DD", field=field) from None


def required(value: str, field: str) -> str:
    if not value or not value.strip():
        raise InvalidArgument("is required", field=field)
    return value.strip()


def year(tahun: int) -> int:
    if not 2000 <= tahun <= 2100:
        raise InvalidArgument("must be a year between 2000 and 2100", field="tahun")
    return tahun


def month(tahun: int, bulan: int) -> tuple[int, int]:
    year(tahun)
    if not 1 <= bulan <= 12:
        raise InvalidArgument("must be a month 1-12", field="bulan")
    return tahun, bulan


def backlog_days(value: int) -> int:
    """Days a review may wait before it counts as a backlog (default 3)."""
    if value < 0:
        raise InvalidArgument("must not be negative", field="backlog_days")
    return value or 3


def snapshot_period(snapshot: bool, kind: str) -> None:
    if snapshot and kind != "month":
        raise InvalidArgument("a snapshot exists for a closed month only (period PERIOD_MONTH)", field="snapshot")


# -- offset pages, bound to the query they belong to -----------------------------------------------------------

def fingerprint(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def page(page_size: int, page_token: str, fingerprint: str) -> tuple[int, int]:
    """(offset, size) of the page asked for."""
    size = page_size or 100
    if size < 0 or size > MAX_PAGE:
        raise InvalidArgument(f"must be between 1 and {MAX_PAGE}", field="page_size")
    if not page_token:
        return 0, size
    try:
        token = json.loads(base64.urlsafe_b64decode(page_token.encode()))
        offset, seen = int(token["o"]), token["f"]
    except Exception:
        raise InvalidArgument("is not a token this service issued", field="page_token") from None
    if seen != fingerprint or offset < 0:
        raise InvalidArgument("belongs to a different query", field="page_token")
    return offset, size


def next_token(offset: int, size: int, total: int, fingerprint: str) -> str:
    if offset + size >= total:
        return ""
    return base64.urlsafe_b64encode(json.dumps({"o": offset + size, "f": fingerprint}).encode()).decode()
