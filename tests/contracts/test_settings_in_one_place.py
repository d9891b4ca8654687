"""Settings live in one place per service (issue 17 item 9): service code reads no environment variable itself; its
`<svc>/settings.py` model does, through the platform base. And every variable of a model is in the service's README
(item 15). Checked failing with `os.environ.get("X")` added to services/des/des/metrics.py and a variable dropped
from services/sms/README.md and a default changed in des/settings.py."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from ekinerja_platform.settings import TABLE_BEGIN, TABLE_END, markdown_table, variables

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "skp", "des", "recap", "snowman", "portal", "sms")
MODELS = {"identity": "IdentitySettings", "skp": "SkpSettings", "des": "DesSettings", "recap": "RecapSettings",
          "snowman": "SnowmanSettings", "portal": "PortalSettings", "sms": "SmsSettings"}
READS_ENV = re.compile(r"\bos\.environ\b|\bgetenv\s*\(|\bfrom os import (environ|getenv)\b|\bos\.putenv\b")


def _package_files(service: str):
    package = REPO / "services" / service / service
    return sorted(p for p in package.rglob("*.py") if "tests" not in p.relative_to(package).parts)


@pytest.mark.parametrize("service", SERVICES)
def test_only_settings_py_reads_the_environment(service):
    offenders = [f"{path.relative_to(REPO)}:{number}"
                 for path in _package_files(service) if path.name != "settings.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if READS_ENV.search(line)]
    assert not offenders, f"read settings through {service}/settings.py, not os.environ: {offenders}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_field_of_the_model_names_its_variable(service):
    model = getattr(importlib.import_module(f"{service}.settings"), MODELS[service])
    declared = {v["field"] for v in variables(model)}
    assert declared == set(model.__dataclass_fields__), "declare every field with ekinerja_platform.settings.setting"


@pytest.mark.parametrize("service", SERVICES)
def test_the_readme_table_is_the_model(service):
    model = getattr(importlib.import_module(f"{service}.settings"), MODELS[service])
    readme = (REPO / "services" / service / "README.md").read_text(encoding="utf-8")
    missing = [v["env"] for v in variables(model) if f"`{v['env']}`" not in readme]
    assert not missing, f"services/{service}/README.md does not list {missing}"
    table = readme[readme.index(TABLE_BEGIN):readme.index(TABLE_END) + len(TABLE_END)]
    assert table == markdown_table(model), "run .venv/bin/python scripts/readme_settings.py"
