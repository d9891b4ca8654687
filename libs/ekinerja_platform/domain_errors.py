"""Domain error vocabulary shared by every service; standard library only so domain code may raise these.

Each error carries the name of the field it concerns (where there is one) so clients learn exactly what to fix,
and may carry a stable `reason` (UPPER_SNAKE, e.g. FIELD_TOO_LONG) that clients match on instead of the words.
Transport mapping lives in `grpc_errors`, never here. A message that echoes input quotes it with `quote` only.
This is the one vocabulary: services raise these classes (or a subclass here, e.g. the offline calculators'
`InvalidScoreInput` is an `InvalidArgument`), never a copy of their own.
"""
from __future__ import annotations


class DomainError(Exception):
    """Base of every expected, client-explainable failure."""

    kind = "failed_precondition"
    reason: str | None = None  # stable machine-readable reason; None: derived from `kind` by the transport

    def __init__(self, message: str, *, field: str | None = None, reason: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if reason is not None:
            self.reason = reason

    @property
    def code(self) -> str:
        """The status name in snake case (`invalid_argument`), as printed by tools and matched by tests."""
        return self.kind

    def __str__(self) -> str:
        if self.field and not self.message.startswith(f"{self.field}:"):  # never "nip: nip: …"
            return f"{self.field}: {self.message}"
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, field={self.field!r})"


class InvalidArgument(DomainError):
    kind = "invalid_argument"


class NotFound(DomainError):
    kind = "not_found"


class AlreadyExists(DomainError):
    """A duplicate, or a clash with stored state (e.g. an overlapping assignment)."""
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


class TooManyAttempts(ResourceExhausted):
    """A throttle asks the caller to wait `retry_after_seconds` before the next attempt (sent as RetryInfo)."""

    def __init__(self, message: str, *, retry_after_seconds: int, field: str | None = None):
        super().__init__(message, field=field)
        self.retry_after_seconds = retry_after_seconds


QUOTE_PREFIX_CHARS = 40


def quote(value, limit: int = QUOTE_PREFIX_CHARS) -> str:
    """`value` quoted for a message that echoes input: at most `limit` characters of it, with the full length when
    cut. A message (and the log lines that carry it) never holds a whole user-supplied value: a 1 MiB field once
    made every error about it cost seconds to build, send and log."""
    if isinstance(value, (bytes, bytearray)):
        shown, unit = bytes(value[:limit]), "byte"
    else:
        value = value if isinstance(value, str) else str(value)
        shown, unit = value[:limit], "karakter"
    if len(value) <= limit:
        return repr(shown)
    return f"{shown!r}… ({len(value)} {unit})"
