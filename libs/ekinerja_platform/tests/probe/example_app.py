"""ExampleService (`example_behaviour.py`) on the platform's patched nameko-grpc server: mixed into the probe
(one container per gRPC port), its rules in `EXAMPLE_RULES`."""
import eventlet
import example_behaviour as behaviour
from grpc import StatusCode
from nameko_grpc.errors import GrpcError

from ekinerja.probe.v1 import equivalence_pb2_grpc
from ekinerja_platform import request_limits
from ekinerja_platform.grpc_entrypoint import PUBLIC, grpc_for

grpc = grpc_for(equivalence_pb2_grpc.ExampleServiceStub)
request_limits.MAX_LENGTH["ekinerja.probe.v1.ExampleRequest.blob"] = 8 << 20  # the transport's limit applies
_CODES = {code.value[0]: code for code in StatusCode}


def _served(context, answer):
    initial, trailing = behaviour.response_metadata(context.invocation_metadata())
    if initial:
        context.send_initial_metadata(initial)
    if trailing:
        context.set_trailing_metadata(trailing)
    try:
        return answer()
    except behaviour.Failure as failure:
        raise GrpcError(_CODES[failure.code], failure.message) from None


def _streamed(context, replies):
    try:
        yield from replies
    except behaviour.Failure as failure:
        raise GrpcError(_CODES[failure.code], failure.message) from None


EXAMPLE_RULES = {"UnaryUnary": PUBLIC, "UnaryStream": PUBLIC, "StreamUnary": PUBLIC, "StreamStream": PUBLIC}


class ExampleMethods:

    @grpc
    def UnaryUnary(self, request, context):
        return _served(context, lambda: behaviour.unary_unary(request, context.invocation_metadata(), eventlet.sleep))

    @grpc
    def UnaryStream(self, request, context):
        return _served(context, lambda: _streamed(
            context, behaviour.unary_stream(request, context.invocation_metadata(), eventlet.sleep)))

    @grpc
    def StreamUnary(self, requests, context):
        return _served(context, lambda: behaviour.stream_unary(requests, context.invocation_metadata(),
                                                               eventlet.sleep))

    @grpc
    def StreamStream(self, requests, context):
        return _served(context, lambda: _streamed(
            context, behaviour.stream_stream(requests, context.invocation_metadata(), eventlet.sleep)))
