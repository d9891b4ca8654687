"""sms's rooms (issue 17 item 1): the application imports no adapter, entrypoint, gRPC, SQL driver or generated
protobuf; the development helpers (sms/dev) stay out of the production image and out of every shipped module.

Uses `imported_modules` of tests/contracts/test_import_graph.py (the one reading of imports). Checked failing by
putting `import grpc` back into sms/application/inbound.py and `from sms.dev import dummy_phone` into
sms/entrypoints/worker.py."""
import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[4]
ROOT = REPO / "services" / "sms"
OUTWARD = ("sms.adapters", "sms.entrypoints", "sms.dev", "sms.metrics", "grpc", "psycopg", "sqlalchemy", "kombu",
           "prometheus_client", "google.protobuf", "ekinerja", "nameko", "identity", "skp", "des", "recap",
           "snowman", "portal")


def _import_graph():
    spec = importlib.util.spec_from_file_location("import_graph", REPO / "tests" / "contracts" / "test_import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _outward(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_application_imports_nothing_outward():
    imported_modules = _import_graph().imported_modules
    wrong = {f"{path.relative_to(ROOT)}: {module}" for path in sorted((ROOT / "sms" / "application").rglob("*.py"))
             for module in imported_modules(path, ROOT) if _outward(module, OUTWARD)}
    assert not wrong, "sms/application must only point inward (define a port instead):\n" + "\n".join(sorted(wrong))


def test_the_dev_helpers_stay_out_of_the_image_and_out_of_shipped_code():
    ignore = (REPO / "deploy" / "docker" / "service.Dockerfile.dockerignore").read_text().split()
    assert "services/sms/sms/dev" in ignore
    imported_modules = _import_graph().imported_modules
    shipped = [p for p in (ROOT / "sms").rglob("*.py") if "dev" not in p.relative_to(ROOT / "sms").parts]
    wrong = {f"{path.relative_to(ROOT)}: {module}" for path in shipped
             for module in imported_modules(path, ROOT) if _outward(module, ("sms.dev",))}
    assert not wrong, "\n".join(sorted(wrong))
