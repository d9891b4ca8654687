"""Domain errors raised by identity's domain code: the shared vocabulary of `ekinerja_platform.domain_errors`.

The platform classes map to gRPC codes in one table; the subclasses here only add ``code`` (spelled like the status
name) and keep messages that already start with their field from being prefixed twice. ``Conflict`` (a duplicate
or overlapping assignment) is an ``AlreadyExists``. `ekinerja_platform.domain_errors` is standard library only.
"""

from __future__ import annotations

from ekinerja_platform import domain_errors as _shared


class DomainError(_shared.DomainError):
    """Base of every identity domain error. ``field`` names the offending input when there is one."""

    @property
    def code(self) -> str:
        return self.kind

    def __str__(self) -> str:
        if self.field and not self.message.startswith(f"{self.field}:"):
            return f"{self.field}: {self.message}"
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, field={self.field!r})"


class NotFound(DomainError, _shared.NotFound):
    pass


class InvalidArgument(DomainError, _shared.InvalidArgument):
    pass


class AlreadyExists(DomainError, _shared.AlreadyExists):
    pass


class Conflict(AlreadyExists):
    """The request clashes with existing state (a duplicate or an overlap)."""


class PermissionDenied(DomainError, _shared.PermissionDenied):
    pass


class FailedPrecondition(DomainError, _shared.FailedPrecondition):
    """The stored state does not allow the operation (for example a cycle in the position tree)."""


class Unauthenticated(DomainError, _shared.Unauthenticated):
    pass


class ResourceExhausted(DomainError, _shared.ResourceExhausted):
    pass


class TooManyAttempts(ResourceExhausted):
    """A throttle bucket asks the caller to wait `retry_after_seconds` before the next attempt."""

    def __init__(self, message: str, *, retry_after_seconds: int, field: str | None = None):
        super().__init__(message, field=field)
        self.retry_after_seconds = retry_after_seconds
