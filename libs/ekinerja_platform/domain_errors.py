"""Domain error vocabulary shared by every service; standard library only so domain code may raise these.

Each error carries the name of the field it concerns (where there is one) so clients learn exactly what to fix.
Transport mapping lives in `grpc_errors`, never here.
"""
from __future__ import annotations


class DomainError(Exception):
    """Base of every expected, client-explainable failure."""

    kind = "failed_precondition"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidArgument(DomainError):
    kind = "invalid_argument"


class NotFound(DomainError):
    kind = "not_found"


class AlreadyExists(DomainError):
    kind = "already_exists"


class Conflict(DomainError):
    """A concurrent change won; the caller may re-read and retry."""
    kind = "aborted"


class FailedPrecondition(DomainError):
    """The request is well formed but the current state forbids it (e.g. a locked entry)."""
    kind = "failed_precondition"


class PermissionDenied(DomainError):
    kind = "permission_denied"


class Unauthenticated(DomainError):
    kind = "unauthenticated"


class ResourceExhausted(DomainError):
    kind = "resource_exhausted"
