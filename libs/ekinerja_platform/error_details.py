"""google.rpc error details on every gRPC error the services send (trailer `grpc-status-details-bin`).

Clients render an error from its details, not from its words: `google.rpc.ErrorInfo` (domain `ekinerja.go.id`, a
stable UPPER_SNAKE `reason`, the field in `metadata`) on every error, `google.rpc.BadRequest` with the field
violation when a field is at fault, `google.rpc.RetryInfo` when the caller is told how long to wait. The CLI turns
reasons into Bahasa Indonesia (`ekinerja_cli.error_messages`).

`complete` gives an error built anywhere (the transport's own: deadline, size limit, unknown method) an ErrorInfo,
with the status code's name as its reason; `transport_patches` calls it for every error sent.
"""
from __future__ import annotations

from google.protobuf.any_pb2 import Any
from google.protobuf.duration_pb2 import Duration
from google.rpc.error_details_pb2 import BadRequest, ErrorInfo, RetryInfo
from google.rpc.status_pb2 import Status
from nameko_grpc.errors import GrpcError

DOMAIN = "ekinerja.go.id"


def status_for(code, message: str, reason: str | None = None, field: str | None = None,
               description: str | None = None, retry_after_seconds: int | None = None) -> Status:
    """A google.rpc.Status for an error with `code` and `message` (the two must equal the gRPC status's)."""
    reason = reason or code.name
    metadata = {"field": field} if field else {}
    details = [_packed(ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata))]
    if field:
        violation = BadRequest.FieldViolation(field=field, description=description or message, reason=reason)
        details.append(_packed(BadRequest(field_violations=[violation])))
    if retry_after_seconds is not None:
        details.append(_packed(RetryInfo(retry_delay=Duration(seconds=int(retry_after_seconds)))))
    return Status(code=code.value[0], message=message, details=details)


def error(code, message: str, reason: str | None = None, **kwargs) -> GrpcError:
    """A GrpcError with its details."""
    return GrpcError(code=code, message=message, status=status_for(code, message, reason, **kwargs))


def error_info(status: Status) -> ErrorInfo | None:
    """The ErrorInfo among a Status's details (None when it has none)."""
    for detail in status.details:
        if detail.Is(ErrorInfo.DESCRIPTOR):
            info = ErrorInfo()
            detail.Unpack(info)
            return info
    return None


def _packed(message) -> Any:
    packed = Any()
    packed.Pack(message)
    return packed


def complete(error: GrpcError) -> None:
    """Give `error` an ErrorInfo (the status code's name as its reason) when it has none: the transport sends every
    error through here (`transport_patches`: GrpcError.as_headers), also those built without details."""
    if error.status is None:
        error.status = status_for(error.code, error.message)
    elif error_info(error.status) is None:
        error.status.details.insert(0, _packed(ErrorInfo(reason=error.code.name, domain=DOMAIN)))
