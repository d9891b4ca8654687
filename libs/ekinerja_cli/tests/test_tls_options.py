"""TLS options of the CLI that fail before any connection: bad files name the option, in Bahasa Indonesia."""
import os
import subprocess
import sys

import pytest

from ekinerja_platform.channels import ClientTls

pytestmark = pytest.mark.unit
EKINERJA = [sys.executable, "-m", "ekinerja_cli"]


def run(*args, env=None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EKINERJA_TLS")}
    return subprocess.run([*EKINERJA, "--endpoint", "identity=127.0.0.1:1", *args], capture_output=True, text=True,
                          timeout=60, env={**environ, **(env or {})})


def test_a_missing_ca_file_is_bad_input_naming_the_option(tmp_path):
    result = run("--ca-file", str(tmp_path / "tidak-ada.pem"), "grpc", "list", "identity")
    assert result.returncode == 2
    assert "--ca-file" in result.stderr and "tidak dapat dibaca" in result.stderr


def test_a_certificate_without_its_key_is_bad_input(tmp_path):
    cert = tmp_path / "c.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\n")
    result = run("--tls", "--cert", str(cert), "grpc", "list", "identity")
    assert result.returncode == 2
    assert "--cert" in result.stderr and "--key" in result.stderr


def test_a_file_that_is_not_pem_is_refused(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("bukan sertifikat")
    result = run("--ca-file", str(ca), "grpc", "list", "identity")
    assert result.returncode == 2
    assert "bukan berkas PEM" in result.stderr


def test_environment_turns_tls_on():
    assert ClientTls.from_env({}) is None
    assert ClientTls.from_env({"EKINERJA_TLS": "0"}) is None
    assert ClientTls.from_env({"EKINERJA_TLS": "1"}) == ClientTls()
    assert ClientTls.from_env({"EKINERJA_TLS_CA_FILE": "/x/ca.pem"}) == ClientTls(ca_file="/x/ca.pem")
