"""Indonesian mobile numbers and their one-time verification codes (issue 19): standard library only.

A number arrives as people write it (`0812-3456-7890`, `62 812 3456 7890`, `+6281234567890`) and is kept in one
form, E.164 (`+62812…`), so the same phone always hashes to the same lookup key. Only mobile numbers (national
significant number starting with 8) can receive the SMS that carries the code.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from .errors import InvalidArgument

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=15)
MAX_WRONG_ATTEMPTS = 5
# every registration texts a code to the number: bounded so nobody uses the gateway to flood a phone (someone else's
# number typed again and again) or to run up the SMS bill
MAX_REGISTRATIONS_PER_EMPLOYEE_PER_DAY = 5
MAX_CODES_PER_NUMBER_PER_DAY = 3
# national significant number of an Indonesian mobile: 8 then 8 to 11 digits (0812-345-678 .. 0812-3456-78901)
_MOBILE = re.compile(r"^8\d{8,11}$")
_SEPARATORS = re.compile(r"[\s.\-()/]")


def normalize_phone(text: str, field: str = "phone") -> str:
    """`text` as E.164 (`+628…`); InvalidArgument naming `field` for anything that is not an Indonesian mobile."""
    compact = _SEPARATORS.sub("", text or "")
    if not compact:
        raise InvalidArgument(f"{field}: nomor telepon wajib diisi", field=field)
    if compact.startswith("+62"):
        national = compact[3:]
    elif compact.startswith("62"):
        national = compact[2:]
    elif compact.startswith("0"):
        national = compact[1:]
    else:
        national = None
    if national is None or not _MOBILE.match(national):
        raise InvalidArgument(f"{field}: bukan nomor ponsel Indonesia yang sah (contoh 081234567890 atau "
                              "+6281234567890)", field=field)
    return "+62" + national


def mask_phone(e164: str) -> str:
    """What a person may be shown of a number: `+62812****7890` (operator prefix and the last four digits)."""
    return e164[:6] + "*" * (len(e164) - 10) + e164[-4:]


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def check_code_format(code: str, field: str = "code") -> str:
    compact = (code or "").strip()
    if not (len(compact) == CODE_DIGITS and compact.isdigit()):
        raise InvalidArgument(f"{field}: kode verifikasi terdiri dari {CODE_DIGITS} angka", field=field)
    return compact


def registration_refusal(by_employee: int, to_number: int) -> str | None:
    """Why one more code may not be sent today (an Indonesian message), given the codes of the last 24 hours sent
    for this employee and to this number; None when it may."""
    if by_employee >= MAX_REGISTRATIONS_PER_EMPLOYEE_PER_DAY:
        return (f"phone: sudah {MAX_REGISTRATIONS_PER_EMPLOYEE_PER_DAY} kali mendaftarkan nomor dalam 24 jam "
                "terakhir; coba lagi besok")
    if to_number >= MAX_CODES_PER_NUMBER_PER_DAY:
        return (f"phone: nomor ini sudah menerima {MAX_CODES_PER_NUMBER_PER_DAY} kode dalam 24 jam terakhir; "
                "coba lagi besok")
    return None


@dataclass(frozen=True)
class PendingCode:
    """A code waiting for its SMS reply: usable until it expires or has been guessed wrong too often."""

    expires_at: dt.datetime
    attempts: int

    def usable(self, now: dt.datetime) -> bool:
        return now < self.expires_at and self.attempts < MAX_WRONG_ATTEMPTS
