"""`ekinerja skp template …` and `ekinerja skp jadikan-template` against the running service, as users run them
(subprocesses with saved credentials): the agency admin copies a catalogue and edits the template, the versions
are listed, a stale edit is refused and changes nothing, and the penilai makes an approved SKP the template."""
from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from skp_testlib import far_future, new_nip, wait_for

from ekinerja_platform.testing import REPO_ROOT

pytestmark = pytest.mark.integration
EKINERJA = str(REPO_ROOT / ".venv" / "bin" / "ekinerja")


class Cli:
    def __init__(self, tmp: Path, target: str, token: str):
        tmp.mkdir()
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


def test_templates_from_the_command_line(skp_service, world, tmp_path, test_keys):
    jabatan = f"jab-prakom-{uuid.uuid4().hex[:6]}"
    holder, penilai = new_nip(), new_nip()

    def cli(who: str, **claims) -> Cli:
        return Cli(tmp_path / who, skp_service.target, test_keys.token(subject=who, instansi="inst-1",
                                                                       ttl_seconds=3600, **claims))

    admin = cli("admin-cli", roles=["admin_instansi"])
    me, p = cli(holder, roles=["pegawai"], nip=holder), cli(penilai, roles=["pegawai"], nip=penilai)
    world.position(jabatan, "Pranata Komputer Ahli Pertama", kind="fungsional_tertentu", job_group="fungsional")

    listed = admin.json("skp", "template", "list")["catalogues"]
    assert "pranata_komputer" in {c["jenis_jabatan"] for c in listed}
    assert admin("skp", "template", "show", "--catalogue", "bidan").returncode == 0
    shown = wait_for(lambda: (lambda d: d if d.returncode == 0 else None)(admin("skp", "template", "show", jabatan)))
    assert "katalog pranata_komputer" in shown.stdout  # no template yet: the fitting catalogue, inferred

    v1 = admin.json("skp", "template", "copy-catalogue", jabatan, "--version", "0")
    assert (v1["version"], v1["source"]) == (1, "catalogue:pranata_komputer")
    items = [{k: v for k, v in item.items() if k != "nomor"} for item in v1["kegiatan"]][:3]
    items.append({"nama": "Mengelola keamanan informasi", "satuan": "laporan", "kuantitas": 4, "waktu": 12,
                  "angka_kredit": "0.400"})
    (admin.cwd / "template.json").write_text(json.dumps(items))
    v2 = admin.json("skp", "template", "update", jabatan, "template.json", "--version", "1", "--reason",
                    "SPBE: keamanan informasi")
    assert v2["version"] == 2 and v2["kegiatan"][-1]["nama"] == "Mengelola keamanan informasi"
    stale = admin("skp", "template", "update", jabatan, "template.json", "--version", "1", "--reason", "lagi")
    assert stale.returncode != 0 and "version" in stale.stderr
    versions = admin.json("skp", "template", "versions", jabatan)["versions"]
    assert [(v["version"], v["author"], v["reason"]) for v in versions] == [
        (1, "admin-cli", "salinan katalog Pranata Komputer"), (2, "admin-cli", "SPBE: keamanan informasi")]
    human = admin("skp", "template", "versions", jabatan)
    assert human.returncode == 0 and "SPBE" in human.stdout
    assert me("skp", "template", "update", jabatan, str(admin.cwd / "template.json"), "--version", "2",
              "--reason", "x").returncode != 0  # a holder does not manage its position's template

    # the holder's document comes from version 2; once approved, the penilai makes it version 3
    world.assign(holder, jabatan, "2024-01-02", penilai=penilai, kind="fungsional_tertentu", job_group="fungsional",
                 nama="Pranata Komputer Ahli Pertama")
    doc = wait_for(lambda: me.json("skp", "list").get("documents"))[0]
    assert doc["kegiatan"][-1]["nama"] == "Mengelola keamanan informasi"
    assert p("skp", "jadikan-template", doc["skp_id"]).returncode != 0  # not approved yet
    me.json("skp", "submit", doc["skp_id"])
    p.json("skp", "approve", doc["skp_id"])
    v3 = p.json("skp", "jadikan-template", doc["skp_id"], "--reason", "target 2024 disepakati")
    assert (v3["version"], v3["source"], v3["author"]) == (3, f"skp:{doc['skp_id']}", penilai)
