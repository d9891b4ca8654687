"""The JSON contract of ``ekinerja skp predikat FILE|-`` (shared/PERMENPANRB_6_2022.md §6).

``parse_predikat_input`` checks a decoded document and returns every problem at once (``InvalidPredikatInput``
carries a list of field/message pairs, messages in Bahasa Indonesia); ``evaluate`` runs the matrix, angka kredit
and the curve; ``format_output`` gives the contract's fields in the contract's order; ``run_predikat_cli`` reads a
file or standard input and prints either the result (exit 0) or ``{"status": "invalid", "errors": [...]}``
(exit 2, as ``skp score`` exits on bad input), on standard output only. No traceback ever gets out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, BinaryIO, TextIO, TypeVar

from .angka_kredit import angka_kredit
from .curve import CurveResult, check_distribution
from .predikat import predikat_for
from .rules import BULAN_MAX, BULAN_MIN, RULESET_ID, Jenjang, Predikat, PredikatOrganisasi, Rating

INPUT_FIELD = "input"  # the field named by errors about the input as a whole (unreadable, not JSON, not an object)
EXIT_OK, EXIT_INTERNAL, EXIT_INVALID = 0, 1, 2

_TOP_FIELDS = ("ruleset", "predikat_organisasi", "pegawai")
_PEGAWAI_FIELDS = ("id", "hasil_kerja", "perilaku", "jenjang", "bulan")
_PP46 = "pp46-2011"

_E = TypeVar("_E", bound=Enum)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class InvalidPredikatInput(ValueError):
    """Every problem found in one input; nothing was computed."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class PegawaiInput:
    id: str
    hasil_kerja: Rating
    perilaku: Rating
    jenjang: Jenjang | None
    bulan: int


@dataclass(frozen=True)
class PredikatInput:
    predikat_organisasi: PredikatOrganisasi | None
    pegawai: tuple[PegawaiInput, ...]


@dataclass(frozen=True)
class PegawaiResult:
    id: str
    predikat: Predikat
    angka_kredit: Decimal | None


@dataclass(frozen=True)
class PredikatResult:
    pegawai: tuple[PegawaiResult, ...]
    distribusi: CurveResult | None


# --- input ------------------------------------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "angka"
    if isinstance(value, str):
        return "teks"
    if isinstance(value, list):
        return "larik"
    if isinstance(value, dict):
        return "objek"
    return type(value).__name__


class _Collector:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def unknown_fields(self, obj: dict, path: str, allowed: tuple[str, ...]) -> None:
        for key in obj:
            if key not in allowed:
                # A misspelt optional field ("jenjan") would otherwise drop the angka kredit silently.
                where = f"{path}.{key}" if path else key
                self.add(where, f"kolom tidak dikenal; kolom yang dikenal: {', '.join(allowed)}")

    def choice(self, value: Any, field: str, kind: type[_E], *, required: bool) -> _E | None:
        """The enum member named by ``value``; None (and an error when required) if absent or not a known value."""
        if value is None:
            if required:
                self.add(field, f"wajib diisi; pilihan: {', '.join(m.value for m in kind)}")
            return None
        if not isinstance(value, str):
            self.add(field, f"harus berupa teks, bukan {_json_type(value)}")
            return None
        try:
            return kind(value)
        except ValueError:
            shown = json.dumps(value[:40] + ("…" if len(value) > 40 else ""), ensure_ascii=False)
            self.add(field, f"nilai tidak dikenal {shown}; pilihan: {', '.join(m.value for m in kind)}")
            return None


def _text_ok(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800" could not be printed back
        return False
    return True


def _pegawai(item: Any, path: str, errors: _Collector) -> PegawaiInput | None:
    if not isinstance(item, dict):
        errors.add(path, f"harus berupa objek JSON, bukan {_json_type(item)}")
        return None
    before = len(errors.errors)
    errors.unknown_fields(item, path, _PEGAWAI_FIELDS)
    ident = item.get("id")
    if ident is None:
        errors.add(f"{path}.id", "wajib diisi")
    elif not isinstance(ident, str):
        errors.add(f"{path}.id", f"harus berupa teks, bukan {_json_type(ident)}")
    elif not ident.strip():
        errors.add(f"{path}.id", "tidak boleh kosong")
    elif not _text_ok(ident):
        errors.add(f"{path}.id", "bukan teks Unicode yang sah")
    hasil_kerja = errors.choice(item.get("hasil_kerja"), f"{path}.hasil_kerja", Rating, required=True)
    perilaku = errors.choice(item.get("perilaku"), f"{path}.perilaku", Rating, required=True)
    jenjang = errors.choice(item.get("jenjang"), f"{path}.jenjang", Jenjang, required=False)
    bulan = item.get("bulan")
    if bulan is None:
        bulan = BULAN_MAX
    elif isinstance(bulan, bool) or not isinstance(bulan, int):
        errors.add(
            f"{path}.bulan", f"harus berupa bilangan bulat {BULAN_MIN} sampai {BULAN_MAX}, bukan {_json_type(bulan)}"
        )
    elif not BULAN_MIN <= bulan <= BULAN_MAX:
        errors.add(f"{path}.bulan", f"harus antara {BULAN_MIN} dan {BULAN_MAX}, bukan {bulan}")
    if len(errors.errors) > before:
        return None
    if not isinstance(ident, str) or hasil_kerja is None or perilaku is None:  # each of these added an error above
        return None
    return PegawaiInput(id=ident, hasil_kerja=hasil_kerja, perilaku=perilaku, jenjang=jenjang, bulan=bulan)


def parse_predikat_input(obj: Any) -> PredikatInput:
    """The checked input of a decoded document; InvalidPredikatInput listing every field the contract rejects."""
    errors = _Collector()
    if not isinstance(obj, dict):
        raise InvalidPredikatInput([FieldError(INPUT_FIELD, f"harus berupa objek JSON, bukan {_json_type(obj)}")])
    errors.unknown_fields(obj, "", _TOP_FIELDS)
    _check_ruleset(obj.get("ruleset"), errors)
    organisasi = errors.choice(
        obj.get("predikat_organisasi"), "predikat_organisasi", PredikatOrganisasi, required=False
    )
    pegawai = _pegawai_list(obj.get("pegawai"), errors)
    if errors.errors:
        raise InvalidPredikatInput(errors.errors)
    return PredikatInput(predikat_organisasi=organisasi, pegawai=tuple(pegawai))


def _check_ruleset(ruleset: Any, errors: _Collector) -> None:
    """Only this ruleset: PP 46/2011 has its own command, which the message names."""
    if ruleset is None:
        errors.add("ruleset", f"wajib diisi: {RULESET_ID}")
    elif ruleset == _PP46:
        errors.add("ruleset", f"{_PP46} dihitung dengan `ekinerja skp score`; perintah ini untuk {RULESET_ID}")
    elif not isinstance(ruleset, str):
        errors.add("ruleset", f"harus berupa teks {RULESET_ID}, bukan {_json_type(ruleset)}")
    elif ruleset != RULESET_ID:
        errors.add("ruleset", f"nilai tidak dikenal {json.dumps(ruleset[:40], ensure_ascii=False)}; harus {RULESET_ID}")


def _pegawai_list(items: Any, errors: _Collector) -> list[PegawaiInput]:
    """The `pegawai` array: present, a non-empty list, each entry valid and its id not given twice."""
    if items is None:
        errors.add("pegawai", "wajib diisi: larik berisi paling sedikit satu pegawai")
    elif not isinstance(items, list):
        errors.add("pegawai", f"harus berupa larik JSON, bukan {_json_type(items)}")
    elif not items:
        errors.add("pegawai", "harus berisi paling sedikit satu pegawai")
    else:
        return _each_pegawai(items, errors)
    return []


def _each_pegawai(items: list, errors: _Collector) -> list[PegawaiInput]:
    pegawai: list[PegawaiInput] = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(items):
        path = f"pegawai[{index}]"
        parsed = _pegawai(item, path, errors)
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, str) and ident.strip():
            if ident in first_index:
                # The id is never echoed in the message: it may be a NIP (personal data).
                errors.add(f"{path}.id", f"id ganda: sama dengan pegawai[{first_index[ident]}].id")
                continue
            first_index[ident] = index
        if parsed is not None:
            pegawai.append(parsed)
    return pegawai


# --- evaluation and output --------------------------------------------------------------------------------------


def evaluate(data: PredikatInput) -> PredikatResult:
    """Predikat per pegawai (§3), angka kredit where a jenjang is given (§5), the curve when asked for (§4)."""
    results = []
    for p in data.pegawai:
        predikat = predikat_for(p.hasil_kerja, p.perilaku)
        ak = angka_kredit(p.jenjang, predikat, p.bulan) if p.jenjang is not None else None
        results.append(PegawaiResult(p.id, predikat, ak))
    distribusi = None
    if data.predikat_organisasi is not None:
        distribusi = check_distribution(data.predikat_organisasi, (r.predikat for r in results))
    return PredikatResult(tuple(results), distribusi)


def _distribusi_output(curve: CurveResult | None) -> dict | None:
    if curve is None:
        return None
    return {
        "predikat_organisasi": curve.predikat_organisasi.value,
        "diperiksa": curve.diperiksa,
        "jumlah": {p.value: n for p, n in curve.jumlah.items()},
        "memenuhi": curve.memenuhi,
        "pelanggaran": [{"aturan": v.aturan, "pesan": v.pesan} for v in curve.pelanggaran],
    }


def format_output(result: PredikatResult) -> dict:
    """The contract's output object, fields in the contract's order."""
    return {
        "status": "ok",
        "ruleset": RULESET_ID,
        "pegawai": [
            {
                "id": r.id,
                "predikat": r.predikat.value,
                "kode_predikat": r.predikat.code,
                "angka_kredit": None if r.angka_kredit is None else format(r.angka_kredit, "f"),
            }
            for r in result.pegawai
        ],
        "distribusi": _distribusi_output(result.distribusi),
    }


def _printable(text: str) -> str:
    """Text as UTF-8 can carry it: a lone surrogate from the input ("\\ud800") is shown escaped, never a crash."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def format_invalid(error: InvalidPredikatInput) -> dict:
    """The contract's invalid-input object; fields and messages may quote the input, so they are made printable."""
    return {
        "status": "invalid",
        "errors": [{"field": _printable(e.field), "message": _printable(e.message)} for e in error.errors],
    }


# --- command line -----------------------------------------------------------------------------------------------


def _invalid(message: str) -> InvalidPredikatInput:
    return InvalidPredikatInput([FieldError(INPUT_FIELD, message)])


def _read(source: str, stdin: BinaryIO | TextIO) -> str:
    try:
        if source == "-":
            data = stdin.read()
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        else:
            with open(source, encoding="utf-8") as file:
                text = file.read()
    except UnicodeDecodeError as error:
        raise _invalid(f"bukan teks UTF-8 (byte ke-{error.start})") from None
    except OSError as error:
        where = "masukan standar" if source == "-" else json.dumps(source, ensure_ascii=False)
        raise _invalid(f"tidak dapat membaca {where}: {error.strerror or error}") from None
    return text.removeprefix("\ufeff")


class _JsonProblem(ValueError):
    """A problem our decoding hooks found, already worded for the user."""


def _reject_constant(name: str) -> Any:
    raise _JsonProblem(f"{name} bukan angka")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise _JsonProblem(f"kunci ganda {json.dumps(key, ensure_ascii=False)}")
        result[key] = value
    return result


def loads_predikat_json(text: str) -> Any:
    """Decode JSON; InvalidPredikatInput (field ``input``) when it is not JSON."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise _invalid(f"bukan JSON yang sah (baris {error.lineno}, kolom {error.colno})") from None
    except _JsonProblem as error:
        raise _invalid(f"bukan JSON yang sah: {error}") from None
    except ValueError:  # e.g. an integer of thousands of digits; Python's own wording is English
        raise _invalid("bukan JSON yang sah: angka di luar jangkauan") from None
    except RecursionError:
        raise _invalid("bukan JSON yang sah: bersarang terlalu dalam") from None


def run_predikat_cli(source: str, stdin: BinaryIO | TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """``ekinerja skp predikat SOURCE``: 0 with the result, 2 with the invalid-input document; both on stdout."""
    try:
        result = format_output(evaluate(parse_predikat_input(loads_predikat_json(_read(source, stdin)))))
        code = EXIT_OK
    except InvalidPredikatInput as error:
        result, code = format_invalid(error), EXIT_INVALID
    except Exception as error:  # a bug, not bad input: one line, no traceback (as `skp score`)
        stderr.write(f"error: internal: {' '.join(f'{type(error).__name__}: {error}'.split())}\n")
        return EXIT_INTERNAL
    stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return code
