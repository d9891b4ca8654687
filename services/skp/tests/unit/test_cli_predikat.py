"""`ekinerja skp predikat` as users run it: the installed command in a subprocess (shared/PERMENPANRB_6_2022.md §6)."""

from __future__ import annotations

import json
import subprocess

import pytest

from ekinerja_platform.testing import REPO_ROOT

pytestmark = pytest.mark.unit

EKINERJA = str(REPO_ROOT / ".venv" / "bin" / "ekinerja")
RULESET = "permenpanrb-6-2022"

SPEC_INPUT = {
    "ruleset": RULESET,
    "predikat_organisasi": "baik",
    "pegawai": [
        {
            "id": "198503302010011002",
            "hasil_kerja": "di_atas",
            "perilaku": "sesuai",
            "jenjang": "ahli_muda",
            "bulan": 12,
        },
        {"id": "p2", "hasil_kerja": "sesuai", "perilaku": "sesuai"},
    ],
}
SPEC_OUTPUT = {
    "status": "ok",
    "ruleset": RULESET,
    "pegawai": [
        {"id": "198503302010011002", "predikat": "baik", "kode_predikat": 2, "angka_kredit": "25.000"},
        {"id": "p2", "predikat": "baik", "kode_predikat": 2, "angka_kredit": None},
    ],
    "distribusi": {
        "predikat_organisasi": "baik",
        "diperiksa": False,
        "jumlah": {"sangat_baik": 0, "baik": 2, "butuh_perbaikan": 0, "kurang": 0, "sangat_kurang": 0},
        "memenuhi": None,
        "pelanggaran": [],
    },
}

# Ratings giving each predikat (§3).
RATINGS = {
    "sangat_baik": ("di_atas", "di_atas"),
    "baik": ("sesuai", "sesuai"),
    "butuh_perbaikan": ("di_bawah", "sesuai"),
    "kurang": ("sesuai", "di_bawah"),
    "sangat_kurang": ("di_bawah", "di_bawah"),
}


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [EKINERJA, "skp", "predikat", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "LANG": "C"},
    )


def run_json(document) -> subprocess.CompletedProcess:
    return run("-", stdin=json.dumps(document).encode("utf-8"))


def organisation(predikat_organisasi: str | None, counts: dict[str, int]) -> dict:
    pegawai = []
    for predikat, n in counts.items():
        hasil_kerja, perilaku = RATINGS[predikat]
        pegawai += [{"id": f"{predikat}-{i}", "hasil_kerja": hasil_kerja, "perilaku": perilaku} for i in range(n)]
    document = {"ruleset": RULESET, "pegawai": pegawai}
    if predikat_organisasi is not None:
        document["predikat_organisasi"] = predikat_organisasi
    return document


def test_the_spec_example_from_a_file_comes_out_exactly(tmp_path):
    source = tmp_path / "predikat.json"
    source.write_text(json.dumps(SPEC_INPUT), encoding="utf-8")
    done = run(str(source))
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    out = json.loads(done.stdout)
    assert out == SPEC_OUTPUT
    assert list(out) == list(SPEC_OUTPUT)
    assert list(out["pegawai"][0]) == list(SPEC_OUTPUT["pegawai"][0])
    assert list(out["distribusi"]) == list(SPEC_OUTPUT["distribusi"])


def test_the_spec_example_from_standard_input():
    done = run_json(SPEC_INPUT)
    assert done.returncode == 0 and done.stderr == b""
    assert json.loads(done.stdout) == SPEC_OUTPUT


def test_without_predikat_organisasi_there_is_no_distribusi():
    document = {k: v for k, v in SPEC_INPUT.items() if k != "predikat_organisasi"}
    done = run_json(document)
    assert done.returncode == 0
    assert json.loads(done.stdout)["distribusi"] is None


@pytest.mark.parametrize(
    "predikat_organisasi, counts, broken",
    [
        ("istimewa", {"sangat_baik": 7, "baik": 3}, []),
        ("istimewa", {"sangat_baik": 8, "baik": 2}, ["sangat_baik_maks"]),
        ("baik", {"baik": 7, "butuh_perbaikan": 1, "sangat_baik": 2}, []),
        ("baik", {"baik": 7, "sangat_baik": 3}, ["butuh_perbaikan_kurang_ada"]),
        ("butuh_perbaikan", {"butuh_perbaikan": 6, "sangat_baik": 1, "baik": 3}, []),
        ("butuh_perbaikan", {"butuh_perbaikan": 5, "sangat_baik": 1, "baik": 4}, ["butuh_perbaikan_min"]),
    ],
)
def test_the_spec_curve_examples(predikat_organisasi, counts, broken):
    done = run_json(organisation(predikat_organisasi, counts))
    assert done.returncode == 0, done.stdout
    distribusi = json.loads(done.stdout)["distribusi"]
    assert distribusi["diperiksa"] is True
    assert distribusi["memenuhi"] is (not broken)
    assert [v["aturan"] for v in distribusi["pelanggaran"]] == broken
    assert all(set(v) == {"aturan", "pesan"} and v["pesan"].endswith(".") for v in distribusi["pelanggaran"])
    assert {k: n for k, n in distribusi["jumlah"].items() if n} == counts


@pytest.mark.parametrize("predikat, expected", [("sangat_baik", "18.750"), ("sangat_kurang", "3.125")])
def test_the_spec_angka_kredit_examples(predikat, expected):
    hasil_kerja, perilaku = RATINGS[predikat]
    pegawai = {"id": "x", "hasil_kerja": hasil_kerja, "perilaku": perilaku, "jenjang": "ahli_pertama", "bulan": 12}
    done = run_json({"ruleset": RULESET, "pegawai": [pegawai]})
    assert done.returncode == 0
    (result,) = json.loads(done.stdout)["pegawai"]
    assert (result["predikat"], result["angka_kredit"]) == (predikat, expected)


def _pegawai(**changes) -> dict:
    item = {"id": "p1", "hasil_kerja": "sesuai", "perilaku": "sesuai", "jenjang": "ahli_muda", "bulan": 12}
    item.update(changes)
    return {k: v for k, v in item.items() if v is not _DROP}


_DROP = object()


def _doc(*pegawai, **top) -> bytes:
    document = {"ruleset": RULESET, "predikat_organisasi": "baik", "pegawai": list(pegawai) or [_pegawai()]}
    document.update(top)
    return json.dumps({k: v for k, v in document.items() if v is not _DROP}).encode("utf-8")


INVALID = [
    ("not json", b"{not json", "input"),
    ("empty", b"", "input"),
    ("not an object", b"[]", "input"),
    ("NaN", b'{"ruleset": NaN}', "input"),
    ("duplicate key", b'{"ruleset": "permenpanrb-6-2022", "ruleset": "x"}', "input"),
    ("not UTF-8", b'{"ruleset": "\xff"}', "input"),
    ("missing ruleset", _doc(ruleset=_DROP), "ruleset"),
    ("pp46 ruleset", _doc(ruleset="pp46-2011"), "ruleset"),
    ("unknown ruleset", _doc(ruleset="permenpanrb-2023"), "ruleset"),
    ("ruleset not text", _doc(ruleset=6), "ruleset"),
    ("number out of range", _doc(_pegawai(bulan=99)).replace(b"99", b"1" + b"0" * 5000), "input"),
    ("unknown top field", _doc(predikat_organisasii="baik"), "predikat_organisasii"),
    ("unknown predikat organisasi", _doc(predikat_organisasi="sangat_baik"), "predikat_organisasi"),
    ("predikat organisasi not text", _doc(predikat_organisasi=1), "predikat_organisasi"),
    ("missing pegawai", _doc(pegawai=_DROP), "pegawai"),
    ("pegawai not a list", _doc(pegawai={"id": "p1"}), "pegawai"),
    ("no pegawai", _doc(pegawai=[]), "pegawai"),
    ("pegawai not an object", _doc(pegawai=["p1"]), "pegawai[0]"),
    ("missing id", _doc(_pegawai(id=_DROP)), "pegawai[0].id"),
    ("id not text", _doc(_pegawai(id=198503302010011002)), "pegawai[0].id"),
    ("empty id", _doc(_pegawai(id=" ")), "pegawai[0].id"),
    ("duplicate id", _doc(_pegawai(), _pegawai()), "pegawai[1].id"),
    ("missing hasil_kerja", _doc(_pegawai(id="a"), _pegawai(hasil_kerja=_DROP)), "pegawai[1].hasil_kerja"),
    ("unknown hasil_kerja", _doc(_pegawai(hasil_kerja="baik")), "pegawai[0].hasil_kerja"),
    ("missing perilaku", _doc(_pegawai(id="a"), _pegawai(perilaku=_DROP)), "pegawai[1].perilaku"),
    ("unknown perilaku", _doc(_pegawai(perilaku="DI_ATAS")), "pegawai[0].perilaku"),
    ("perilaku as a code", _doc(_pegawai(perilaku=1)), "pegawai[0].perilaku"),
    ("unknown jenjang", _doc(_pegawai(jenjang="ahli")), "pegawai[0].jenjang"),
    ("bulan 0", _doc(_pegawai(bulan=0)), "pegawai[0].bulan"),
    ("bulan 13", _doc(_pegawai(bulan=13)), "pegawai[0].bulan"),
    ("bulan text", _doc(_pegawai(bulan="12")), "pegawai[0].bulan"),
    ("bulan fraction", _doc(_pegawai(bulan=6.5)), "pegawai[0].bulan"),
    ("bulan boolean", _doc(_pegawai(bulan=True)), "pegawai[0].bulan"),
    ("unknown pegawai field", _doc(_pegawai(jenjan="ahli_muda")), "pegawai[0].jenjan"),
    ("lone surrogate id", _doc(_pegawai(id="\ud800")), "pegawai[0].id"),
    ("lone surrogate value", _doc(_pegawai(perilaku="\ud800")), "pegawai[0].perilaku"),
    ("lone surrogate field", _doc(_pegawai(**{"\ud800": 1})), "pegawai[0].\\ud800"),
]


@pytest.mark.parametrize("text, field", [(t, f) for _, t, f in INVALID], ids=[name for name, _, _ in INVALID])
def test_invalid_input_exits_2_with_the_field_on_standard_output_only(text, field):
    done = run("-", stdin=text)
    assert done.returncode == 2, done.stdout
    assert done.stderr == b""
    out = json.loads(done.stdout)
    assert list(out) == ["status", "errors"] and out["status"] == "invalid"
    assert [e["field"] for e in out["errors"]] == [field]
    assert all(set(e) == {"field", "message"} and e["message"] for e in out["errors"])
    assert "Traceback" not in done.stdout.decode()


def test_every_problem_is_reported_at_once():
    text = _doc(_pegawai(hasil_kerja="x"), _pegawai(id="p2", perilaku=_DROP, bulan=0), ruleset="x")
    out = json.loads(run("-", stdin=text).stdout)
    assert [e["field"] for e in out["errors"]] == [
        "ruleset",
        "pegawai[0].hasil_kerja",
        "pegawai[1].perilaku",
        "pegawai[1].bulan",
    ]


def test_messages_are_in_bahasa_indonesia_and_never_echo_an_id():
    nip = "198503302010011002"
    out = json.loads(run("-", stdin=_doc(_pegawai(id=nip), _pegawai(id=nip, bulan=13))).stdout)
    messages = {e["field"]: e["message"] for e in out["errors"]}
    assert messages == {
        "pegawai[1].bulan": "harus antara 1 dan 12, bukan 13",
        "pegawai[1].id": "id ganda: sama dengan pegawai[0].id",
    }
    assert nip not in run("-", stdin=_doc(_pegawai(id=nip), _pegawai(id=nip))).stdout.decode()


def test_a_missing_file_exits_2():
    done = run("/nonexistent/predikat.json")
    assert done.returncode == 2 and done.stderr == b""
    (error,) = json.loads(done.stdout)["errors"]
    assert error["field"] == "input" and error["message"].startswith("tidak dapat membaca")


def test_a_bug_exits_1_with_one_line_and_no_traceback(monkeypatch):
    import io

    from ekinerja_rules.permenpanrb_6_2022 import contract

    def broken(_data):
        raise RuntimeError("boom")

    monkeypatch.setattr(contract, "evaluate", broken)
    out, err = io.StringIO(), io.StringIO()
    code = contract.run_predikat_cli("-", io.BytesIO(json.dumps(SPEC_INPUT).encode()), out, err)
    assert (code, out.getvalue(), err.getvalue()) == (1, "", "error: internal: RuntimeError: boom\n")
