"""One error vocabulary (issue 17 item 6): services raise the platform's domain errors, never a copy of their own.

The structure check fails when a service's domain/ or application/ (or the shared rules) declares an exception class
that is not one of the platform's, apart from the two listed with the reason they are no transport error. Checked
failing by restoring identity's `Conflict(AlreadyExists)` in services/identity/identity/domain/organisation.py.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from grpc import StatusCode

from ekinerja_platform import domain_errors
from ekinerja_platform.grpc_errors import to_grpc_error
from ekinerja_rules.scoring import InvalidScoreInput

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
VOCABULARY = {name for name, value in vars(domain_errors).items()
              if isinstance(value, type) and issubclass(value, domain_errors.DomainError)}
NOT_TRANSPORT_ERRORS = {
    "QuickEntryError",  # des: a quick-entry line answered by an SMS/chat reply, never a gRPC status
    "BadEvent",  # recap: an event breaking its contract, for the consumer's retry/dead-letter path
    "InvalidPredikatInput",  # ekinerja_rules: the offline `skp predikat` contract's list of field errors (exit 2)
    "_JsonProblem",  # ekinerja_rules: internal to the predikat contract's parsing
    "UnknownRuleset",  # ekinerja_rules: a LookupError of the ruleset registry
    # clients, not servers: what a called service answered, as the sms bridge's and the portal's ports report it
    "Unavailable", "Refused", "NotVerified",  # sms: retry the SMS later / one polite line / the registration hint
    "ServiceError",  # portal: a service's refusal (status name, field) shown beside the form field it names
    "FormProblems", "UnknownAction",  # portal: a form refused before any call (422) / a page action that is not (404)
}


def _layers():
    for svc in sorted((REPO / "services").iterdir()):
        for room in ("domain", "application"):
            yield from (svc / svc.name / room).rglob("*.py")
    yield from (p for p in (REPO / "libs" / "ekinerja_rules").rglob("*.py") if "tests" not in p.parts)


def _exception_classes(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            bases = {b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "" for b in
                     node.bases}
            if any(b.endswith(("Error", "Exception")) or b in VOCABULARY for b in bases):
                yield node.name, bases


def test_services_declare_no_error_classes_of_their_own():
    own = {f"{path.relative_to(REPO)}: {name}({', '.join(sorted(bases))})"
           for path in _layers() for name, bases in _exception_classes(path)
           if name not in NOT_TRANSPORT_ERRORS and not (name == "InvalidScoreInput" and "InvalidArgument" in bases)}
    assert not own, "raise the platform's domain errors (ekinerja_platform.domain_errors):\n" + "\n".join(sorted(own))


def test_invalid_score_input_is_an_invalid_argument_naming_its_field():
    error = InvalidScoreInput("skp[0].kegiatan[1].target.waktu", "must be a number")
    assert isinstance(error, domain_errors.InvalidArgument) and isinstance(error, ValueError)
    status = to_grpc_error(error)
    assert status.code == StatusCode.INVALID_ARGUMENT
    assert status.message == "skp[0].kegiatan[1].target.waktu: must be a number"


def test_a_message_that_names_its_field_is_not_prefixed_twice():
    assert str(domain_errors.InvalidArgument("nip: must have 18 digits", field="nip")) == "nip: must have 18 digits"
    assert domain_errors.AlreadyExists("overlap").code == "already_exists"


def test_too_many_attempts_carries_its_wait():
    error = domain_errors.TooManyAttempts("try again later", retry_after_seconds=30)
    assert isinstance(error, domain_errors.ResourceExhausted)
    assert to_grpc_error(error).code == StatusCode.RESOURCE_EXHAUSTED and error.retry_after_seconds == 30
