"""NIP (Nomor Identitas PNS): normalisation, validation, decoding, and safe forms for logs.

Layout (DOMAIN.md §0.17, §5.1): ``YYYYMMDD YYYYMM G NNN``, 18 digits:
tanggal lahir (a real date, not in the future), TMT CPNS (a real month strictly after the birth month and not in
the future; its day is always the 1st so it is not stored), jenis kelamin (1 = L, 2 = P) and nomor urut
(001-999).

A NIP is personal data: logs get ``mask_nip`` or ``hash_nip``, never the NIP itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TextIO

from ekinerja_platform.domain_errors import quote

NIP_LENGTH = 18
_DIGITS = frozenset("0123456789")  # str.isdigit() would also accept non-ASCII digits such as '١' or '１'
_IGNORED = str.maketrans("", "", " .")
_GENDER = {"1": "L", "2": "P"}
_GENDER_LABEL = {"L": "laki-laki / male", "P": "perempuan / female"}


@dataclass(frozen=True)
class NipCheck:
    """The outcome of checking one NIP. Each decoded part is filled whenever that part parses on its own
    (a real date, a real month, gender digit 1 or 2, sequence 001-999), even when the NIP as a whole is invalid."""

    nip: str
    valid: bool
    tanggal_lahir: date | None = None
    tmt_cpns: tuple[int, int] | None = None
    jenis_kelamin: str | None = None
    nomor_urut: int | None = None
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "nip": self.nip,
            "valid": self.valid,
            "tanggal_lahir": self.tanggal_lahir.isoformat() if self.tanggal_lahir else None,
            "tmt_cpns": f"{self.tmt_cpns[0]:04d}-{self.tmt_cpns[1]:02d}" if self.tmt_cpns else None,
            "jenis_kelamin": self.jenis_kelamin,
            "nomor_urut": self.nomor_urut,
            "errors": list(self.errors),
        }


def as_json(check: NipCheck) -> dict:
    """The JSON-ready form of a check: keys nip, valid, tanggal_lahir, tmt_cpns, jenis_kelamin, nomor_urut, errors."""
    return check.as_json()


def normalize_nip(text: str) -> str:
    """Remove spaces and dots (the usual ways a NIP is grouped for reading), and nothing else."""
    return text.translate(_IGNORED)


def check_nip(text: object, today: date) -> NipCheck:
    """Validate and decode a NIP as of ``today``. Never raises for bad input: problems are listed in ``errors``."""
    if isinstance(today, datetime):  # a datetime cannot be compared with a date
        today = today.date()
    if not isinstance(text, str):
        return NipCheck(nip="", valid=False, errors=[f"nip: expected text, got {type(text).__name__}"])

    nip = normalize_nip(text)
    errors: list[str] = []

    others = list(dict.fromkeys(c for c in nip if c not in _DIGITS))
    if others:
        errors.append("nip: contains characters other than digits: " + ", ".join(repr(c) for c in others))
    if len(nip) != NIP_LENGTH:
        errors.append(f"nip: must be {NIP_LENGTH} digits long, got {len(nip)} characters")
        # Without the right length the positions of the parts are unknown, so nothing is decoded.
        return NipCheck(nip=nip, valid=False, errors=errors)

    tanggal_lahir = _decode_tanggal_lahir(nip[0:8], today, errors)
    tmt_cpns = _decode_tmt_cpns(nip[8:14], tanggal_lahir, today, errors)
    jenis_kelamin = _decode_jenis_kelamin(nip[14], errors)
    nomor_urut = _decode_nomor_urut(nip[15:18], errors)

    return NipCheck(
        nip=nip,
        valid=not errors,
        tanggal_lahir=tanggal_lahir,
        tmt_cpns=tmt_cpns,
        jenis_kelamin=jenis_kelamin,
        nomor_urut=nomor_urut,
        errors=errors,
    )


def _all_digits(part: str) -> bool:
    return all(c in _DIGITS for c in part)


def _decode_tanggal_lahir(part: str, today: date, errors: list[str]) -> date | None:
    if not _all_digits(part):
        errors.append(f"tanggal_lahir: {quote(part)} is not 8 digits (YYYYMMDD)")
        return None
    shown = f"{part[0:4]}-{part[4:6]}-{part[6:8]}"
    try:
        born = date(int(part[0:4]), int(part[4:6]), int(part[6:8]))
    except ValueError:
        errors.append(f"tanggal_lahir: {shown} is not a valid date")
        return None
    if born > today:
        errors.append(f"tanggal_lahir: {shown} is in the future")
    return born


def _decode_tmt_cpns(
    part: str, born: date | None, today: date, errors: list[str]
) -> tuple[int, int] | None:
    if not _all_digits(part):
        errors.append(f"tmt_cpns: {quote(part)} is not 6 digits (YYYYMM)")
        return None
    year, month = int(part[0:4]), int(part[4:6])
    shown = f"{part[0:4]}-{part[4:6]}"
    if year < 1 or not 1 <= month <= 12:
        errors.append(f"tmt_cpns: {shown} is not a valid month")
        return None
    if born is not None and (year, month) <= (born.year, born.month):
        errors.append(f"tmt_cpns: {shown} is not after the birth month {born.year:04d}-{born.month:02d}")
    if (year, month) > (today.year, today.month):
        errors.append(f"tmt_cpns: {shown} is in the future")
    return (year, month)


def _decode_jenis_kelamin(digit: str, errors: list[str]) -> str | None:
    gender = _GENDER.get(digit)
    if gender is None:
        errors.append(f"jenis_kelamin: {quote(digit)} is not 1 (L) or 2 (P)")
    return gender


def _decode_nomor_urut(part: str, errors: list[str]) -> int | None:
    if not _all_digits(part):
        errors.append(f"nomor_urut: {quote(part)} is not 3 digits")
        return None
    number = int(part)
    if number == 0:
        errors.append("nomor_urut: 000 is not in 001-999")
        return None
    return number


def mask_nip(nip: str) -> str:
    """A display form for logs: an 18-digit NIP keeps its first 4 and last 3 digits, anything else is fully masked."""
    text = normalize_nip(nip)
    if len(text) != NIP_LENGTH:
        return "*" * len(text)
    return text[:4] + "*" * (NIP_LENGTH - 7) + text[-3:]


def hash_nip(nip: str, salt: bytes) -> str:
    """A stable pseudonym for logs: HMAC-SHA256 of the normalised NIP keyed by ``salt``, first 16 hex characters.

    The salt must be a secret: NIPs are few and structured enough to be guessed, so an unkeyed hash would not hide them.
    """
    if not salt:
        raise ValueError("hash_nip needs a non-empty secret salt")
    return hmac.new(salt, normalize_nip(nip).encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def run_nip_check_cli(nip_text: str, as_json: bool, stdout: TextIO, today: date | None = None) -> int:
    """Print the check of one NIP (JSON with ``as_json``, else a readable summary); return 0 if valid, 1 if not."""
    check = check_nip(nip_text, today or date.today())
    if as_json:
        stdout.write(json.dumps(check.as_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        stdout.write(_summary(check))
    return 0 if check.valid else 1


def _summary(check: NipCheck) -> str:
    def shown(value: object) -> str:
        return "-" if value is None else str(value)

    data = check.as_json()
    gender = data["jenis_kelamin"]
    urut = check.nomor_urut
    lines = [
        f"NIP {check.nip or '-'}: {'VALID (sah)' if check.valid else 'TIDAK VALID (invalid)'}",
        f"  Tanggal lahir (birth date):       {shown(data['tanggal_lahir'])}",
        f"  TMT CPNS (start as CPNS):         {shown(data['tmt_cpns'])}",
        f"  Jenis kelamin (gender):           {shown(gender and f'{gender} ({_GENDER_LABEL[gender]})')}",
        f"  Nomor urut (sequence number):     {shown(urut and f'{urut:03d}')}",
    ]
    if check.errors:
        lines.append("  Kesalahan (errors):")
        lines.extend(f"    - {error}" for error in check.errors)
    return "\n".join(lines) + "\n"
