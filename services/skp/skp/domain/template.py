"""A position's SKP template: the yearly kegiatan a holder's document is drafted from (DOMAIN §0.11).

Versions are immutable; a change makes the next version, with its author and reason, from one of three sources:
a starter catalogue (``catalogue:<jenis>``), an edit (``edit``) or an approved SKP's agreed targets
(``skp:<skp_id>``, "jadikan template jabatan"). Targets are yearly: an approved document that covered fewer than
12 months is scaled back up to a year (``annualised``). Standard library only.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument

from .catalogue import CatalogueKegiatan
from .document import TargetInput, plain, text_field, validate_targets

FIELDS = ("nama", "satuan", "kuantitas", "kualitas", "waktu", "biaya", "angka_kredit")
MAX_REASON = 500


def validate_items(items: list[TargetInput], kind: str) -> tuple[CatalogueKegiatan, ...]:
    """A template's kegiatan as an agency or penilai writes them: the rules of SKP targets over a full year."""
    targets = validate_targets(items, kind, 12)
    return tuple(CatalogueKegiatan(t.nama, t.satuan, t.kuantitas, t.waktu, t.biaya, t.angka_kredit, t.kualitas)
                 for t in targets)


def reason_text(reason: str) -> str:
    return text_field(reason, "reason", limit=MAX_REASON)


def check_expected_version(current: int, expected: int) -> None:
    """Optimistic concurrency: an edit is made against the version the editor saw (0: no template yet)."""
    if expected != current:
        raise FailedPrecondition(f"template sudah versi {current}, bukan {expected}: muat ulang",
                                 field="expected_version")


def to_json(items) -> list[dict]:
    return [{"nama": i.nama, "satuan": i.satuan, "kuantitas": plain(i.kuantitas), "kualitas": plain(i.kualitas),
             "waktu": plain(i.waktu), "biaya": plain(i.biaya) if i.biaya is not None else None,
             "angka_kredit": plain(i.angka_kredit) if i.angka_kredit is not None else None} for i in items]


def _number(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(plain(Decimal(str(value))))  # "240.000000000000" (a NUMERIC as text) -> 240, never 2.4E+2


def _required_number(value, key: str) -> Decimal:
    """kuantitas and waktu: always written by `to_json` (they are never None in a CatalogueKegiatan)."""
    number = _number(value)
    if number is None:
        raise ValueError(f"stored template row has no {key}")
    return number


def from_json(rows: list[dict]) -> tuple[CatalogueKegiatan, ...]:
    return tuple(CatalogueKegiatan(r["nama"], r["satuan"], _required_number(r["kuantitas"], "kuantitas"),
                                   _required_number(r["waktu"], "waktu"),
                                   _number(r.get("biaya")), _number(r.get("angka_kredit")),
                                   _number(r.get("kualitas")) or Decimal(100)) for r in rows)


def annualised(targets: list[dict], months: int) -> tuple[CatalogueKegiatan, ...]:
    """Approved targets of a document covering ``months`` as yearly template targets: kuantitas and biaya
    x 12/months half-up to 0.01, angka kredit to 0.001, waktu x 12/months capped at 12; kualitas unchanged."""
    if not targets:
        raise FailedPrecondition("dokumen belum memiliki target yang disetujui", field="status")
    items = from_json(targets)
    if months >= 12:
        return items
    share = Decimal(12) / Decimal(months)

    def scaled(value: Decimal, places: str) -> Decimal:
        out = (value * share).quantize(Decimal(places), rounding=ROUND_HALF_UP)
        return out.normalize() if out != 0 else Decimal(0)

    return tuple(CatalogueKegiatan(i.nama, i.satuan, scaled(i.kuantitas, "0.01"),
                                   min(Decimal(12), scaled(i.waktu, "0.01")),
                                   None if i.biaya is None else scaled(i.biaya, "0.01"),
                                   None if i.angka_kredit is None else scaled(i.angka_kredit, "0.001"),
                                   i.kualitas) for i in items)


def jenis_field(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidArgument("wajib diisi", field="jenis_jabatan")
    return value
