"""Imports point inward (issue 17 items 1 and 10): the CLI imports no service, and every service's `domain/` (and the
shared `ekinerja_rules`) imports no framework, no generated protobuf module and nothing of its own outer rooms.

The rooms (issue 17 item 1, docs/DEVELOPING.md "Layout of a service"): every converted service has `service.py`
(the nameko service class: entrypoints and dependencies declared, no rules; ../shared/DESIGN.md section 4),
`entrypoints/` (the gRPC mapping, event consumers, timers), `application/` (use cases on a unit of work and ports),
`domain/` and `adapters/` (SQL, broker, files; they implement the application's ports). The application imports no
framework, no protobuf, no SQL and nothing of its own adapters or entrypoints; only the platform's framework-free
modules (`APPLICATION_PLATFORM`). Nothing but the process entry point (`__main__`) and the service class imports the
entrypoints. Services not converted yet are listed in `NOT_YET`, modules of a half-converted service in
`NOT_YET_MODULES`.

Read from the source with `ast`, so an import inside a function counts as much as one at the top; a relative import
is resolved against the module's own package. A second test imports each domain package in a fresh interpreter and
looks at what it pulled in, so an arrow through a helper module is caught too. Checked failing by adding
`from skp.domain.document import Period` to libs/ekinerja_cli/commands/skp.py, `import sqlalchemy` to
services/des/des/domain/activity.py, `from ..adapters import repository` and `from ekinerja_platform.outbox import
record_event` to services/snowman/snowman/application/handlers.py, `from ..entrypoints import grpc_api` to
services/snowman/snowman/adapters/repository.py, `from ekinerja_platform import idempotency` to
services/snowman/snowman/application/ports.py (static and import-time checks), and by deleting
services/snowman/snowman/entrypoints/__init__.py.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "skp", "des", "recap", "snowman", "portal", "sms")
NAMEKO_SERVICES = ("identity", "skp", "des", "recap", "snowman")  # portal (ASGI) and sms (a worker) have no class
FRAMEWORKS = ("nameko", "grpc", "grpc_health", "grpc_reflection", "sqlalchemy", "alembic", "psycopg", "kombu",
              "eventlet", "google.protobuf", "ekinerja")  # `ekinerja.*` are the generated protobuf modules
OUTER_ROOMS = ("adapters", "application", "entrypoints")
ROOMS = ("entrypoints", "application", "domain", "adapters")
# issue 17 items 1-2: pending (services whose rooms are not converted yet; remove a name when its service is done)
NOT_YET: set[str] = set()
# issue 17 items 1-2: pending (application modules of a converted service that still reach outward)
NOT_YET_MODULES: set[str] = set()
# the platform modules the application room may use: framework-free (no SQL, no broker, no gRPC)
APPLICATION_PLATFORM = tuple(f"ekinerja_platform.{m}" for m in (
    "domain_errors", "envelope", "unit_of_work", "tokens", "clock", "ids", "pagination", "policy_table", "logs",
    "settings"))
# the shared libraries the application room may use besides (framework-free; ekinerja_events, which the platform
# itself imports, is standard library only: checked below)
APPLICATION_LIBS = ("ekinerja_rules", "ekinerja_events")
LIBS = ("ekinerja_platform", "ekinerja_cli", "ekinerja_testbed") + APPLICATION_LIBS


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path) -> set[str]:
    """Every module `path` imports (absolute names), wherever in the file the import statement is."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


def _starts_with(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _python_files(folder: Path):
    return sorted(p for p in folder.rglob("*.py") if "tests" not in p.relative_to(folder).parts)


def test_the_cli_imports_no_service():
    root = REPO / "libs"
    wrong = {f"{path.relative_to(REPO)}: {module}"
             for path in _python_files(root / "ekinerja_cli")
             for module in imported_modules(path, root) if _starts_with(module, SERVICES)}
    assert not wrong, "the CLI reaches into a service (move the shared code to libs/ekinerja_rules):\n" + \
        "\n".join(sorted(wrong))


def _domain_folders():
    folders = [(REPO / "services" / svc, svc) for svc in SERVICES
               if (REPO / "services" / svc / svc / "domain").is_dir()]
    return [pytest.param(root, f"{svc}.domain", id=svc) for root, svc in folders] + \
        [pytest.param(REPO / "libs", "ekinerja_rules", id="ekinerja_rules")]


@pytest.mark.parametrize(("root", "package"), _domain_folders())
def test_domain_code_imports_no_framework_and_nothing_outward(root, package):
    owner = package.split(".")[0]
    outward = [f"{owner}.{room}" for room in OUTER_ROOMS] + [s for s in SERVICES if s != owner] + ["ekinerja_cli"]
    wrong = {f"{path.relative_to(REPO)}: {module}"
             for path in _python_files(root.joinpath(*package.split(".")))
             for module in imported_modules(path, root) if _starts_with(module, FRAMEWORKS + tuple(outward))}
    assert not wrong, f"{package} must stay framework-free and point inward only:\n" + "\n".join(sorted(wrong))


def test_domain_packages_pull_in_no_framework_when_imported():
    """What the static check cannot see: a framework reached through a module the domain imports."""
    packages = [f"{svc}.domain" for svc in SERVICES if (REPO / "services" / svc / svc / "domain").is_dir()]
    modules = [_module_name(p, REPO / "services" / pkg.split(".")[0]) for pkg in packages
               for p in _python_files(REPO / "services" / pkg.split(".")[0] / pkg.split(".")[0] / "domain")]
    modules += [_module_name(p, REPO / "libs") for p in _python_files(REPO / "libs" / "ekinerja_rules")]
    pulled = _frameworks_loaded_by(modules)
    assert not pulled, f"importing the domain code loads {pulled}"


def _frameworks_loaded_by(modules: list[str]) -> list[str]:
    """The frameworks a fresh interpreter has loaded after importing `modules`."""
    script = ("import importlib, json, sys\n"
              f"for m in {modules!r}: importlib.import_module(m)\n"
              "print(json.dumps(sorted(sys.modules)))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True,
                                       cwd=REPO).stdout)
    return sorted({p for p in FRAMEWORKS for m in loaded if _starts_with(m, (p,))})


def test_the_event_definitions_import_the_standard_library_only():
    """ekinerja_events (the payload definitions: the application rooms build them, the platform checks them) uses
    nothing but the standard library and itself: no framework, no platform (which imports it), no service."""
    stdlib = sys.stdlib_module_names | {"__future__"}
    root = REPO / "libs"
    wrong = {f"{path.relative_to(REPO)}: {module}" for path in _python_files(root / "ekinerja_events")
             for module in imported_modules(path, root)
             if module.split(".")[0] not in stdlib and not _starts_with(module, ("ekinerja_events",))}
    assert not wrong, "standard library only:\n" + "\n".join(sorted(wrong))
    loaded = _frameworks_loaded_by([_module_name(p, root) for p in _python_files(root / "ekinerja_events")])
    assert not loaded, f"importing ekinerja_events loads {loaded}"


def _converted():
    return [svc for svc in SERVICES if svc not in NOT_YET]


@pytest.mark.parametrize("svc", _converted())
def test_a_converted_service_has_the_four_rooms_and_its_service_class_beside_them(svc):
    package = REPO / "services" / svc / svc
    missing = [room for room in ROOMS if not (package / room / "__init__.py").is_file()]
    assert not missing, f"{svc} lacks the rooms {missing} (issue 17 item 1)"
    if svc in NAMEKO_SERVICES:
        assert (package / "service.py").is_file(), f"{svc}: the nameko service class belongs in {svc}/service.py"
        assert not (package / "entrypoints" / "service.py").exists(), f"{svc}: service class in entrypoints/"


def _application_problems(svc: str) -> set[str]:
    root = REPO / "services" / svc
    own_outer = [f"{svc}.adapters", f"{svc}.entrypoints", f"{svc}.service"]
    wrong = set()
    for path in _python_files(root / svc / "application"):
        if _module_name(path, root) in NOT_YET_MODULES:
            continue
        for module in imported_modules(path, root):
            platform_infra = _starts_with(module, ("ekinerja_platform",)) and module != "ekinerja_platform" \
                and not _starts_with(module, APPLICATION_PLATFORM)
            other_libs = _starts_with(module, LIBS) and \
                not _starts_with(module, APPLICATION_LIBS + ("ekinerja_platform",))
            others = [s for s in SERVICES if s != svc]
            if _starts_with(module, FRAMEWORKS + tuple(own_outer) + tuple(others)) or platform_infra or other_libs:
                wrong.add(f"{path.relative_to(REPO)}: {module}")
    return wrong


@pytest.mark.parametrize("svc", _converted())
def test_the_application_imports_no_framework_no_protobuf_and_nothing_outward(svc):
    wrong = _application_problems(svc)
    assert not wrong, (f"{svc}.application must take plain values, a unit of work and ports (no protobuf, SQL, "
                       "broker or adapters; docs/DEVELOPING.md):\n" + "\n".join(sorted(wrong)))


@pytest.mark.parametrize("svc", _converted())
def test_only_the_process_entry_point_and_the_service_class_import_the_entrypoints(svc):
    """Adapters, application and domain never reach the outermost room (the arrow would run back up)."""
    root = REPO / "services" / svc
    wrong = {f"{path.relative_to(REPO)}: {module}"
             for path in _python_files(root / svc)
             if path.relative_to(root / svc).parts[0] not in ("entrypoints", "__main__.py", "service.py")
             for module in imported_modules(path, root)
             if _starts_with(module, (f"{svc}.entrypoints", f"{svc}.service"))}
    assert not wrong, (f"{svc}: only {svc}/__main__.py and {svc}/service.py may import the entrypoints:\n"
                       + "\n".join(sorted(wrong)))


def test_the_pending_lists_name_real_things():
    """A stale NOT_YET entry would hide a service that regressed after its conversion."""
    assert NOT_YET <= set(SERVICES)
    for module in NOT_YET_MODULES:
        svc = module.split(".")[0]
        path = REPO / "services" / svc / Path(*module.split("."))
        assert svc not in NOT_YET and path.with_suffix(".py").is_file(), module


@pytest.mark.parametrize("svc", _converted())
def test_the_application_pulls_in_no_framework_when_imported(svc):
    """What the static check cannot see: SQL, the broker or protobuf reached through a module the application
    imports (a platform helper, the service's settings)."""
    root = REPO / "services" / svc
    modules = [m for m in (_module_name(p, root) for p in _python_files(root / svc / "application"))
               if m not in NOT_YET_MODULES]
    pulled = _frameworks_loaded_by(modules)
    assert not pulled, f"importing {svc}'s application loads {pulled}"
