"""The score contract (shared/SKP_SCORE_FORMAT.md) as seen from the command line: exit codes, stdout, stderr."""

from __future__ import annotations

import copy
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from ekinerja_rules.score_contract import parse_score_input, run_score_cli
from ekinerja_rules.scoring import InvalidScoreInput

pytestmark = pytest.mark.unit

EXAMPLES_FILE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "skp-score-examples.json"  # shared copy
EXAMPLE_D = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))["D"]
K0 = ("skp", 0, "kegiatan", 0)


def run(text: str | bytes, source: str = "-") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    stdin = io.BytesIO(text) if isinstance(text, bytes) else io.StringIO(text)
    code = run_score_cli(source, stdin, out, err)
    return code, out.getvalue(), err.getvalue()


def edited(*path, value=..., delete: bool = False) -> str:
    """Example D's input as JSON text with the value at ``path`` replaced (or deleted)."""
    obj = copy.deepcopy(EXAMPLE_D["input"])
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return json.dumps(obj)


def assert_rejected(result: tuple[int, str, str], field: str) -> str:
    code, out, err = result
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(f"error: {field}: "), err
    assert "Traceback" not in err
    return err


# --- valid input ------------------------------------------------------------------------------------------------


def test_valid_input_exits_0_with_the_result_on_stdout_only():
    code, out, err = run(json.dumps(EXAMPLE_D["input"]))
    assert (code, err) == (0, "")
    assert out == json.dumps(EXAMPLE_D["expected"], indent=2, ensure_ascii=False) + "\n"


def test_reads_a_file(tmp_path):
    path = tmp_path / "skp.json"
    path.write_text(json.dumps(EXAMPLE_D["input"]), encoding="utf-8")
    code, out, err = run("", source=str(path))
    assert (code, err) == (0, "")
    assert json.loads(out) == EXAMPLE_D["expected"]


def test_reads_binary_standard_input_with_a_byte_order_mark():
    code, out, _ = run(b"\xef\xbb\xbf" + json.dumps(EXAMPLE_D["input"]).encode())
    assert code == 0 and json.loads(out) == EXAMPLE_D["expected"]


def test_non_ascii_names_are_printed_as_written():
    code, out, _ = run(edited(*K0, "nama", value="Rapat koordinasi — Bagian Umum"))
    assert code == 0 and '"nama": "Rapat koordinasi — Bagian Umum"' in out


def test_decimal_strings_and_optional_fields():
    text = edited(*K0, "target", value={"kuantitas": "12", "waktu": "12.0", "angka_kredit": "0.500"})
    code, out, err = run(text)
    assert code == 0, err
    kegiatan = json.loads(out)["skp"][0]["kegiatan"][0]
    assert kegiatan["nilai_capaian"] == "88.67" and kegiatan["angka_kredit"] == "0.500"


def test_nine_point_one_two_stays_exact():
    text = edited(*K0, "realisasi", "waktu", value=9.12)  # written as the JSON number 9.12
    kegiatan = json.loads(run(text)[1])["skp"][0]["kegiatan"][0]
    assert (kegiatan["waktu"], kegiatan["efisiensi_waktu"]) == ("100.00", "24.00")


def test_parse_accepts_python_floats_as_the_decimal_they_print_as():
    obj = copy.deepcopy(EXAMPLE_D["input"])
    obj["skp"][0]["kegiatan"][0]["realisasi"]["waktu"] = 9.12
    documents, _ = parse_score_input(obj)
    assert documents[0].kegiatan[0].realisasi.waktu == Decimal("9.12")


# --- each error class of the contract ----------------------------------------------------------------------------

NOT_JSON = ["", "{", "{'skp': []}", '{"skp": [}', "skp", '{"skp": NaN}', '{"skp": [], "skp": []}', "[" * 100_000]


@pytest.mark.parametrize("text", NOT_JSON, ids=range(len(NOT_JSON)))
def test_not_json(text):
    assert_rejected(run(text), "input")


def test_not_utf8():
    assert_rejected(run(b'{"skp": "\xff"}'), "input")


@pytest.mark.parametrize("text", ["[]", "12", '"skp"', "null", "true"])
def test_wrong_top_level_type(text):
    assert_rejected(run(text), "input")


def test_unreadable_file(tmp_path):
    assert_rejected(run("", source=str(tmp_path / "missing.json")), "input")
    assert_rejected(run("", source=str(tmp_path)), "input")  # a directory


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("skp",), "skp"),
        ((*K0, "nama"), "skp[0].kegiatan[0].nama"),
        ((*K0, "target"), "skp[0].kegiatan[0].target"),
        ((*K0, "realisasi"), "skp[0].kegiatan[0].realisasi"),
        ((*K0, "target", "kuantitas"), "skp[0].kegiatan[0].target.kuantitas"),
        ((*K0, "target", "waktu"), "skp[0].kegiatan[0].target.waktu"),
        ((*K0, "realisasi", "kuantitas"), "skp[0].kegiatan[0].realisasi.kuantitas"),
        ((*K0, "realisasi", "kualitas"), "skp[0].kegiatan[0].realisasi.kualitas"),
        ((*K0, "realisasi", "waktu"), "skp[0].kegiatan[0].realisasi.waktu"),
        (("skp", 0, "kegiatan", 1, "realisasi", "biaya"), "skp[0].kegiatan[1].realisasi.biaya"),  # target biaya > 0
        (("perilaku", "integritas"), "perilaku.integritas"),
    ],
)
def test_missing_field(path, field):
    assert_rejected(run(edited(*path, delete=True)), field)
    assert_rejected(run(edited(*path, value=None)), field)


NON_NUMERIC = ["abc", "", " 12", "12,5", "1/2", "NaN", "Infinity", "１２", True, False, [], {}]


@pytest.mark.parametrize("value", NON_NUMERIC, ids=[repr(v) for v in NON_NUMERIC])
@pytest.mark.parametrize(
    "path",
    [(*K0, "target", "kuantitas"), (*K0, "realisasi", "kualitas"), (*K0, "target", "biaya"), ("perilaku", "disiplin"),
     ("skp", 0, "tugas_tambahan")],
)
def test_non_numeric_field(path, value):
    field = ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")
    err = assert_rejected(run(edited(*path, value=value)), field)
    if isinstance(value, bool):
        assert "boolean" in err


@pytest.mark.parametrize("value", [0, -1, "-0.5"])
@pytest.mark.parametrize("name", ["kuantitas", "waktu"])
def test_target_kuantitas_or_waktu_not_positive(name, value):
    assert_rejected(run(edited(*K0, "target", name, value=value)), f"skp[0].kegiatan[0].target.{name}")


@pytest.mark.parametrize("name", ["kuantitas", "kualitas", "waktu", "biaya"])
def test_negative_realisation(name):
    assert_rejected(run(edited("skp", 0, "kegiatan", 1, "realisasi", name, value=-1)),
                    f"skp[0].kegiatan[1].realisasi.{name}")


@pytest.mark.parametrize("value", [-0.01, 100.01, 1000])
@pytest.mark.parametrize("side", ["target", "realisasi"])
def test_kualitas_outside_0_to_100(side, value):
    assert_rejected(run(edited(*K0, side, "kualitas", value=value)), f"skp[0].kegiatan[0].{side}.kualitas")


def test_target_kualitas_zero_cannot_divide():
    assert_rejected(run(edited(*K0, "target", "kualitas", value=0)), "skp[0].kegiatan[0].target.kualitas")


@pytest.mark.parametrize("value", [-1, 100.5, "101"])
@pytest.mark.parametrize("aspect", ["orientasi_pelayanan", "kepemimpinan"])
def test_perilaku_aspect_outside_0_to_100(aspect, value):
    assert_rejected(run(edited("perilaku", aspect, value=value)), f"perilaku.{aspect}")


@pytest.mark.parametrize("level", ["nasional", "Unit_Kerja", "", 3, True, ["negara"]])
def test_unknown_kreativitas_level(level):
    err = assert_rejected(run(edited("skp", 0, "kreativitas", value=level)), "skp[0].kreativitas")
    assert "unit_kerja" in err


@pytest.mark.parametrize("kegiatan", [[], None, {}])
def test_document_without_kegiatan(kegiatan):
    assert_rejected(run(edited("skp", 0, "kegiatan", value=kegiatan)), "skp[0].kegiatan")


def test_no_document_at_all():
    assert_rejected(run(edited("skp", value=[])), "skp")


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("skp", 0, "tugas_tambahan"), 2.5, "skp[0].tugas_tambahan"),
        (("skp", 0, "tugas_tambahan"), -1, "skp[0].tugas_tambahan"),
        ((*K0, "target", "biaya"), -5, "skp[0].kegiatan[0].target.biaya"),
        ((*K0, "target", "kuantitas"), "1e999999999999", "skp[0].kegiatan[0].target.kuantitas"),
        ((*K0, "target", "kuantitas"), "0.0000000000001", "skp[0].kegiatan[0].target.kuantitas"),
        ((*K0, "nama"), 12, "skp[0].kegiatan[0].nama"),
        ((*K0, "nama"), "\ud800", "skp[0].kegiatan[0].nama"),
        (("skp", 0), [], "skp[0]"),
        (("perilaku",), [80] * 5, "perilaku"),
    ],
)
def test_other_invalid_values(path, value, field):
    assert_rejected(run(edited(*path, value=value)), field)


def test_unknown_fields_are_rejected_not_ignored():
    assert_rejected(run(edited(*K0, "target", "biya", value=100)), "skp[0].kegiatan[0].target.biya")
    assert_rejected(run(edited("perilaku", "kepemimpinan ", value=80)), 'perilaku["kepemimpinan "]')
    err = assert_rejected(run(edited("catatan\nbaru", value=1)), '["catatan\\nbaru"]')
    assert err.count("\n") == 1


def test_a_json_number_too_large_for_decimal_names_its_field():
    text = edited(*K0, "target", "waktu", value=0).replace('"waktu": 0', '"waktu": 1e' + "9" * 5000)
    assert_rejected(run(text), "skp[0].kegiatan[0].target.waktu")


def test_parse_raises_invalid_score_input_with_the_field():
    obj = json.loads(edited(*K0, "target", "waktu", value=0))
    with pytest.raises(InvalidScoreInput) as raised:
        parse_score_input(obj)
    assert raised.value.field == "skp[0].kegiatan[0].target.waktu"
