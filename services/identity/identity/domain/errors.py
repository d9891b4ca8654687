"""Domain errors raised by identity's domain code.

Each error carries a stable ``code`` that the entrypoints map to a transport status in one table; the codes
are spelled like the gRPC status names they map to. These generic bases are meant to move to the shared
library later, so they stay deliberately plain.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every domain error. ``field`` names the offending input when there is one."""

    code = "internal"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, field={self.field!r})"


class NotFound(DomainError):
    code = "not_found"


class InvalidArgument(DomainError):
    code = "invalid_argument"


class Conflict(DomainError):
    """The request clashes with existing state (a duplicate or an overlap)."""

    code = "already_exists"


class PermissionDenied(DomainError):
    code = "permission_denied"


class FailedPrecondition(DomainError):
    """The stored state does not allow the operation (for example a cycle in the position tree)."""

    code = "failed_precondition"
