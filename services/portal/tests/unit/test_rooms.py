"""portal's rooms (issue 17 item 1): the application (page use cases) imports no adapter, entrypoint, gRPC,
protobuf, Starlette, template engine or SQL; only the process entry point imports the entrypoints.

Uses `imported_modules` of tests/contracts/test_import_graph.py (the one reading of imports). Checked failing on the
code before this change (application/errors.py imported grpc, views.py the adapters' `pb`, portal/app.py the
entrypoints)."""
import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[4]
ROOT = REPO / "services" / "portal"
OUTWARD = ("portal.adapters", "portal.entrypoints", "portal.settings", "grpc", "grpc_health", "google.protobuf",
           "ekinerja", "starlette", "jinja2", "sqlalchemy", "psycopg", "prometheus_client", "uvicorn", "nameko",
           "identity", "skp", "des", "recap", "snowman", "sms")


def _imported_modules():
    spec = importlib.util.spec_from_file_location("import_graph", REPO / "tests" / "contracts" / "test_import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.imported_modules


def _outward(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_application_imports_nothing_outward():
    imported_modules = _imported_modules()
    wrong = {f"{path.relative_to(ROOT)}: {module}" for path in sorted((ROOT / "portal" / "application").rglob("*.py"))
             for module in imported_modules(path, ROOT) if _outward(module, OUTWARD)}
    assert not wrong, "portal/application must only point inward (use the Services port):\n" + "\n".join(sorted(wrong))


def test_the_four_rooms_and_only_main_imports_the_entrypoints():
    package = ROOT / "portal"
    assert all((package / room / "__init__.py").is_file() for room in ("entrypoints", "application", "domain",
                                                                        "adapters"))
    imported_modules = _imported_modules()
    wrong = {f"{path.relative_to(ROOT)}: {module}" for path in package.rglob("*.py")
             if path.relative_to(package).parts[0] not in ("entrypoints", "__main__.py")
             for module in imported_modules(path, ROOT) if _outward(module, ("portal.entrypoints",))}
    assert not wrong, "\n".join(sorted(wrong))
