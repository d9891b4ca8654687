"""The one table mapping domain errors to gRPC status codes.

Anything not in the table becomes INTERNAL with a correlation id only: the client never sees an internal message
or a traceback; the log has the full story under the same id.
"""
from __future__ import annotations

import logging
import uuid

from grpc import StatusCode
from nameko_grpc.errors import GrpcError

from .domain_errors import DomainError

log = logging.getLogger(__name__)

STATUS_BY_KIND = {
    "invalid_argument": StatusCode.INVALID_ARGUMENT,
    "not_found": StatusCode.NOT_FOUND,
    "already_exists": StatusCode.ALREADY_EXISTS,
    "aborted": StatusCode.ABORTED,
    "failed_precondition": StatusCode.FAILED_PRECONDITION,
    "permission_denied": StatusCode.PERMISSION_DENIED,
    "unauthenticated": StatusCode.UNAUTHENTICATED,
    "resource_exhausted": StatusCode.RESOURCE_EXHAUSTED,
}


def to_grpc_error(exc: BaseException, correlation_id: str | None = None) -> GrpcError:
    """Translate any exception raised by a handler into the GrpcError the client may see."""
    if isinstance(exc, GrpcError):
        return exc
    if isinstance(exc, DomainError):
        return GrpcError(code=STATUS_BY_KIND.get(exc.kind, StatusCode.FAILED_PRECONDITION), message=str(exc))
    correlation_id = correlation_id or uuid.uuid4().hex
    log.error("unhandled error", exc_info=(type(exc), exc, exc.__traceback__),
              extra={"correlation_id": correlation_id})
    return GrpcError(code=StatusCode.INTERNAL, message=f"internal error (correlation id {correlation_id})")
