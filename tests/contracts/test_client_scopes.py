"""Every token scope a service checks can be issued by identity (issue 16.4): the checked scopes are derived from
the services' policies (their ``CLIENT_SCOPES``, and what their code compares with ``principal.scopes`` or names
as a rule's ``client_scope``), so a new scope checked anywhere but missing from identity's ``auth.SCOPES`` fails
here rather than on the agency's first call."""
import importlib
import re

import pytest

from ekinerja_platform.testing import REPO_ROOT

pytestmark = pytest.mark.unit

SERVICES = ("identity", "skp", "des", "recap", "snowman")
COMPARED = re.compile(r"([\"'][^\"']+[\"']|[A-Za-z_][\w.]*)\s+(?:not\s+)?in\s+principal\.scopes\b")
RULE_SCOPE = re.compile(r"client_scope\s*=\s*([\"'][^\"']+[\"']|[A-Za-z_]\w*)")


def policy(service: str):
    return importlib.import_module(f"{service}.application.policy")


def checked_in_code(service: str) -> set[str]:
    """The scopes the service's code compares with the caller's token, as literals or names its policy defines."""
    module = policy(service)
    found: set[str] = set()
    for path in (REPO_ROOT / "services" / service / service).rglob("*.py"):
        text = path.read_text()
        uses = text.count("principal.scopes")
        compared = COMPARED.findall(text)
        assert len(compared) == uses, f"{path}: a scope check this test cannot read; compare `X in principal.scopes`"
        for operand in compared + RULE_SCOPE.findall(text):
            if operand.endswith("client_scope"):  # the rule's own field: its values are the RULE_SCOPE ones
                continue
            if operand[0] in "\"'":
                found.add(operand[1:-1])
            else:
                assert hasattr(module, operand), f"{path}: {operand} is not a constant of {service}'s policy"
                found.add(getattr(module, operand))
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_declares_every_scope_it_checks(service):
    assert checked_in_code(service) <= set(getattr(policy(service), "CLIENT_SCOPES", frozenset()))


def test_identity_issues_every_scope_a_service_checks():
    from identity.application.auth import SCOPES
    checked = set().union(*(getattr(policy(s), "CLIENT_SCOPES", frozenset()) for s in SERVICES),
                          *(checked_in_code(s) for s in SERVICES))
    assert {"des:import", "recap:read", "pegawai:read"} <= checked  # the derivation finds the known ones
    assert checked - SCOPES == set()
    assert SCOPES - checked == set(), "identity issues a scope no service checks"


def test_the_cli_names_every_scope_identity_issues():
    from identity.application.auth import SCOPES
    text = (REPO_ROOT / "libs" / "ekinerja_cli" / "commands" / "identity.py").read_text()
    help_text = re.search(r'help="([^"]*pegawai:read[^"]*)"', text).group(1)
    assert set(help_text.split()) >= SCOPES
