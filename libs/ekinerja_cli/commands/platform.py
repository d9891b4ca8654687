"""`ekinerja health` and `ekinerja grpc list|describe`: a reflection client like `grpcurl`, for any service."""
from __future__ import annotations

import click
import grpc
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from ekinerja_platform.settings import DEFAULT_PORTS

from .. import config
from ..client import rpc_errors, target_channel
from ..output import emit, json_option, state, table


def _target(service_or_target: str) -> str:
    if service_or_target in DEFAULT_PORTS:
        return config.endpoint(service_or_target, state().endpoints)
    return service_or_target


def _reflect(target: str, request: reflection_pb2.ServerReflectionRequest):
    with target_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        return next(iter(stub.ServerReflectionInfo(iter([request]), timeout=10)))


def list_services(target: str) -> list[str]:
    response = _reflect(target, reflection_pb2.ServerReflectionRequest(list_services=""))
    return sorted(s.name for s in response.list_services_response.service)


def describe_service(target: str, name: str) -> list[dict]:
    response = _reflect(target, reflection_pb2.ServerReflectionRequest(file_containing_symbol=name))
    if response.HasField("error_response"):
        raise click.BadParameter(f"{name}: {response.error_response.error_message}", param_hint="SYMBOL")
    methods = []
    for raw in response.file_descriptor_response.file_descriptor_proto:
        fd = descriptor_pb2.FileDescriptorProto.FromString(raw)
        for service in fd.service:
            if f"{fd.package}.{service.name}" != name:
                continue
            for m in service.method:
                methods.append({"method": m.name, "request": m.input_type.lstrip("."),
                                "response": m.output_type.lstrip("."),
                                "client_streaming": m.client_streaming, "server_streaming": m.server_streaming})
    return methods


def register(cli) -> None:
    @cli.command("health")
    @json_option
    def health():
        """Health (readiness) of every service."""
        rows = {}
        for service in DEFAULT_PORTS:
            target = config.endpoint(service, state().endpoints)
            try:
                with target_channel(target) as channel:
                    status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=3)
                rows[service] = health_pb2.HealthCheckResponse.ServingStatus.Name(status.status)
            except grpc.RpcError as error:
                rows[service] = f"UNREACHABLE ({error.code().name})"
        emit(rows, lambda d: table("health", ["service", "status"], [[k, v] for k, v in d.items()]))

    @cli.group("grpc")
    def grpc_group():
        """Reflection client: what a service offers (like `grpcurl list/describe`)."""

    @grpc_group.command("list")
    @click.argument("service")
    @json_option
    def grpc_list(service):
        """List the gRPC services of SERVICE (a name such as `identity`, or HOST:PORT)."""
        with rpc_errors():
            names = list_services(_target(service))
        emit(names, lambda d: click.echo("\n".join(d)))

    @grpc_group.command("describe")
    @click.argument("service")
    @click.argument("symbol")
    @json_option
    def grpc_describe(service, symbol):
        """Methods of SYMBOL (a full service name) on SERVICE."""
        with rpc_errors():
            methods = describe_service(_target(service), symbol)
        emit(methods, lambda d: table(symbol, ["method", "request", "response"],
                                      [[m["method"], m["request"], m["response"]] for m in d]))
