"""The `ekinerja skp` commands against the running service, as users run them (subprocesses, saved credentials)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from skp_testlib import far_future, new_nip, wait_for

from ekinerja_platform.testing import REPO_ROOT

pytestmark = pytest.mark.integration
EKINERJA = str(REPO_ROOT / ".venv" / "bin" / "ekinerja")


class Cli:
    """`ekinerja` run as one user: its own config directory with a saved token."""

    def __init__(self, tmp: Path, target: str, token: str):
        self.env = {**os.environ, "EKINERJA_CONFIG_DIR": str(tmp), "EKINERJA_SKP_ENDPOINT": target}
        subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "python"), "-c",
                        "import json, sys; from ekinerja_cli.config import save_credentials; "
                        "save_credentials(json.loads(sys.argv[1]))",
                        json.dumps({"access_token": token, "access_expires_at": far_future()})],
                       env=self.env, check=True)
        self.cwd = tmp

    def __call__(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([EKINERJA, *args], env=self.env, cwd=self.cwd, capture_output=True, text=True,
                              timeout=60)

    def json(self, *args: str) -> dict:
        done = self("--json", *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def test_the_workflow_from_the_command_line(skp_service, world, tmp_path, test_keys, stub, pb):
    nip, penilai, atasan = new_nip(), new_nip(), new_nip()

    def cli(who: str) -> Cli:
        (tmp_path / who).mkdir()
        return Cli(tmp_path / who, skp_service.target, test_keys.token(
            subject=who, roles=["pegawai"], instansi="inst-1", nip=who, ttl_seconds=3600))

    me, p, q = cli(nip), cli(penilai), cli(atasan)
    world.assign(nip, "jab-cli-1", "2024-01-02", penilai=penilai, atasan=atasan, kind="fungsional_tertentu",
                 job_group="kesehatan", nama="Perawat Ahli Pertama")
    listed = wait_for(lambda: me.json("skp", "list").get("documents"))
    skp_id = listed[0]["skp_id"]

    shown = me.json("skp", "show", skp_id)["document"]
    assert shown["status"] == "draft" and shown["job_group"] == "kesehatan"
    assert all(k.get("angka_kredit") for k in shown["kegiatan"])  # fungsional tertentu: AK targets
    human = me("skp", "show", skp_id)
    assert human.returncode == 0 and "Perawat Ahli Pertama" in human.stdout

    assert me.json("skp", "submit", skp_id)["document"]["status"] == "submitted"
    missing = p("skp", "return", skp_id)
    assert missing.returncode == 2 and "--note" in missing.stderr
    assert p.json("skp", "return", skp_id, "--note", "tambahkan target penyuluhan")["document"]["status"] == \
        "returned"
    assert me.json("skp", "submit", skp_id)["document"]["status"] == "submitted"
    denied = me("skp", "approve", skp_id)
    assert denied.returncode == 1 and denied.stderr.startswith("error: Anda tidak berwenang")
    assert p.json("skp", "approve", skp_id)["document"]["status"] == "approved"

    bad = p("skp", "perilaku", "set", skp_id, "--orientasi-pelayanan", "150", "--integritas", "80", "--komitmen",
            "80", "--disiplin", "80", "--kerja-sama", "80")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "perilaku.orientasi_pelayanan" in bad.stderr
    p.json("skp", "perilaku", "set", skp_id, "--orientasi-pelayanan", "90", "--integritas", "80", "--komitmen",
           "80", "--disiplin", "80", "--kerja-sama", "80")

    live = me.json("skp", "result", skp_id)
    assert live["nilai_perilaku"] == "82.00" and live["sebutan_perilaku"] == "Baik"
    issued = p.json("skp", "result", skp_id, "--issue")
    assert issued["result_status"] == "issued"
    assert issued["nilai_prestasi_kerja"] == live["nilai_prestasi_kerja"]
    # the score the service gives is the offline calculator's on the same input
    offline = subprocess.run([EKINERJA, "skp", "score", "-"], input=issued["score_input_json"], text=True,
                             capture_output=True, timeout=60)
    assert json.loads(offline.stdout)["nilai_prestasi_kerja"] == issued["nilai_prestasi_kerja"]

    assert me.json("skp", "keberatan", skp_id, "--alasan", "realisasi belum tercatat")["result_status"] == \
        "keberatan"
    decided = q.json("skp", "keberatan", skp_id, "--decide", "uphold", "--catatan", "nilai sudah sesuai")
    assert decided["result_status"] == "final" and decided["nilai_prestasi_kerja"] == live["nilai_prestasi_kerja"]
    doc = stub.GetSkp(pb.GetSkpRequest(skp_id=skp_id), metadata=world.token(nip), timeout=5).document
    assert (doc.status, doc.closed_reason) == ("closed", "final")

    pdf = q.json("skp", "formulir", skp_id, "--jenis", "penilaian", "--format", "pdf", "--out", "hasil.pdf")
    assert (tmp_path / atasan / "hasil.pdf").read_bytes().startswith(b"%PDF") and pdf["bytes"] > 1000
    from pypdf import PdfReader
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / atasan / "hasil.pdf").pages)
    assert "PENILAIAN PRESTASI KERJA PEGAWAI NEGERI SIPIL" in text and f"NIP. {atasan}" in text
    saved = me("skp", "formulir", skp_id, "--jenis", "skp", "--format", "xlsx", "--out", "target.xlsx")
    assert saved.returncode == 0 and saved.stdout.startswith("tersimpan target.xlsx")
    from openpyxl import load_workbook
    sheet = load_workbook(tmp_path / nip / "target.xlsx")["Formulir SKP"]
    assert any(row[1] == "Melaksanakan penyuluhan kesehatan" for row in sheet.iter_rows(values_only=True))
    assert me.json("skp", "export", skp_id, "--xlsx", "--form", "targets", "-o", "lama.xlsx")["bytes"] > 1000
    neither = me("skp", "export", skp_id)
    assert neither.returncode == 2
    no_format = me("skp", "formulir", skp_id)
    assert no_format.returncode == 2 and "--format" in no_format.stderr
