"""Fixtures of the deployment checks (tests/deploy): paths, the kustomize renderer, promtool.

These tests need no running service. Two optional ones use the machine's PostgreSQL and RabbitMQ when reachable
(test_postgres_init.py, test_rabbitmq.py) and clean up after themselves.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
HERE = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "deploy: validation of the deployment files (deploy/)")


def load_module(name: str, path: Path):
    """Import a file as a module (the tests run with --import-mode=importlib and no package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def deploy_dir() -> Path:
    return DEPLOY


@pytest.fixture(scope="session")
def kustomize_lite():
    return load_module("ekinerja_deploy_kustomize_lite", HERE / "kustomize_lite.py")


@pytest.fixture(scope="session")
def topology():
    """ekinerja_platform.topology, loaded alone (it needs only kombu)."""
    return load_module("ekinerja_deploy_topology", REPO / "libs" / "ekinerja_platform" / "topology.py")


@pytest.fixture(scope="session")
def platform_settings():
    return load_module("ekinerja_deploy_settings", REPO / "libs" / "ekinerja_platform" / "settings.py")


@pytest.fixture(scope="session")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool is not installed (Debian package `prometheus`, listed in deploy/apt-packages.txt)")
    return path


@pytest.fixture(scope="session")
def load():
    """`load(name, path)` imports a file as a module."""
    return load_module
