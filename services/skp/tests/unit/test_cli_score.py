"""`ekinerja skp score` as users run it: the installed command in a subprocess, on every shared example."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ekinerja_platform.testing import REPO_ROOT

pytestmark = pytest.mark.unit

EXAMPLES = json.loads((Path(REPO_ROOT) / "docs" / "examples" / "skp-score-examples.json").read_text(encoding="utf-8"))
EKINERJA = str(REPO_ROOT / ".venv" / "bin" / "ekinerja")


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([EKINERJA, "skp", "score", *args], input=stdin, capture_output=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C"})


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_shared_example_comes_out_exactly_from_a_file(name, tmp_path):
    source = tmp_path / f"{name}.json"
    source.write_text(json.dumps(EXAMPLES[name]["input"]), encoding="utf-8")
    done = run(str(source))
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert json.loads(done.stdout) == EXAMPLES[name]["expected"]
    # field order and 2-decimal strings as the contract prints them, not merely equal values
    assert list(json.loads(done.stdout)) == list(EXAMPLES[name]["expected"])


def test_standard_input_with_numbers_as_strings_gives_the_same_result():
    example = EXAMPLES["D"]

    def as_strings(value):
        if isinstance(value, dict):
            return {k: as_strings(v) for k, v in value.items()}
        if isinstance(value, list):
            return [as_strings(v) for v in value]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return value

    document = as_strings(example["input"])
    for doc in document["skp"]:
        if "tugas_tambahan" in doc:
            doc["tugas_tambahan"] = int(doc["tugas_tambahan"])
    done = run("-", stdin=json.dumps(document).encode("utf-8"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == example["expected"]


@pytest.mark.parametrize("text, field", [
    (b"{not json", "input"),
    (json.dumps({"skp": [{"kegiatan": []}]}).encode(), "skp[0].kegiatan"),
    (json.dumps({"skp": [{"kegiatan": [{"nama": "x", "target": {"kuantitas": 0, "waktu": 12},
                                        "realisasi": {"kuantitas": 1, "kualitas": 90, "waktu": 12}}]}]}).encode(),
     "skp[0].kegiatan[0].target.kuantitas"),
])
def test_bad_input_exits_2_with_one_line_naming_the_field(text, field):
    done = run("-", stdin=text)
    assert done.returncode == 2
    assert done.stdout == b""
    err = done.stderr.decode()
    assert err.count("\n") == 1 and err.startswith(f"error: {field}: "), err
    assert "Traceback" not in err


def test_missing_file_exits_2():
    done = run("/nonexistent/skp.json")
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().startswith("error: input: ")


DOCS_EXAMPLES = REPO_ROOT / "docs" / "examples"


def test_the_examples_file_scores_every_example_to_its_expected_result():
    """README: `ekinerja skp score --examples docs/examples/skp-score-examples.json` (the repository's copy of the
    shared contract's examples: tests read nothing outside the repository)."""
    done = run("--examples", str(DOCS_EXAMPLES / "skp-score-examples.json"))
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert json.loads(done.stdout) == {name: e["expected"] for name, e in EXAMPLES.items()}


def test_an_example_whose_result_differs_is_named_and_fails(tmp_path):
    changed = json.loads(json.dumps(EXAMPLES))
    changed["B"]["expected"]["nilai_capaian_skp"] = "99.99"
    source = tmp_path / "examples.json"
    source.write_text(json.dumps(changed), encoding="utf-8")
    done = run("--examples", str(source))
    assert done.returncode == 1
    assert done.stderr.decode() == 'contoh B: hasil berbeda dari nilai "expected"\n'


def test_a_plain_input_is_not_an_examples_file():
    done = run("--examples", str(DOCS_EXAMPLES / "skp-score-input.json"))
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().startswith("error: input: bukan kumpulan contoh")


def test_the_readme_input_file_scores():
    """README: `ekinerja skp score docs/examples/skp-score-input.json`."""
    done = run(str(DOCS_EXAMPLES / "skp-score-input.json"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["nilai_capaian_skp"], result["nilai_perilaku"], result["sebutan"]) == ("89.19", "82.40", "Baik")
