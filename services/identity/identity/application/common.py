"""Helpers shared by identity's use cases: audit records, date parsing."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ekinerja_platform import clock
from ekinerja_platform.domain_errors import InvalidArgument, quote

from ..adapters.tables import audit_log


def audit(session, *, actor: str, action: str, target: str | None = None, source: str | None = None,
          correlation_id: str | None = None, **detail) -> None:
    """Who did what to what, in the same transaction as the change (DESIGN §6)."""
    session.execute(sa.insert(audit_log).values(actor=actor, action=action, target=target, source=source,
                                                correlation_id=correlation_id, detail=detail))


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
