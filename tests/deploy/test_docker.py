"""The service image recipe (deploy/docker): pinned, multi-stage, non-root, shell-less, healthy by gRPC health.

No Docker engine runs here, so the Dockerfile is checked as text, and the two scripts it ships are run for real:
healthcheck.py against a grpcio health server, launch.py against a stand-in service package.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from concurrent import futures
from pathlib import Path

import pytest

pytestmark = pytest.mark.deploy

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "deploy" / "docker"
DOCKERFILE = DOCKER / "service.Dockerfile"
SERVICES = ("identity", "skp", "des", "recap", "snowman")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comment lines dropped."""
    out, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        current += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            word, _, rest = current.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            current = ""
    return out


def stages() -> list[list[tuple[str, str]]]:
    result = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def test_base_image_is_pinned_by_digest():
    [arg] = [a for i, a in instructions() if i == "ARG" and a.startswith("BASE_IMAGE=")]
    assert re.fullmatch(r"BASE_IMAGE=python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", arg)
    assert "docker buildx imagetools inspect" in DOCKERFILE.read_text(), "say how to verify the digest"
    for instruction, args in instructions():
        if instruction == "FROM":
            image = args.split()[0]
            assert image in ("${BASE_IMAGE}", "scratch"), f"unpinned base {image}"


def test_multi_stage_with_a_shell_less_non_root_final_stage():
    all_stages = stages()
    assert len(all_stages) >= 2
    final = all_stages[-1]
    assert final[0] == ("FROM", "scratch AS runtime")
    assert not any(i == "RUN" for i, _ in final), "no RUN (and so no shell) in the final stage"
    [user] = [a for i, a in final if i == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "numeric non-root user (runAsNonRoot can check it)"
    [entrypoint] = [a for i, a in final if i == "ENTRYPOINT"]
    assert entrypoint.startswith("["), "exec form: there is no shell"
    [healthcheck] = [a for i, a in final if i == "HEALTHCHECK"]
    assert re.search(r'CMD \["/opt/venv/bin/python", "/app/bin/healthcheck.py"\]', healthcheck)
    text = DOCKERFILE.read_text()
    for shell in ("/usr/bin/bash", "/usr/bin/dash", "/usr/bin/sh"):
        assert shell in text, f"the strip stage removes {shell}"


def test_dev_tools_left_out_of_the_image_are_real_requirements():
    match = re.search(r"grep -v -E '\^\(([^)]+)\)\\b' requirements.txt", DOCKERFILE.read_text())
    assert match, "the runtime requirements are the shared ones minus the developer tools"
    requirements = {re.split(r"[\[<>=; ]", line)[0].lower()
                    for line in (REPO / "requirements.txt").read_text().splitlines()
                    if line.strip() and not line.startswith("#")}
    left_out = set(match.group(1).split("|"))
    assert left_out <= requirements, f"not in requirements.txt: {left_out - requirements}"
    assert not left_out & {"nameko", "nameko-grpc", "grpcio", "sqlalchemy", "psycopg", "kombu", "eventlet"}


def test_no_compiler_or_package_install():
    for instruction, args in instructions():
        if instruction == "RUN":
            assert not re.search(r"\b(apt-get|apt|apk)\s+install\b", args), args
            assert not re.search(r"\b(gcc|g\+\+|build-essential|make)\b", args), args


def test_build_inputs_exist_and_are_not_ignored():
    text = DOCKERFILE.read_text()
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, flags=re.M):
        for path in source.split():
            if "${SERVICE}" in path:
                for svc in SERVICES:
                    assert (REPO / path.replace("${SERVICE}", svc)).exists(), path
            else:
                assert (REPO / path).exists(), path
    ignore = (DOCKER / "service.Dockerfile.dockerignore").read_text().split()
    assert ignore[ignore.index("*") if "*" in ignore else 0] == "*", "everything ignored unless listed"
    for needed in ("!requirements.txt", "!constraints.txt", "!protos/", "!libs/ekinerja_platform/",
                   "!libs/ekinerja_rules/", "!libs/ekinerja_events/", "!services/", "!deploy/docker/healthcheck.py",
                   "!deploy/docker/launch.py"):
        assert needed in ignore


def test_no_test_helper_or_probe_ships_in_the_image():
    """Tests, the probe service and the test helpers stay out of the production image (issue 17.13), and no module
    that ships imports a helper that does not."""
    ignore = (DOCKER / "service.Dockerfile.dockerignore").read_text().split()
    for kept_out in ("services/*/tests", "libs/ekinerja_rules/tests", "libs/ekinerja_events/tests",
                     "libs/ekinerja_platform/tests",
                     "libs/ekinerja_platform/testing.py", "libs/ekinerja_platform/testing_tls.py",
                     "libs/ekinerja_platform/testing_uow.py"):
        assert kept_out in ignore, kept_out
    shipped = [p for root in ("libs/ekinerja_platform", "libs/ekinerja_rules", "libs/ekinerja_events", "services")
               for p in (REPO / root).rglob("*.py") if "tests" not in p.relative_to(REPO).parts
               and not p.name.startswith("testing")]
    for path in shipped:
        text = path.read_text()
        assert not re.search(r"^\s*(from ekinerja_platform import [^\n]*\btesting|import ekinerja_platform\.testing|"
                             r"from ekinerja_platform\.testing)", text, flags=re.M), path


def test_image_defaults_match_the_service_settings(load):
    settings = load("ekinerja_deploy_settings", REPO / "libs" / "ekinerja_platform" / "settings.py")
    health = load("ekinerja_deploy_healthcheck", DOCKER / "healthcheck.py")
    assert health.DEFAULT_GRPC_PORTS == {svc: ports[0] for svc, ports in settings.DEFAULT_PORTS.items()}
    launch = load("ekinerja_deploy_launch", DOCKER / "launch.py")
    # the gRPC services, and the web portal (HTTP only, its own probes)
    assert set(launch.SERVICES) - {"portal", "sms"} == set(settings.DEFAULT_PORTS) == set(SERVICES)
    for svc in [*SERVICES, "portal"]:
        assert (REPO / "services" / svc / svc / "__main__.py").exists(), f"`python -m {svc}` needs __main__.py"


# -- healthcheck.py, for real -----------------------------------------------------------------------------------------
@pytest.fixture
def health_server():
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield port, servicer, health_pb2.HealthCheckResponse
    finally:
        server.stop(None)


def probe(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DOCKER / "healthcheck.py"), *args], capture_output=True, text=True,
                          timeout=30, env={**os.environ, **(env or {})})


def test_healthcheck_exits_0_only_when_serving(health_server):
    port, servicer, response = health_server
    servicer.set("", response.SERVING)
    servicer.set("ekinerja.des.v1.DesService", response.NOT_SERVING)
    ok = probe("--port", str(port))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "SERVING" in ok.stdout
    not_serving = probe("--port", str(port), "--service", "ekinerja.des.v1.DesService")
    assert not_serving.returncode == 1 and "NOT_SERVING" in not_serving.stdout
    unknown = probe("--port", str(port), "--service", "ekinerja.nope.v1.Nope")
    assert unknown.returncode == 1 and "NOT_FOUND" in unknown.stdout


def test_healthcheck_reads_the_port_from_the_environment(health_server):
    port, servicer, response = health_server
    servicer.set("", response.SERVING)
    assert probe(env={"EKINERJA_GRPC_PORT": str(port)}).returncode == 0


def test_healthcheck_fails_when_nothing_listens(health_server):
    port, _, _ = health_server
    import socket
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    result = probe("--port", str(free), "--timeout", "1")
    assert result.returncode == 1
    assert "UNAVAILABLE" in result.stdout or "DEADLINE_EXCEEDED" in result.stdout


def test_healthcheck_without_a_port_says_so():
    env = {k: v for k, v in os.environ.items() if k not in ("EKINERJA_GRPC_PORT", "EKINERJA_SERVICE")}
    result = subprocess.run([sys.executable, str(DOCKER / "healthcheck.py")], capture_output=True, text=True,
                            timeout=30, env=env)
    assert result.returncode == 2 and "EKINERJA_GRPC_PORT" in result.stderr


# -- launch.py, for real ----------------------------------------------------------------------------------------------
def test_launch_runs_the_service_module_with_its_arguments(tmp_path):
    package = tmp_path / "des"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(textwrap.dedent("""
        import sys
        print("argv", sys.argv[1:])
        raise SystemExit(3)
    """))
    env = {**os.environ, "EKINERJA_SERVICE": "des", "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([sys.executable, str(DOCKER / "launch.py"), "migrate"], capture_output=True, text=True,
                            timeout=30, env=env)
    assert result.returncode == 3, result.stderr
    assert "argv ['migrate']" in result.stdout


def test_launch_refuses_an_unknown_service():
    env = {**os.environ, "EKINERJA_SERVICE": "nope"}
    result = subprocess.run([sys.executable, str(DOCKER / "launch.py"), "run"], capture_output=True, text=True,
                            timeout=30, env=env)
    assert result.returncode == 1 and "EKINERJA_SERVICE" in result.stderr
