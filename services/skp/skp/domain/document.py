"""The SKP document's rules: its period, targets drafted from the template, the agreement workflow, realisation
values, perilaku input, results and keberatan. Standard library only; errors name the field they concern.

Workflow (DOMAIN.md §0.11-§0.13)::

    draft --submit--> submitted --approve (penilai)--> approved --edit targets--> revision --submit--> submitted
                      submitted --return (penilai)--> returned --edit/submit--> submitted
                      returned --escalate (employee)--> disputed --approve|return (atasan penilai)-->
    approved/revision --move / assignment ended--> closed (reason moved; targets scaled to the months served)
    draft/submitted/returned/disputed --move--> same state, closed_reason moved (period and targets of the months
        served); it can still be edited, submitted and approved, and approval closes it

Approved targets are fixed: an edit after approval opens a revision (the approved targets stay in force for DES
and scoring until the revision is approved) and is audited with its reason. Results: issued -> keberatan -> final,
or issued -> final (accepted, or the 14 days passed).
"""
from __future__ import annotations

import calendar
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, overload

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument

from .catalogue import CatalogueKegiatan, is_struktural

DRAFT, SUBMITTED, RETURNED, DISPUTED, REVISION, APPROVED, CLOSED = (
    "draft", "submitted", "returned", "disputed", "revision", "approved", "closed")
EDITABLE = frozenset({DRAFT, RETURNED, APPROVED, REVISION})
SUBMITTABLE = frozenset({DRAFT, RETURNED, REVISION})
RESULT_ISSUED, RESULT_KEBERATAN, RESULT_FINAL = "issued", "keberatan", "final"
KEBERATAN_DAYS = 14
MAX_WAKTU_MONTHS = Decimal(12)
PERILAKU_ASPECTS = ("orientasi_pelayanan", "integritas", "komitmen", "disiplin", "kerja_sama")
KEPEMIMPINAN = "kepemimpinan"
MAX_TEXT = 500
_CENT = Decimal("0.01")


# --- periods ------------------------------------------------------------------------------------------------------


def document_period(start: dt.date, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The SKP period of an assignment: from its start to the end of that year, or to its end if sooner."""
    year_end = dt.date(start.year, 12, 31)
    return start, min(end, year_end) if end is not None else year_end


def period_in_year(start: dt.date, end: dt.date | None, year: int) -> tuple[dt.date, dt.date] | None:
    """The SKP period of an assignment in ``year`` (the SKP is yearly: each year has its own document): from January 1
    or the assignment's start to December 31 or its end; None when the assignment does not run in that year."""
    first, last = max(start, dt.date(year, 1, 1)), dt.date(year, 12, 31)
    if end is not None:
        last = min(last, end)
    return (first, last) if first <= last else None


def months_covered(start: dt.date, end: dt.date) -> int:
    """Calendar months the period touches (July 15 .. December 31 is 6)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def prorated(item: CatalogueKegiatan, months: int) -> CatalogueKegiatan:
    """A yearly template target scaled to a period of ``months`` (half-up; kuantitas at least 1, whole numbers)."""
    if months >= 12:
        return item
    share = Decimal(months) / Decimal(12)
    kuantitas = max(Decimal(1), (item.kuantitas * share).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    biaya = None if item.biaya is None else (item.biaya * share).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    ak = None if item.angka_kredit is None else (item.angka_kredit * share).quantize(Decimal("0.001"),
                                                                                     rounding=ROUND_HALF_UP)
    return CatalogueKegiatan(item.nama, item.satuan, kuantitas, min(item.waktu, Decimal(months)), biaya, ak,
                             item.kualitas)


@dataclass(frozen=True)
class TargetAmounts:
    """The parts of a kegiatan target that depend on the length of the period."""

    kuantitas: Decimal
    waktu: Decimal
    biaya: Decimal | None
    angka_kredit: Decimal | None


def served_targets(amounts: TargetAmounts, planned_months: int, served_months: int) -> TargetAmounts:
    """The targets of the period actually served when a document is closed early (a move, DOMAIN §0.6, §1.8).

    Volume and money scale with the time served: kuantitas, biaya and angka kredit are multiplied by
    served/planned months (months touched, as for drafting). Waktu is a duration, not a volume: it is capped at the
    months served. Kualitas does not depend on time. Rounding (exact decimals, half-up): kuantitas and biaya to
    2 decimals, at least 0.01 when the target was positive (a fixed target is never rounded away; unlike the whole
    numbers proposed at drafting, which the employee and penilai can still negotiate, a closed document's targets
    are final, and whole numbers would distort small targets: 1 dokumen x 5/12 would stay 1); angka kredit to 3.
    """
    if served_months >= planned_months:
        return amounts
    share = Decimal(served_months) / Decimal(planned_months)

    def scaled(value: Decimal, places: str, floor: bool) -> Decimal:
        out = (value * share).quantize(Decimal(places), rounding=ROUND_HALF_UP)
        if floor and value > 0 and out < Decimal(places):
            out = Decimal(places)
        return out.normalize() if out != 0 else Decimal(0)

    return TargetAmounts(kuantitas=scaled(amounts.kuantitas, "0.01", True),
                         waktu=min(amounts.waktu, Decimal(served_months)),
                         biaya=None if amounts.biaya is None else scaled(amounts.biaya, "0.01", True),
                         angka_kredit=None if amounts.angka_kredit is None
                         else scaled(amounts.angka_kredit, "0.001", False))


def keberatan_deadline(issued_on: dt.date) -> dt.date:
    """The last day a keberatan may be filed: 14 days after the result was received (DOMAIN §0.13)."""
    return issued_on + dt.timedelta(days=KEBERATAN_DAYS)


def period_has_ended(period_end: dt.date, today: dt.date) -> bool:
    return today > period_end


def in_last_month(period_end: dt.date, today: dt.date) -> bool:
    """Realisation (waktu, biaya) is entered at the end of the period: from the first day of its last month."""
    return today >= period_end.replace(day=1)


# --- decimals -----------------------------------------------------------------------------------------------------


@overload
def parse_decimal(text: str, field: str, *, optional: Literal[False] = False, minimum: Decimal | None = None,
                  exclusive: bool = False, maximum: Decimal | None = None, places: int = 3) -> Decimal: ...
@overload
def parse_decimal(text: str, field: str, *, optional: bool, minimum: Decimal | None = None,
                  exclusive: bool = False, maximum: Decimal | None = None, places: int = 3) -> Decimal | None: ...
def parse_decimal(text: str, field: str, *, optional: bool = False, minimum: Decimal | None = None,
                  exclusive: bool = False, maximum: Decimal | None = None, places: int = 3) -> Decimal | None:
    """A decimal written as text ("12.5"); None for "" when optional. Bounds and decimal places are checked."""
    text = (text or "").strip()
    if not text:
        if optional:
            return None
        raise InvalidArgument("is required", field=field)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidArgument(f"{text[:40]!r} is not a decimal number", field=field) from None
    if not value.is_finite():
        raise InvalidArgument("must be a finite number", field=field)
    if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) or value.adjusted() >= 15:
        raise InvalidArgument(f"at most {places} decimal places and 15 digits", field=field)
    if minimum is not None and (value < minimum or (exclusive and value == minimum)):
        raise InvalidArgument(f"must be {'greater than' if exclusive else 'at least'} {minimum}", field=field)
    if maximum is not None and value > maximum:
        raise InvalidArgument(f"must be at most {maximum}", field=field)
    return value.normalize() if value != 0 else Decimal(0)


def parse_date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidArgument("must be a date YYYY-MM-DD", field=field) from None


def text_field(value: str, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidArgument("is required", field=field)
    if len(value) > limit:
        raise InvalidArgument(f"at most {limit} characters", field=field)
    return value


def plain(value: Decimal | None) -> str:
    """A decimal as it travels ("12", "0.5"); "" for None."""
    if value is None:
        return ""
    return format(value.normalize() if value != 0 else Decimal(0), "f")


# --- targets ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    kegiatan_id: str
    nama: str
    satuan: str
    kuantitas: str
    kualitas: str
    waktu: str
    biaya: str
    angka_kredit: str


@dataclass(frozen=True)
class Target:
    kegiatan_id: str | None
    nomor: int
    nama: str
    satuan: str
    kuantitas: Decimal
    kualitas: Decimal
    waktu: Decimal
    biaya: Decimal | None
    angka_kredit: Decimal | None


def validate_targets(items: list[TargetInput], kind: str, period_months: int) -> list[Target]:
    """The kegiatan list an employee proposes; InvalidArgument naming ``kegiatan[i].field``."""
    if not items:
        raise InvalidArgument("an SKP needs at least one kegiatan", field="kegiatan")
    if len(items) > 100:
        raise InvalidArgument("at most 100 kegiatan", field="kegiatan")
    seen: set[str] = set()
    out = []
    for index, item in enumerate(items):
        path = f"kegiatan[{index}]"
        if item.kegiatan_id:
            if item.kegiatan_id in seen:
                raise InvalidArgument("appears twice", field=f"{path}.kegiatan_id")
            seen.add(item.kegiatan_id)
        angka_kredit = parse_decimal(item.angka_kredit, f"{path}.angka_kredit", optional=True,
                                     minimum=Decimal(0))
        if angka_kredit is not None and kind != "fungsional_tertentu":
            raise InvalidArgument("angka kredit applies only to jabatan fungsional tertentu",
                                  field=f"{path}.angka_kredit")
        out.append(Target(
            kegiatan_id=item.kegiatan_id or None,
            nomor=index + 1,
            nama=text_field(item.nama, f"{path}.nama"),
            satuan=text_field(item.satuan, f"{path}.satuan", limit=60),
            kuantitas=parse_decimal(item.kuantitas, f"{path}.kuantitas", minimum=Decimal(0), exclusive=True),
            kualitas=parse_decimal(item.kualitas, f"{path}.kualitas", optional=True, minimum=Decimal(0),
                                   exclusive=True, maximum=Decimal(100), places=2) or Decimal(100),
            waktu=parse_decimal(item.waktu, f"{path}.waktu", minimum=Decimal(0), exclusive=True,
                                maximum=min(MAX_WAKTU_MONTHS, Decimal(period_months)), places=2),
            biaya=parse_decimal(item.biaya, f"{path}.biaya", optional=True, minimum=Decimal(0), places=2),
            angka_kredit=angka_kredit,
        ))
    return out


# --- workflow -----------------------------------------------------------------------------------------------------


def _require(status: str, allowed, action: str) -> None:
    if status not in allowed:
        raise FailedPrecondition(f"cannot {action} a document that is {status}", field="status")


def check_editable(status: str, result_status: str, reason: str, approved_once: bool) -> str:
    """The status after an edit of the targets: an approved document goes into revision (reason required)."""
    _require(status, EDITABLE, "edit the targets of")
    if result_status:
        raise FailedPrecondition("the result is issued; targets are final", field="status")
    if status in (APPROVED, REVISION) or approved_once:
        text_field(reason, "reason")
        return REVISION
    return status


def check_submit(status: str, kegiatan_count: int, penilai_nip: str | None) -> str:
    _require(status, SUBMITTABLE, "submit")
    if kegiatan_count == 0:
        raise FailedPrecondition("an SKP needs at least one kegiatan", field="kegiatan")
    if not penilai_nip:
        raise FailedPrecondition("no pejabat penilai is recorded for this document", field="penilai_nip")
    return SUBMITTED


def check_approve(status: str, as_atasan: bool) -> str:
    _require(status, {DISPUTED} if as_atasan else {SUBMITTED}, "approve")
    return APPROVED


def check_return(status: str, as_atasan: bool, note: str) -> str:
    _require(status, {DISPUTED} if as_atasan else {SUBMITTED}, "return")
    text_field(note, "note")
    return RETURNED


def check_escalate(status: str, note: str, atasan_nip: str | None) -> str:
    _require(status, {RETURNED}, "escalate")
    text_field(note, "note")
    if not atasan_nip:
        raise FailedPrecondition("no atasan pejabat penilai is recorded to decide", field="atasan_penilai_nip")
    return DISPUTED


def check_assessable(status: str, approved_once: bool, result_status: str) -> None:
    """Realisation, tugas tambahan, kreativitas and perilaku need agreed targets and no issued result."""
    if not approved_once:
        raise FailedPrecondition("the targets have not been approved yet", field="status")
    if result_status:
        raise FailedPrecondition("the result is issued; the assessment is final", field="result_status")
    if status == CLOSED:
        # a document closed by a move is still assessed (its realisation is entered after the move)
        return


def check_issue(status: str, closed_reason: str | None, result_status: str, period_end: dt.date,
                today: dt.date) -> None:
    if result_status:
        raise FailedPrecondition(f"the result is already {result_status}", field="result_status")
    if status == CLOSED or closed_reason == "moved":
        raise FailedPrecondition("the year's result is issued on the employee's latest document, not on one "
                                 f"closed ({closed_reason})", field="status")
    if status != APPROVED:
        raise FailedPrecondition(f"the targets must be approved (the document is {status})", field="status")
    if not period_has_ended(period_end, today):
        raise FailedPrecondition(f"the period ends on {period_end.isoformat()}", field="period_end")


def check_keberatan(result_status: str, deadline: dt.date, today: dt.date, alasan: str,
                    atasan_nip: str | None) -> str:
    if result_status != RESULT_ISSUED:
        raise FailedPrecondition(f"no issued result to object to (result is {result_status or 'not issued'})",
                                 field="result_status")
    if today > deadline:
        raise FailedPrecondition(f"the keberatan period ended on {deadline.isoformat()}", field="skp_id")
    text_field(alasan, "alasan", limit=2000)
    if not atasan_nip:
        raise FailedPrecondition("no atasan pejabat penilai is recorded to decide", field="atasan_penilai_nip")
    return RESULT_KEBERATAN


def check_decide(result_status: str, catatan: str) -> str:
    if result_status != RESULT_KEBERATAN:
        raise FailedPrecondition("no keberatan to decide", field="result_status")
    text_field(catatan, "catatan", limit=2000)
    return RESULT_FINAL


def check_accept(result_status: str) -> str:
    if result_status != RESULT_ISSUED:
        raise FailedPrecondition(f"only an issued result can be accepted (it is {result_status or 'none'})",
                                 field="result_status")
    return RESULT_FINAL


def expired(result_status: str, deadline: dt.date, today: dt.date) -> bool:
    """An issued result nobody objected to becomes final once the keberatan period has passed."""
    return result_status == RESULT_ISSUED and today > deadline


# --- realisation and perilaku -------------------------------------------------------------------------------------


def realised_kualitas(monthly: list[Decimal]) -> Decimal | None:
    """RK: the mean of the monthly kualitas (DOMAIN §2.3), half-up to 2 decimals so it is an exact input."""
    if not monthly:
        return None
    return (sum(monthly, Decimal(0)) / len(monthly)).quantize(_CENT, rounding=ROUND_HALF_UP)


def validate_perilaku(values: dict[str, str], kind: str, prefix: str = "perilaku") -> dict[str, Decimal]:
    """Five aspects, plus kepemimpinan exactly when the jabatan is struktural (DOMAIN §0.7); each 0-100."""
    out: dict[str, Decimal] = {}
    for name in PERILAKU_ASPECTS:
        out[name] = parse_decimal(values.get(name, ""), f"{prefix}.{name}", minimum=Decimal(0),
                                  maximum=Decimal(100), places=2)
    kepemimpinan = (values.get(KEPEMIMPINAN) or "").strip()
    if is_struktural(kind):
        out[KEPEMIMPINAN] = parse_decimal(kepemimpinan, f"{prefix}.{KEPEMIMPINAN}", minimum=Decimal(0),
                                          maximum=Decimal(100), places=2)
    elif kepemimpinan:
        raise InvalidArgument("assessed only for jabatan struktural", field=f"{prefix}.{KEPEMIMPINAN}")
    return out


def last_day_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_id(value: str, field: str = "skp_id") -> uuid.UUID:
    """An id given by a caller (InvalidArgument on ``field`` when it is not a UUID)."""
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        raise InvalidArgument("must be a UUID", field=field) from None


def snapshot(rows: list[dict]) -> list[dict]:
    """The approved targets as stored on the document and sent in ``skp_approved`` (decimals as strings)."""
    return [{"kegiatan_id": str(r["kegiatan_id"]), "nomor": r["nomor"], "nama": r["nama"], "satuan": r["satuan"],
             "kuantitas": plain(r["kuantitas"]), "kualitas": plain(r["kualitas"]), "waktu": plain(r["waktu"]),
             "biaya": plain(r["biaya"]) if r["biaya"] is not None else None,
             "angka_kredit": plain(r["angka_kredit"]) if r["angka_kredit"] is not None else None}
            for r in rows]
