"""grpc.aio clients of the five services, called with the signed-in user's own access token: the application's
`Services` port. A request is built from the use case's plain fields; the reply becomes the application's plain
answer (adapters/answers.py); a refusal becomes the application's `ServiceError` (status name, field, detail,
retry-after).

The portal holds no credential of its own: every call carries `authorization: Bearer <the user's token>`, so every
authorisation decision stays in the services. `channels` channels per service for the whole process (default 1),
the calls taking them in turn: an HTTP/2 connection stays on the server process that accepted it, so several
service processes behind one address (SO_REUSEPORT on one machine, a Kubernetes Service across pods) each get a
share of this portal's calls only over several connections.
"""
from __future__ import annotations

import functools
import importlib
import itertools
import re
import uuid

import grpc

from ekinerja_platform.channels import ClientTls, aio_client_channel

from ..application.ports import ServiceError
from ..settings import SERVICES
from .answers import convert

_FIELD_PREFIX = re.compile(r"^(?P<field>[a-z_][a-z0-9_.\[\]]*): (?P<detail>.+)$", re.S)
__all__ = ["ServiceError", "Services", "pb", "request_type", "to_service_error"]


def pb(service: str):
    return importlib.import_module(f"ekinerja.{service}.v1.{service}_pb2")


@functools.cache
def request_type(service: str, rpc: str):
    """The request message class of `rpc` as the proto declares it (GetEvidence takes a GetActivityRequest)."""
    module = pb(service)
    method = module.DESCRIPTOR.services_by_name[f"{service.capitalize()}Service"].methods_by_name[rpc]
    return getattr(module, method.input_type.name)


def _field_from_details(error: grpc.aio.AioRpcError) -> str:
    """The first field named in google.rpc.BadRequest / ErrorInfo details, when the service sends them."""
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        try:
            from google.rpc import error_details_pb2, status_pb2
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                    bad = error_details_pb2.BadRequest()
                    detail.Unpack(bad)
                    if bad.field_violations:
                        return bad.field_violations[0].field
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    if info.metadata.get("field"):
                        return info.metadata["field"]
        except Exception:  # noqa: BLE001 - details are optional; the message still says what is wrong
            return ""
    return ""


def to_service_error(error: grpc.aio.AioRpcError) -> ServiceError:
    detail = error.details() or ""
    field = _field_from_details(error)
    match = _FIELD_PREFIX.match(detail)
    if match:
        field = field or match.group("field")
        detail = match.group("detail")
    retry_after = 0
    for key, value in error.trailing_metadata() or ():
        if key == "retry-after" and str(value).isdigit():
            retry_after = int(value)
    return ServiceError(error.code().name, detail, field, retry_after)


class Services:
    """`await services.call("des", "ListPlans", {"bulan": "2026-12"}, token)`; a refusal raises ServiceError."""

    def __init__(self, targets: dict, timeout: float = 10.0, channels: int = 1):
        self.timeout = timeout
        tls = ClientTls.from_env()  # plaintext inside the cluster unless EKINERJA_TLS* say otherwise
        # grpc shares one connection between channels to one target unless each has its own subchannel pool
        options = [("grpc.use_local_subchannel_pool", 1)] if channels > 1 else []
        self.channels = {name: [aio_client_channel(targets[name], tls, options=options) for _ in range(channels)]
                         for name in SERVICES}
        self._stubs = {}
        for name in SERVICES:
            module = importlib.import_module(f"ekinerja.{name}.v1.{name}_pb2_grpc")
            stub = getattr(module, f"{name.capitalize()}ServiceStub")
            self._stubs[name] = itertools.cycle([stub(channel) for channel in self.channels[name]])

    async def close(self) -> None:
        for channels in self.channels.values():
            for channel in channels:
                await channel.close()

    async def call(self, service: str, rpc: str, fields: dict, token: str = "", *, write: bool = False,
                   idempotency_key: str = "", metadata: tuple = ()):
        """`write`: send an idempotency key, the form's own when given (a double submit then has one effect)."""
        request = request_type(service, rpc)(**fields)
        md = list(metadata)
        if token:
            md.append(("authorization", f"Bearer {token}"))
        if write:
            md.append(("x-idempotency-key", idempotency_key or uuid.uuid4().hex))
        try:
            reply = await getattr(next(self._stubs[service]), rpc)(request, metadata=md, timeout=self.timeout)
        except grpc.aio.AioRpcError as error:
            raise to_service_error(error) from None
        return convert(service, rpc, reply)

    async def ready(self) -> bool:
        """Every service's channel can connect (the services' own health reports their dependencies)."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc
        for channel in (channels[0] for channels in self.channels.values()):
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
                if reply.status != health_pb2.HealthCheckResponse.SERVING:
                    return False
            except grpc.aio.AioRpcError:
                return False
        return True
