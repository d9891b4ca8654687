"""Helpers shared by identity's use cases: who acts, date parsing, the user's day (audit records: `adapters/audit.py`,
or `uow.audit` in a converted use case)."""
from __future__ import annotations

import datetime as dt

from ekinerja_platform import clock
from ekinerja_platform.domain_errors import InvalidArgument, quote


def actor_of(principal) -> str:
    return principal.subject if principal is not None else "anonymous"


def parse_date(text: str, field: str, *, default: dt.date | None = None, required: bool = True) -> dt.date | None:
    if not text:
        if default is not None or not required:
            return default
        raise InvalidArgument(f"{field}: is required (YYYY-MM-DD)", field=field)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"{field}: {quote(text)} is not a date (YYYY-MM-DD)", field=field) from None


def today() -> dt.date:
    """The user's day, from the platform clock (the instansi's zone, never the container's)."""
    return clock.today()
