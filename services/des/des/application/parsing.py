"""Turning request strings into domain values, with errors that name the field."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Literal, overload

from ekinerja_platform.domain_errors import InvalidArgument, quote


def date(value: str, field: str, default: dt.date | None = None) -> dt.date:
    if not value:
        if default is None:
            raise InvalidArgument("is required (YYYY-MM-DD)", field=field)
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(f"{quote(value)} is not a date (YYYY-MM-DD)", field=field) from None


def month(value: str, field: str, default: dt.date | None = None) -> tuple[int, int]:
    if not value:
        if default is None:
            raise InvalidArgument("is required (YYYY-MM)", field=field)
        return default.year, default.month
    try:
        year, month_number = value.split("-")
        y, m = int(year), int(month_number)
        if len(value) != 7 or not 1 <= m <= 12:
            raise ValueError
        return y, m
    except ValueError:
        raise InvalidArgument(f"{quote(value)} is not a month (YYYY-MM)", field=field) from None


@overload
def decimal(value: str, field: str, *, required: Literal[True] = True) -> Decimal: ...


@overload
def decimal(value: str, field: str, *, required: bool) -> Decimal | None: ...


def decimal(value: str, field: str, *, required: bool = True) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise InvalidArgument("is required", field=field)
        return None
    try:
        out = Decimal(value.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise InvalidArgument(f"{quote(value)} is not a number", field=field) from None
    if not out.is_finite():
        raise InvalidArgument(f"{quote(value)} is not a number", field=field)
    return out


def places(value: Decimal) -> int:
    """Digits after the point of a finite value (`decimal` refuses the others)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def time(value: str, field: str) -> dt.time | None:
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(f"{quote(value)} is not a time (HH:MM)", field=field) from None


def nip(value: str, field: str = "nip") -> str:
    if not (len(value) == 18 and value.isdigit()):
        raise InvalidArgument("must be 18 digits", field=field)
    return value
