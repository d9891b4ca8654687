"""Periodic evaluation under PermenPANRB 6/2022 (shared/PERMENPANRB_6_2022.md §1, §3, §5): the period, the
realisation per IKI, continuous feedback, the penilai's two ratings, and the predikat and angka kredit.

The predikat and the angka kredit are computed ONLY by ``ekinerja_rules.permenpanrb_6_2022`` (the code the offline
``ekinerja skp predikat`` runs), so the service and the calculator cannot disagree. Standard library only.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument
from ekinerja_rules.permenpanrb_6_2022 import Jenjang, Predikat, Rating, angka_kredit, predikat_for

from .document import last_day_of_month, months_covered, plain
from .rhk import BERAKHLAK, KUANTITATIF, _decimal, _text, is_jpt

BULANAN, TRIWULANAN, TAHUNAN = "bulanan", "triwulanan", "tahunan"
FUNGSIONAL_TERTENTU = "fungsional_tertentu"
_PERIODE = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4]))?$")
MAX_BUKTI = 50


@dataclass(frozen=True)
class Periode:
    """An evaluation period: a month (``2024-03``), a quarter (``2024-Q1``) or the year (``2024``)."""

    kode: str
    jenis: str
    start: dt.date
    end: dt.date

    @property
    def year(self) -> int:
        return self.start.year


def parse_periode(text: str, name: str = "periode") -> Periode:
    text = (text or "").strip()
    match = _PERIODE.match(text)
    if not match or not 1900 <= int(match.group(1)) <= 9999:
        raise InvalidArgument("harus berbentuk TTTT-BB (bulanan), TTTT-Qn (triwulanan) atau TTTT (tahunan)",
                              field=name)
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise InvalidArgument("bulan harus 01 sampai 12", field=name)
        return Periode(text, BULANAN, dt.date(year, month, 1), last_day_of_month(year, month))
    if match.group(3):
        q = int(match.group(3))
        return Periode(text, TRIWULANAN, dt.date(year, 3 * q - 2, 1), last_day_of_month(year, 3 * q))
    return Periode(text, TAHUNAN, dt.date(year, 1, 1), dt.date(year, 12, 31))


def periode_of_document(text: str, kind: str, period_start: dt.date, period_end: dt.date) -> tuple[Periode, int]:
    """The period and the months of it the document covers (what the angka kredit is prorated by). A JPT is
    evaluated per quarter (§2), so a month is refused for one."""
    periode = parse_periode(text)
    if is_jpt(kind) and periode.jenis == BULANAN:
        raise InvalidArgument("JPT dievaluasi per triwulan (TTTT-Qn) atau tahunan", field="periode")
    start, end = max(periode.start, period_start), min(periode.end, period_end)
    if start > end:
        raise InvalidArgument(f"di luar periode SKP {period_start} s.d. {period_end}", field="periode")
    return periode, months_covered(start, end)


def check_siklus(periode: Periode, siklus: str, kind: str) -> None:
    """The instansi's cadence for the year (``bulanan`` | ``triwulanan``) decides which periodic evaluations open:
    a month in a quarterly instansi, or a quarter in a monthly one, is refused. The annual evaluation is always
    allowed; a JPT is evaluated per quarter whatever the cadence (§2; its month is refused by
    ``periode_of_document``)."""
    if is_jpt(kind) and periode.jenis == BULANAN:
        raise InvalidArgument("JPT dievaluasi per triwulan (TTTT-Qn) atau tahunan", field="periode")
    if periode.jenis == TAHUNAN or periode.jenis == siklus or is_jpt(kind):
        return
    wanted = "TTTT-BB (bulanan)" if siklus == BULANAN else "TTTT-Qn (triwulanan)"
    raise InvalidArgument(f"instansi ini memakai evaluasi periodik {siklus} pada tahun {periode.year}: periode "
                          f"harus {wanted} atau TTTT (tahunan)", field="periode")


def parse_rating(value: str, name: str) -> Rating:
    value = (value or "").strip()
    try:
        return Rating(value)
    except ValueError:
        raise InvalidArgument(f"harus salah satu dari {', '.join(r.value for r in Rating)}", field=name) from None


def jenjang_of(kind: str, text: str | None) -> Jenjang | None:
    """The jenjang of a jabatan fungsional as identity writes it ("Ahli Muda", "ahli_muda", "Terampil"); None for
    other positions or a jenjang that earns no angka kredit (then none is stored)."""
    if kind != FUNGSIONAL_TERTENTU or not text:
        return None
    key = re.sub(r"[\s-]+", "_", text.strip().lower())
    try:
        return Jenjang(key)
    except ValueError:
        return None


@dataclass(frozen=True)
class Outcome:
    predikat: Predikat
    angka_kredit: Decimal | None


def outcome(hasil_kerja: Rating, perilaku: Rating, jenjang: Jenjang | None, bulan: int) -> Outcome:
    """The predikat from the matrix and, for a jabatan fungsional, the angka kredit of ``bulan`` months."""
    predikat = predikat_for(hasil_kerja, perilaku)
    return Outcome(predikat, angka_kredit(jenjang, predikat, bulan) if jenjang is not None else None)


def validate_realisasi(iki: dict, pendekatan: str, realisasi: str, uraian: str, bukti: list[str]) -> dict:
    """Realisation of one IKI in a period: a number for the quantitative approach, a description for the
    qualitative one; ``bukti`` (DES activities, documents) optional."""
    value = None
    if pendekatan == KUANTITATIF:
        value = _decimal(realisasi, "realisasi")
    elif (realisasi or "").strip():
        raise InvalidArgument("IKI kualitatif tidak memakai angka: uraikan realisasinya", field="realisasi")
    uraian = _text(uraian, "uraian", required=pendekatan != KUANTITATIF)
    if len(bukti) > MAX_BUKTI:
        raise InvalidArgument(f"paling banyak {MAX_BUKTI} bukti dukung", field="bukti")
    bukti = [_text(b, f"bukti[{i}]", limit=500) for i, b in enumerate(bukti)]
    return {"iki_id": iki["iki_id"], "realisasi": plain(value) if value is not None else None,
            "uraian": uraian or None, "bukti": bukti}


def from_des(pendekatan: str, realisasi: str, total: Decimal, activity_ids: list[str]) -> str:
    """The realisation taken from DES: the recognised total for the quantitative approach (a number given as
    well is refused: the two could disagree), nothing for the qualitative one (the employee describes it; the
    activities are the bukti dukung either way)."""
    if (realisasi or "").strip():
        raise InvalidArgument("kosongkan realisasi bila diambil dari DES", field="realisasi")
    if not activity_ids:
        raise FailedPrecondition("belum ada kegiatan DES yang disetujui untuk IKI ini pada periode ini",
                                 field="dari_des")
    return plain(total) if pendekatan == KUANTITATIF else ""


def validate_feedback(rhk_id: str, perilaku: str, catatan: str, approved_rhk: dict[str, dict]) -> dict:
    """Continuous feedback is about exactly one RHK of the approved plan or one BerAKHLAK value."""
    rhk_id, perilaku = (rhk_id or "").strip(), (perilaku or "").strip()
    if bool(rhk_id) == bool(perilaku):
        raise InvalidArgument("isi tepat satu: rhk_id atau perilaku", field="rhk_id" if rhk_id else "perilaku")
    if rhk_id and rhk_id not in approved_rhk:
        raise InvalidArgument("bukan RHK pada SKP yang disetujui", field="rhk_id")
    if perilaku and perilaku not in BERAKHLAK:
        raise InvalidArgument(f"harus salah satu dari {', '.join(BERAKHLAK)}", field="perilaku")
    return {"rhk_id": rhk_id or None, "perilaku": perilaku or None, "catatan": _text(catatan, "catatan")}


def check_open(evaluation: dict | None) -> None:
    if evaluation and evaluation.get("predikat"):
        raise FailedPrecondition("evaluasi periode ini sudah dinilai", field="periode")


def check_started(periode: Periode, today: dt.date) -> None:
    if periode.start > today:
        raise FailedPrecondition(f"periode {periode.kode} belum dimulai", field="periode")


def missing_realisasi(approved_iki: dict[str, dict], realisasi: dict[str, dict]) -> list[str]:
    """The IKI of the approved plan without realisation in the period, as ``IKI n (uraian)``."""
    return [iki_label(k) for key, k in approved_iki.items() if key not in realisasi]


def iki_label(iki: dict) -> str:
    return f"IKI {iki['nomor']} ({iki['uraian'][:40]})"
