"""The one table mapping errors to gRPC status codes, with their google.rpc details (`error_details`).

Domain errors keep their kind's status and carry a stable reason (the error's own, or the kind's name) and their
field. Infrastructure failures (database or broker unreachable, serialization failure, lock or statement timeout)
get the status a client can act on (`infra_errors`). Anything else becomes INTERNAL with a correlation id only:
the client never sees an internal message or a traceback; the log has the full story under the same id.
"""
from __future__ import annotations

import logging
import uuid

from grpc import StatusCode
from nameko_grpc.errors import GrpcError

from . import error_details, infra_errors
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
        code = STATUS_BY_KIND.get(exc.kind, StatusCode.FAILED_PRECONDITION)
        return error_details.error(code, str(exc), exc.reason or exc.kind.upper(), field=exc.field,
                                   description=exc.message,
                                   retry_after_seconds=getattr(exc, "retry_after_seconds", None))
    failure = infra_errors.classify(exc)
    if failure is not None:
        log.warning("%s: %s", failure.reason, type(exc).__name__, extra={"correlation_id": correlation_id})
        return error_details.error(failure.code, failure.message, failure.reason)
    correlation_id = correlation_id or uuid.uuid4().hex
    log.error("unhandled error", exc_info=(type(exc), exc, exc.__traceback__),
              extra={"correlation_id": correlation_id})
    message = f"terjadi kesalahan internal (correlation id {correlation_id})"
    return error_details.error(StatusCode.INTERNAL, message, "INTERNAL")
