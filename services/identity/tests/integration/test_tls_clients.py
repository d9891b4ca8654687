"""The CLI and `ekinerja_platform.channels` speak TLS to a real identity process behind a TLS terminator (where the
gateway stands in production), with a throwaway CA made in the test: the right CA works, a wrong CA fails with a
clear Indonesian message, and with mutual TLS a client without a certificate from the agency CA is refused."""
import os
import subprocess
import sys

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ekinerja_platform.channels import ClientTls, client_channel
from ekinerja_platform.testing_tls import TestCa, TlsTerminator

pytestmark = pytest.mark.integration
EKINERJA = [sys.executable, "-m", "ekinerja_cli"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    server_ca, agency_ca, stranger_ca = (TestCa(directory, n) for n in ("gateway", "agency", "stranger"))
    server_cert, server_key = server_ca.issue("api.ekinerja.test", server=True)
    client_cert, client_key = agency_ca.issue("bkd-contoh", server=False)
    stranger_cert, stranger_key = stranger_ca.issue("orang-lain", server=False)
    return {"ca": server_ca.cert_file, "wrong_ca": stranger_ca.cert_file, "agency_ca": agency_ca.cert_file,
            "server": (server_cert, server_key), "client": (client_cert, client_key),
            "stranger": (stranger_cert, stranger_key)}


@pytest.fixture(scope="module")
def tls_edge(identity, pki):
    edge = TlsTerminator(identity.grpc_port, *pki["server"])
    yield edge
    edge.close()


@pytest.fixture(scope="module")
def mtls_edge(identity, pki):
    edge = TlsTerminator(identity.grpc_port, *pki["server"], client_ca=pki["agency_ca"])
    yield edge
    edge.close()


def cli(target, *args, env=None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EKINERJA_TLS")}
    return subprocess.run([*EKINERJA, "--endpoint", f"identity={target}", *args], capture_output=True, text=True,
                          timeout=60, env={**environ, **(env or {})})


def test_cli_lists_services_over_tls_with_the_ca_file(tls_edge, pki):
    result = cli(tls_edge.target, "--tls", "--ca-file", str(pki["ca"]), "grpc", "list", "identity")
    assert result.returncode == 0, result.stderr
    assert "grpc.health.v1.Health" in result.stdout.split()


def test_cli_without_tls_cannot_talk_to_a_tls_endpoint(tls_edge):
    result = cli(tls_edge.target, "grpc", "list", "identity")
    assert result.returncode == 1
    assert "grpc.health.v1.Health" not in result.stdout


def test_cli_with_the_wrong_ca_fails_clearly(tls_edge, pki):
    result = cli(tls_edge.target, "--ca-file", str(pki["wrong_ca"]), "grpc", "list", "identity")
    assert result.returncode == 1
    assert "Sertifikat TLS server tidak dipercaya" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_mutual_tls_refuses_a_client_without_a_certificate(mtls_edge, pki):
    refused_before = mtls_edge.handshakes_refused
    result = cli(mtls_edge.target, "--ca-file", str(pki["ca"]), "grpc", "list", "identity")
    assert result.returncode == 1
    assert "Sambungan TLS ditolak" in result.stderr, result.stderr
    assert mtls_edge.handshakes_refused > refused_before


def test_mutual_tls_refuses_a_certificate_from_another_ca(mtls_edge, pki):
    cert, key = pki["stranger"]
    result = cli(mtls_edge.target, "--ca-file", str(pki["ca"]), "--cert", str(cert), "--key", str(key),
                 "grpc", "list", "identity")
    assert result.returncode == 1
    assert "grpc.health.v1.Health" not in result.stdout


def test_mutual_tls_admits_the_agency_certificate_given_by_environment(mtls_edge, pki):
    cert, key = pki["client"]
    result = cli(mtls_edge.target, "grpc", "list", "identity",
                 env={"EKINERJA_TLS_CA_FILE": str(pki["ca"]), "EKINERJA_TLS_CERT_FILE": str(cert),
                      "EKINERJA_TLS_KEY_FILE": str(key)})
    assert result.returncode == 0, result.stderr
    assert "grpc.health.v1.Health" in result.stdout.split()


def test_platform_channel_helper_checks_health_over_mutual_tls(mtls_edge, pki):
    cert, key = pki["client"]
    tls = ClientTls(ca_file=str(pki["ca"]), cert_file=str(cert), key_file=str(key))
    with client_channel(mtls_edge.target, tls) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
    with client_channel(mtls_edge.target, ClientTls(ca_file=str(pki["ca"]))) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
