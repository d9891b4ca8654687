"""The CLI's shared behaviour: JSON mode, exit codes, token storage with owner-only permissions."""
import json
import os
import stat
import subprocess
import sys

import pytest

from ekinerja_platform import testing

pytestmark = pytest.mark.unit
EKINERJA = [sys.executable, "-m", "ekinerja_cli"]


def run(*args, env=None):
    return subprocess.run([*EKINERJA, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_unknown_option_is_bad_input_with_exit_2():
    result = run("--endpoint", "nonsense", "health")
    assert result.returncode == 2
    assert "--endpoint" in result.stderr
    assert result.stdout == ""


def test_credentials_file_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("EKINERJA_CONFIG_DIR", str(tmp_path / "cfg"))
    from ekinerja_cli import config
    path = config.save_credentials({"access_token": "t"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.load_credentials() == {"access_token": "t"}
    assert config.clear_credentials() and config.load_credentials() is None


def test_health_json_reports_unreachable_services_without_traceback():
    ports = {s: testing.free_port() for s in ("identity", "skp", "des", "recap", "snowman")}
    env = {f"EKINERJA_{s.upper()}_ENDPOINT": f"127.0.0.1:{p}" for s, p in ports.items()}
    result = run("--json", "health", env=env)
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert set(data) == set(ports) and all(v.startswith("UNREACHABLE") for v in data.values())


def test_import_csv_carries_the_jenis_jabatan_of_a_position(tmp_path):
    from ekinerja_cli.commands.identity import csv_messages
    path = tmp_path / "org.csv"
    path.write_text("record,id,unit_id,nama,kind,job_group,jenjang,jenis_jabatan\n"
                    "jabatan,J.BIDAN,U,Bidan Terampil,fungsional_tertentu,kesehatan,terampil,bidan\n"
                    "jabatan,J.STAF,U,Pengadministrasi,pelaksana,umum,,\n", encoding="utf-8")
    (message,) = list(csv_messages(path, "INST"))
    first, second = message.records
    assert (first.jabatan.id, first.jabatan.jenis_jabatan) == ("J.BIDAN", "bidan")
    assert second.jabatan.jenis_jabatan == ""  # optional: skp infers it
