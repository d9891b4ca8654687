"""A SIASN-ready export of one employee's evaluation in one period (issue 22 item 7), offline and pure.

SIASN (BKN) takes the yearly SKP result on its ``skp22`` save endpoint and a periodic one on its ``kinerja
periodik`` save endpoint; both take the two ratings as SIASN codes 1–3 (``Rating.code``), the predikat as the
"kuadran" code 1–5 (``Predikat.code``, from the matrix — never typed by hand), the penilai's identity and status
(``ASN`` / ``NON ASN``: a regent rating the Sekda is no civil servant) and the year; the periodic one also the months.
Field names are those SIASN's public clients send. ``skp22`` is only made for a whole year (months 1–12).

``ekinerja skp siasn FILE|-`` runs ``run_siasn_cli``: the same exit codes and invalid-input document as
``ekinerja skp predikat`` (contract.py). Input:

    {"ruleset": "permenpanrb-6-2022", "pns_dinilai_id": "<SIASN id of the employee>", "tahun": 2025,
     "bulan_mulai": 1, "bulan_selesai": 12, "hasil_kerja": "di_atas", "perilaku": "sesuai",
     "penilai": {"status": "ASN", "nip": "…", "nama": "…", "jabatan": "…", "unor": "…", "golongan": "IV/a"},
     "periodik_id": null, "koefisien_id": null}

``bulan_mulai``/``bulan_selesai`` default to 1/12; ``periodik_id`` and ``koefisien_id`` (SIASN reference ids) are
passed through as given (null when absent); a NON ASN penilai needs no ``nip`` nor ``golongan``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, BinaryIO, TextIO

from .contract import (
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_OK,
    INPUT_FIELD,
    FieldError,
    InvalidPredikatInput,
    _Collector,
    _json_type,
    _read,
    format_invalid,
    loads_predikat_json,
)
from .predikat import predikat_for
from .rules import BULAN_MAX, BULAN_MIN, RULESET_ID, Predikat, Rating

STATUS_PENILAI = ("ASN", "NON ASN")
TAHUN_MIN, TAHUN_MAX = 2022, 2100  # PermenPANRB 6/2022 appraisals start in 2022 (SIASN's "skp22")
_TOP_FIELDS = ("ruleset", "pns_dinilai_id", "tahun", "bulan_mulai", "bulan_selesai", "hasil_kerja", "perilaku",
               "penilai", "periodik_id", "koefisien_id")
_PENILAI_FIELDS = ("status", "nip", "nama", "jabatan", "unor", "golongan")


@dataclass(frozen=True)
class Penilai:
    status: str  # ASN | NON ASN
    nip: str | None
    nama: str
    jabatan: str
    unor: str
    golongan: str | None


@dataclass(frozen=True)
class SiasnInput:
    pns_dinilai_id: str
    tahun: int
    bulan_mulai: int
    bulan_selesai: int
    hasil_kerja: Rating
    perilaku: Rating
    penilai: Penilai
    periodik_id: str | None = None
    koefisien_id: str | None = None


def _text(obj: dict, key: str, path: str, errors: _Collector, *, required: bool) -> str | None:
    value = obj.get(key)
    field = f"{path}.{key}" if path else key
    if value is None:
        if required:
            errors.add(field, "wajib diisi")
        return None
    if not isinstance(value, str):
        errors.add(field, f"harus berupa teks, bukan {_json_type(value)}")
        return None
    if not value.strip():
        errors.add(field, "tidak boleh kosong")
        return None
    return value


def _int(obj: dict, key: str, low: int, high: int, default: int | None, errors: _Collector) -> int | None:
    value = obj.get(key)
    if value is None:
        if default is None:
            errors.add(key, f"wajib diisi: bilangan bulat {low} sampai {high}")
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(key, f"harus berupa bilangan bulat {low} sampai {high}, bukan {_json_type(value)}")
        return None
    if not low <= value <= high:
        errors.add(key, f"harus antara {low} dan {high}, bukan {value}")
        return None
    return value


def _penilai(obj: Any, errors: _Collector) -> Penilai | None:
    if obj is None:
        errors.add("penilai", "wajib diisi: objek berisi status, nip, nama, jabatan, unor, golongan")
        return None
    if not isinstance(obj, dict):
        errors.add("penilai", f"harus berupa objek JSON, bukan {_json_type(obj)}")
        return None
    before = len(errors.errors)
    errors.unknown_fields(obj, "penilai", _PENILAI_FIELDS)
    status = obj.get("status")
    if status not in STATUS_PENILAI:
        errors.add("penilai.status", f"harus salah satu dari: {', '.join(STATUS_PENILAI)}")
    asn = status == "ASN"
    nip = _text(obj, "nip", "penilai", errors, required=asn)
    if nip is not None and asn and not (len(nip) == 18 and nip.isdigit()):
        errors.add("penilai.nip", "NIP penilai ASN harus 18 angka")  # the NIP itself is never echoed
    nama = _text(obj, "nama", "penilai", errors, required=True)
    jabatan = _text(obj, "jabatan", "penilai", errors, required=True)
    unor = _text(obj, "unor", "penilai", errors, required=True)
    golongan = _text(obj, "golongan", "penilai", errors, required=asn)
    if len(errors.errors) > before:
        return None
    # no error collected: every required value is present (the asserts only tell the type checker so)
    assert isinstance(status, str) and nama is not None and jabatan is not None and unor is not None
    return Penilai(status, nip, nama, jabatan, unor, golongan)


def parse_siasn_input(obj: Any) -> SiasnInput:
    """The checked input; InvalidPredikatInput listing every problem at once (messages in Bahasa Indonesia)."""
    errors = _Collector()
    if not isinstance(obj, dict):
        raise InvalidPredikatInput([FieldError(INPUT_FIELD, f"harus berupa objek JSON, bukan {_json_type(obj)}")])
    errors.unknown_fields(obj, "", _TOP_FIELDS)
    if obj.get("ruleset") is None:
        errors.add("ruleset", f"wajib diisi: {RULESET_ID}")
    elif obj.get("ruleset") != RULESET_ID:
        errors.add("ruleset", f"harus {RULESET_ID}: ekspor SIASN hanya untuk aturan ini")
    pns = _text(obj, "pns_dinilai_id", "", errors, required=True)
    tahun = _int(obj, "tahun", TAHUN_MIN, TAHUN_MAX, None, errors)
    mulai = _int(obj, "bulan_mulai", BULAN_MIN, BULAN_MAX, BULAN_MIN, errors)
    selesai = _int(obj, "bulan_selesai", BULAN_MIN, BULAN_MAX, BULAN_MAX, errors)
    if mulai is not None and selesai is not None and mulai > selesai:
        errors.add("bulan_selesai", f"tidak boleh sebelum bulan_mulai ({mulai})")
    hasil_kerja = errors.choice(obj.get("hasil_kerja"), "hasil_kerja", Rating, required=True)
    perilaku = errors.choice(obj.get("perilaku"), "perilaku", Rating, required=True)
    penilai = _penilai(obj.get("penilai"), errors)
    periodik_id = _text(obj, "periodik_id", "", errors, required=False)
    koefisien_id = _text(obj, "koefisien_id", "", errors, required=False)
    if errors.errors:
        raise InvalidPredikatInput(errors.errors)
    # no error collected: every required value is present (the asserts only tell the type checker so)
    assert pns is not None and tahun is not None and mulai is not None and selesai is not None
    assert hasil_kerja is not None and perilaku is not None and penilai is not None
    return SiasnInput(pns, tahun, mulai, selesai, hasil_kerja, perilaku, penilai, periodik_id, koefisien_id)


def siasn_export(data: SiasnInput) -> dict:
    """The documents for SIASN's save endpoints; the predikat is the matrix's (§3), the codes the SIASN codes."""
    predikat: Predikat = predikat_for(data.hasil_kerja, data.perilaku)
    p = data.penilai
    common = {
        "hasilKinerjaNilai": data.hasil_kerja.code,
        "perilakuKerjaNilai": data.perilaku.code,
        "kuadranKinerjaNilai": predikat.code,
        "penilaiGolongan": p.golongan,
        "penilaiNama": p.nama,
        "penilaiNipNrp": p.nip,
        "penilaiUnorNama": p.unor,
        "statusPenilai": p.status,
        "tahun": data.tahun,
    }
    whole_year = (data.bulan_mulai, data.bulan_selesai) == (BULAN_MIN, BULAN_MAX)
    skp22 = {**common, "penilaiJabatan": p.jabatan, "pnsDinilaiOrang": data.pns_dinilai_id} if whole_year else None
    periodik = {
        **common,
        "penilaiJabatanNama": p.jabatan,
        "pnsDinilaiId": data.pns_dinilai_id,
        "bulanMulaiPenilaian": data.bulan_mulai,
        "bulanSelesaiPenilaian": data.bulan_selesai,
        "tahunMulaiPenilaian": data.tahun,
        "tahunSelesaiPenilaian": data.tahun,
        "periodikId": data.periodik_id,
        "koefisienId": data.koefisien_id,
    }
    return {
        "status": "ok",
        "ruleset": RULESET_ID,
        "predikat": predikat.value,
        "kode_predikat": predikat.code,
        "skp22": skp22,
        "kinerja_periodik": periodik,
    }


def run_siasn_cli(source: str, stdin: BinaryIO | TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """``ekinerja skp siasn SOURCE``: 0 with the export, 2 with the invalid-input document; both on stdout."""
    try:
        result = siasn_export(parse_siasn_input(loads_predikat_json(_read(source, stdin))))
        code = EXIT_OK
    except InvalidPredikatInput as error:
        result, code = format_invalid(error), EXIT_INVALID
    except Exception as error:  # a bug, not bad input: one line, no traceback (as `skp predikat`)
        stderr.write(f"error: internal: {' '.join(f'{type(error).__name__}: {error}'.split())}\n")
        return EXIT_INTERNAL
    stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return code
