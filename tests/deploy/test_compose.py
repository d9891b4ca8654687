"""deploy/docker-compose.yml: structure, start order, hardening, and no secret outside deploy/local.env.

No Docker engine runs here, so the file is checked as data: every service has an image or a build and a
healthcheck (one-shot jobs explicitly disable it), every server waits for its migration job to complete, and every
secret is a ${VAR:?} reference to a variable that deploy/local.env.example declares with a placeholder.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.deploy

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVICES = {"identity": (50051, 9101), "skp": (50052, 9102), "des": (50053, 9103), "recap": (50054, 9104),
            "snowman": (50055, 9105)}
JOBS = {f"{svc}-migrate" for svc in SERVICES} | {"rabbitmq-definitions", "portal-migrate", "sms-migrate"}
REQUIRED_ENV = {"EKINERJA_DATABASE_URL", "EKINERJA_AMQP_URI", "EKINERJA_GRPC_PORT", "EKINERJA_HTTP_PORT",
                "EKINERJA_JWKS_URL", "EKINERJA_LOG_LEVEL", "EKINERJA_NIP_HASH_KEY"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|KEY$")  # ..._KEY_DIR is a path, not a secret
REFERENCE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?P<op>:\?|:-|\?|-)?(?P<arg>[^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def example_env() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "local.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def test_every_service_has_an_image_and_a_healthcheck(compose):
    for name, service in compose["services"].items():
        assert "image" in service or "build" in service, name
        assert "healthcheck" in service, name
        if name in JOBS:
            assert service["healthcheck"] == {"disable": True}, f"{name} is a one-shot job"
            assert service["restart"] == "no", name
        else:
            check = service["healthcheck"]
            assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1, name


def test_application_services_use_the_grpc_health_probe(compose):
    for svc, (grpc_port, http_port) in SERVICES.items():
        service = compose["services"][svc]
        assert service["healthcheck"]["test"] == ["CMD", "/opt/venv/bin/python", "/app/bin/healthcheck.py"]
        assert service["build"]["dockerfile"] == "deploy/docker/service.Dockerfile"
        assert service["build"]["args"]["SERVICE"] == svc
        assert service["command"] == ["run"]
        env = environment(service)
        assert REQUIRED_ENV <= set(env), svc
        assert env["EKINERJA_GRPC_PORT"] == str(grpc_port) and env["EKINERJA_HTTP_PORT"] == str(http_port)
        assert env["EKINERJA_JWKS_URL"] == "http://identity:9101/.well-known/jwks.json"
        assert env["EKINERJA_DATABASE_URL"].startswith(f"postgresql+psycopg://{svc}:")
        assert env["EKINERJA_DATABASE_URL"].endswith(f"@postgres:5432/{svc}"), "one database per service"
        assert env["EKINERJA_AMQP_URI"].startswith(f"amqp://{svc}:")
        assert env["EKINERJA_AMQP_URI"].endswith("@rabbitmq:5672/ekinerja")
        assert sorted(service["ports"]) == sorted([f"127.0.0.1:{grpc_port}:{grpc_port}",
                                                   f"127.0.0.1:{http_port}:{http_port}"])
    identity = compose["services"]["identity"]
    key_dir = environment(identity)["EKINERJA_SIGNING_KEY_DIR"]
    assert any(v.split(":")[1] == key_dir and not v.endswith(":ro") for v in identity["volumes"]), \
        "identity writes its first signing key itself: the key directory is a writable volume"


def test_start_order(compose):
    services = compose["services"]
    for svc in SERVICES:
        depends = services[svc]["depends_on"]
        assert depends[f"{svc}-migrate"] == {"condition": "service_completed_successfully"}, svc
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["rabbitmq"]["condition"] == "service_healthy"
        if svc != "identity":
            assert depends["identity"]["condition"] == "service_healthy", "tokens are verified with identity's keys"
        job = services[f"{svc}-migrate"]
        assert job["command"] == ["migrate"]
        assert job["image"] == services[svc]["image"]
        assert job["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["rabbitmq"]["depends_on"]["rabbitmq-definitions"]["condition"] == \
        "service_completed_successfully"
    # every depends_on names a service of this file
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name


def test_application_containers_are_hardened(compose):
    for name in list(SERVICES) + [f"{svc}-migrate" for svc in SERVICES]:
        service = compose["services"][name]
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert service["user"] == "10001:10001", name
        assert "/tmp" in service["tmpfs"], name


def test_published_ports_are_loopback_only(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond this machine"


def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif node is not None:
        yield str(node)


def test_no_literal_secret(compose, example_env):
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                ref = REFERENCE.fullmatch(value)
                assert ref and ref.group("op") == ":?", f"{name}.{key} must be ${{VAR:?message}}, got {value!r}"
            if "://" in value and "@" in value:
                credentials = value.split("://", 1)[1].rsplit("@", 1)[0]
                _, _, password = credentials.partition(":")
                ref = REFERENCE.fullmatch(password)
                assert ref and ref.group("op") == ":?", f"{name}.{key}: the password in the URL is a literal"
    # every variable compose interpolates is declared in the example file
    referenced = {m.group("name") for s in _strings(compose) for m in REFERENCE.finditer(s)}
    assert referenced <= set(example_env), f"not in local.env.example: {referenced - set(example_env)}"
    for name, value in example_env.items():
        if SECRET_NAME.search(name):
            assert value == "CHANGE_ME", f"local.env.example must not hold a real value for {name}"


def test_local_env_is_ignored_and_marked():
    text = (DEPLOY / "local.env.example").read_text()
    assert "LOCAL DEMO ONLY" in text
    ignored = (DEPLOY / ".gitignore").read_text().split()
    assert "local.env" in ignored


def test_local_env_generator_in_the_example_works():
    """The one-liner documented at the top of local.env.example yields a file with no placeholder left."""
    line = next(x for x in (DEPLOY / "local.env.example").read_text().splitlines() if "python3 -c" in x)
    code = line.split("python3 -c '", 1)[1].rsplit("' > deploy/local.env", 1)[0]
    out = subprocess.run([sys.executable, "-c", code], cwd=DEPLOY.parent, capture_output=True, text=True,
                         check=True, timeout=30).stdout
    values = dict(x.split("=", 1) for x in out.splitlines() if x and not x.startswith("#"))
    assert "CHANGE_ME" not in values.values()
    secrets = [v for k, v in values.items() if SECRET_NAME.search(k)]
    assert len(set(secrets)) == len(secrets), "every secret gets its own random value"
    assert all(re.fullmatch(r"[0-9a-f]{48}", v) for v in secrets)


def test_mounted_files_exist(compose):
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"


def test_prometheus_and_grafana_get_their_configuration(compose):
    prometheus = compose["services"]["prometheus"]
    assert "./prometheus/prometheus.compose.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    assert "./prometheus/rules:/etc/prometheus/rules:ro" in prometheus["volumes"]
    grafana = compose["services"]["grafana"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert "./grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana["volumes"]
