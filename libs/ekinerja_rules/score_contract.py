"""The JSON contract of ``ekinerja skp score`` (shared/SKP_SCORE_FORMAT.md): input parsing, output shape, CLI run.

``parse_score_input`` turns a decoded JSON document into the scoring dataclasses and raises ``InvalidScoreInput``
naming the field for anything the contract rejects; ``format_score_output`` gives the contract's output fields in
the contract's order; ``run_score_cli`` reads a file or standard input, and either prints the result (exit 0) or
one ``error: <field>: <message>`` line on standard error (exit 2). It never lets a traceback out.

Numbers may be JSON numbers or decimal strings and mean exactly the decimal written: ``run_score_cli`` decodes
JSON numbers straight into ``Decimal`` so ``9.12`` never passes through a binary float.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, DecimalException
from typing import Any, Literal, TextIO, overload

from .rulesets import PP46_2011, Ruleset
from .scoring import (
    DocumentScore,
    EfficiencyAspect,
    InvalidScoreInput,
    Kegiatan,
    KegiatanScore,
    Perilaku,
    Realisasi,
    SkpDocument,
    Target,
    YearScore,
    display_value,
    score_year,
    validate_year,
)

INPUT_FIELD = "input"  # the field named by errors about the input as a whole (unreadable, not JSON, not an object)

_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # ASCII digits only
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_TOP_FIELDS = ("skp", "perilaku")
_DOCUMENT_FIELDS = ("kegiatan", "tugas_tambahan", "kreativitas")
_KEGIATAN_FIELDS = ("nama", "target", "realisasi")
_TARGET_FIELDS = ("kuantitas", "satuan", "kualitas", "waktu", "biaya", "angka_kredit")
_REALISASI_FIELDS = ("kuantitas", "kualitas", "waktu", "biaya")


class _UnrepresentableNumber:
    """A JSON number the decimal module cannot hold (an exponent with thousands of digits); rejected with its field."""

    def __init__(self, text: str) -> None:
        self.text = text


# --- input ------------------------------------------------------------------------------------------------------


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not _IDENTIFIER.fullmatch(key):
        return f"{path}[{json.dumps(key)}]"  # quoted and escaped, so an error stays on one line
    return f"{path}.{key}" if path else key


def _object(value: Any, path: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise InvalidScoreInput(path or INPUT_FIELD, f"must be a JSON object, not {_json_type(value)}")
    for key in value:
        if key not in allowed:
            # A misspelt optional field (say "biya") would otherwise change the score silently.
            raise InvalidScoreInput(_child(path, key), f"unknown field; expected one of {', '.join(allowed)}")
    return value


def _list(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise InvalidScoreInput(path, "missing" if value is None else f"must be a JSON array, not {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal, _UnrepresentableNumber)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


@overload
def _number(value: Any, path: str, *, optional: Literal[False] = False) -> Decimal: ...
@overload
def _number(value: Any, path: str, *, optional: bool) -> Decimal | None: ...
def _number(value: Any, path: str, *, optional: bool = False) -> Decimal | None:
    if value is None:
        if optional:
            return None
        raise InvalidScoreInput(path, "missing: a number is required")
    if isinstance(value, bool):  # bool is an int in Python, but true is not a number in JSON
        raise InvalidScoreInput(path, "must be a number, not a boolean")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # Decoded without Decimal hooks: the shortest repr is the decimal that was written (9.12 -> "9.12").
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidScoreInput(path, "must be a finite number")
        return Decimal(repr(value))
    if isinstance(value, _UnrepresentableNumber):
        raise InvalidScoreInput(path, "number out of range")
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            shown = json.dumps(value[:40] + ("…" if len(value) > 40 else ""))
            raise InvalidScoreInput(path, f"not a decimal number: {shown}")
        try:
            return Decimal(value)
        except DecimalException:
            raise InvalidScoreInput(path, "number out of range") from None
    raise InvalidScoreInput(path, f"must be a number, not {_json_type(value)}")


@overload
def _text(value: Any, path: str, *, optional: Literal[False] = False) -> str: ...
@overload
def _text(value: Any, path: str, *, optional: bool) -> str | None: ...
def _text(value: Any, path: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InvalidScoreInput(path, "missing: a text is required" if value is None else
                                f"must be a string, not {_json_type(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800" could not be printed back
        raise InvalidScoreInput(path, "not valid Unicode text") from None
    return value


def _count(value: Any, path: str) -> int:
    number = _number(value, path, optional=True)
    if number is None:
        return 0
    if number != number.to_integral_value():
        raise InvalidScoreInput(path, f"must be a whole number (got {value})")
    if number.adjusted() > 9:
        raise InvalidScoreInput(path, "too large")
    return int(number)


def _kegiatan(value: Any, path: str) -> Kegiatan:
    item = _object(value, path, _KEGIATAN_FIELDS)
    tp, rp = _child(path, "target"), _child(path, "realisasi")
    if item.get("target") is None:
        raise InvalidScoreInput(tp, "missing")
    if item.get("realisasi") is None:
        raise InvalidScoreInput(rp, "missing")
    t = _object(item["target"], tp, _TARGET_FIELDS)
    r = _object(item["realisasi"], rp, _REALISASI_FIELDS)
    return Kegiatan(
        nama=_text(item.get("nama"), _child(path, "nama")),
        target=Target(
            kuantitas=_number(t.get("kuantitas"), _child(tp, "kuantitas")),
            satuan=_text(t.get("satuan"), _child(tp, "satuan"), optional=True),
            kualitas=_number(t.get("kualitas"), _child(tp, "kualitas"), optional=True),
            waktu=_number(t.get("waktu"), _child(tp, "waktu")),
            biaya=_number(t.get("biaya"), _child(tp, "biaya"), optional=True),
            angka_kredit=_number(t.get("angka_kredit"), _child(tp, "angka_kredit"), optional=True),
        ),
        realisasi=Realisasi(
            kuantitas=_number(r.get("kuantitas"), _child(rp, "kuantitas")),
            kualitas=_number(r.get("kualitas"), _child(rp, "kualitas")),
            waktu=_number(r.get("waktu"), _child(rp, "waktu")),
            biaya=_number(r.get("biaya"), _child(rp, "biaya"), optional=True),
        ),
    )


def _document(value: Any, path: str, ruleset: Ruleset) -> SkpDocument:
    document = _object(value, path, _DOCUMENT_FIELDS)
    kp = _child(path, "kegiatan")
    kegiatan = tuple(_kegiatan(k, _child(kp, i)) for i, k in enumerate(_list(document.get("kegiatan"), kp)))
    kreativitas = document.get("kreativitas")
    if kreativitas is not None and not isinstance(kreativitas, str):
        levels = ", ".join(ruleset.kreativitas_levels())
        raise InvalidScoreInput(_child(path, "kreativitas"), f"must be null or one of {levels}")
    return SkpDocument(
        kegiatan=kegiatan,
        tugas_tambahan=_count(document.get("tugas_tambahan"), _child(path, "tugas_tambahan")),
        kreativitas=kreativitas,
    )


def _perilaku(value: Any, ruleset: Ruleset) -> Perilaku | None:
    if value is None:
        return None
    aspects = ruleset.perilaku_aspects + ruleset.perilaku_optional_aspects
    given = _object(value, "perilaku", aspects)
    # Checked in `aspects` order; an optional aspect left out is omitted, i.e. Perilaku's default None.
    values: dict[str, Decimal] = {}
    for name in aspects:
        number = _number(given.get(name), _child("perilaku", name), optional=name in ruleset.perilaku_optional_aspects)
        if number is not None:
            values[name] = number
    return Perilaku(**values)


def parse_score_input(obj: Any, ruleset: Ruleset = PP46_2011) -> tuple[tuple[SkpDocument, ...], Perilaku | None]:
    """The documents and perilaku of a decoded score request; InvalidScoreInput for anything the contract rejects."""
    top = _object(obj, "", _TOP_FIELDS)
    documents = tuple(_document(d, _child("skp", i), ruleset) for i, d in enumerate(_list(top.get("skp"), "skp")))
    perilaku = _perilaku(top.get("perilaku"), ruleset)
    validate_year(documents, perilaku, ruleset)
    return documents, perilaku


# --- output -----------------------------------------------------------------------------------------------------


def _shown(value: Decimal | None) -> str | None:
    return None if value is None else format(display_value(value), "f")


def _kegiatan_output(k: KegiatanScore) -> dict:
    biaya: EfficiencyAspect | None = k.biaya
    output = {
        "nama": k.nama,
        "kuantitas": _shown(k.kuantitas),
        "kualitas": _shown(k.kualitas),
        "waktu": _shown(k.waktu.nilai),
        "efisiensi_waktu": _shown(k.waktu.efisiensi),
        "biaya": _shown(biaya.nilai) if biaya else None,
        "efisiensi_biaya": _shown(biaya.efisiensi) if biaya else None,
        "jumlah_aspek": k.jumlah_aspek,
        "perhitungan": _shown(k.perhitungan),
        "nilai_capaian": _shown(k.nilai_capaian),
    }
    if k.angka_kredit is not None:
        output["angka_kredit"] = format(k.angka_kredit, "f")  # echoed as written, never rounded
    return output


def _document_output(d: DocumentScore) -> dict:
    return {
        "kegiatan": [_kegiatan_output(k) for k in d.kegiatan],
        "rata_rata_kegiatan": _shown(d.rata_rata_kegiatan),
        "nilai_tugas_tambahan": d.nilai_tugas_tambahan,
        "nilai_kreativitas": d.nilai_kreativitas,
        "nilai_capaian_skp": _shown(d.nilai_capaian_skp),
    }


def format_score_output(year_score: YearScore) -> dict:
    """The contract's output object, fields in the contract's order."""
    perilaku = year_score.perilaku
    output: dict[str, Any] = {
        "ruleset": year_score.ruleset_id,
        "skp": [_document_output(d) for d in year_score.documents],
        "nilai_capaian_skp": _shown(year_score.nilai_capaian_skp),
        "sebutan_capaian_skp": year_score.sebutan_capaian_skp,
        "nilai_perilaku": _shown(perilaku.nilai) if perilaku else None,
        "sebutan_perilaku": perilaku.sebutan if perilaku else None,
    }
    if perilaku:
        # Present only with perilaku: example A (no perilaku) has no jumlah_aspek_perilaku at all.
        output["jumlah_aspek_perilaku"] = perilaku.jumlah_aspek
    output["nilai_prestasi_kerja"] = _shown(year_score.nilai_prestasi_kerja)
    output["sebutan"] = year_score.sebutan
    return output


# --- command line -----------------------------------------------------------------------------------------------


def _read(source: str, stdin: TextIO) -> str:
    try:
        if source == "-":
            data = stdin.read()
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        else:
            with open(source, encoding="utf-8") as file:
                text = file.read()
    except UnicodeDecodeError as error:
        raise InvalidScoreInput(INPUT_FIELD, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        where = "standard input" if source == "-" else json.dumps(source)
        raise InvalidScoreInput(INPUT_FIELD, f"cannot read {where}: {error.strerror or error}") from None
    return text.removeprefix("\ufeff")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _decimal_or_marker(text: str) -> Decimal | _UnrepresentableNumber:
    try:
        return Decimal(text)
    except DecimalException:
        return _UnrepresentableNumber(text)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {json.dumps(key)}")
        result[key] = value
    return result


def loads_score_json(text: str) -> Any:
    """Decode JSON keeping every number as the exact Decimal written; InvalidScoreInput when it is not JSON."""
    try:
        return json.loads(
            text,
            parse_float=_decimal_or_marker,
            parse_int=_decimal_or_marker,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as error:
        message = f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        raise InvalidScoreInput(INPUT_FIELD, message) from None
    except ValueError as error:
        raise InvalidScoreInput(INPUT_FIELD, f"not valid JSON: {error}") from None
    except RecursionError:
        raise InvalidScoreInput(INPUT_FIELD, "not valid JSON: nested too deeply") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def run_score_cli(source: str, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """``ekinerja skp score SOURCE``: 0 with the JSON result on stdout, or 2 with one error line on stderr."""
    try:
        documents, perilaku = parse_score_input(loads_score_json(_read(source, stdin)))
        rendered = json.dumps(format_score_output(score_year(documents, perilaku)), indent=2, ensure_ascii=False)
    except InvalidScoreInput as error:
        stderr.write(f"error: {_one_line(error.field)}: {_one_line(error.message)}\n")
        return 2
    except Exception as error:  # a bug, not bad input: still one line and no traceback, as the contract promises
        stderr.write(f"error: internal: {_one_line(f'{type(error).__name__}: {error}')}\n")
        return 1
    stdout.write(rendered + "\n")
    return 0


def run_examples_cli(source: str, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """``ekinerja skp score --examples FILE``: a file of named examples ``{"A": {"input": …, "expected": …}}`` (the
    shared ``skp_score_examples.json``) scored one by one. Prints ``{name: result}``; 0 when every result equals its
    ``expected`` (if given), 1 naming each example that differs, 2 on a file that is not such a set."""
    try:
        examples = loads_score_json(_read(source, stdin))
        if not isinstance(examples, dict) or not examples or not all(
                isinstance(e, dict) and "input" in e for e in examples.values()):
            raise InvalidScoreInput(INPUT_FIELD, 'bukan kumpulan contoh {"nama": {"input": …, "expected": …}}')
        results, differing = {}, []
        for name, example in examples.items():
            try:
                documents, perilaku = parse_score_input(example["input"])
            except InvalidScoreInput as error:
                raise InvalidScoreInput(f"{name}.input.{error.field}", error.message) from None
            results[name] = format_score_output(score_year(documents, perilaku))
            expected = example.get("expected")
            if expected is not None and json.loads(json.dumps(results[name])) != _plain(expected):
                differing.append(name)
    except InvalidScoreInput as error:
        stderr.write(f"error: {_one_line(error.field)}: {_one_line(error.message)}\n")
        return 2
    stdout.write(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    for name in differing:
        stderr.write(f"contoh {name}: hasil berbeda dari nilai \"expected\"\n")
    return 1 if differing else 0


def _plain(value: Any) -> Any:
    """An expected output read with exact decimals, back in the output's JSON form (strings, ints, null)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else str(value)
    return value
