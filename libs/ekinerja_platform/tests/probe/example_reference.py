"""`python -m example_reference`: ExampleService (`example_behaviour.py`) on a plain grpcio server, the reference
the equivalence tests hold the platform's patched server to. Serves 127.0.0.1:$EKINERJA_GRPC_PORT until SIGTERM."""
import os
import signal
import threading
import time
from concurrent import futures

import example_behaviour as behaviour
import grpc

from ekinerja.probe.v1 import equivalence_pb2_grpc

_CODES = {code.value[0]: code for code in grpc.StatusCode}


class Example(equivalence_pb2_grpc.ExampleServiceServicer):
    @staticmethod
    def _served(context, answer):
        initial, trailing = behaviour.response_metadata(context.invocation_metadata())
        if initial:
            context.send_initial_metadata(initial)
        if trailing:
            context.set_trailing_metadata(trailing)
        try:
            return answer()
        except behaviour.Failure as failure:
            context.abort(_CODES[failure.code], failure.message)

    @staticmethod
    def _streamed(context, replies):
        try:
            yield from replies
        except behaviour.Failure as failure:
            context.abort(_CODES[failure.code], failure.message)

    def UnaryUnary(self, request, context):
        return self._served(context, lambda: behaviour.unary_unary(request, context.invocation_metadata(), time.sleep))

    def UnaryStream(self, request, context):
        return self._served(context, lambda: self._streamed(
            context, behaviour.unary_stream(request, context.invocation_metadata(), time.sleep)))

    def StreamUnary(self, requests, context):
        return self._served(context, lambda: behaviour.stream_unary(requests, context.invocation_metadata(),
                                                                    time.sleep))

    def StreamStream(self, requests, context):
        return self._served(context, lambda: self._streamed(
            context, behaviour.stream_stream(requests, context.invocation_metadata(), time.sleep)))


def main() -> int:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    equivalence_pb2_grpc.add_ExampleServiceServicer_to_server(Example(), server)
    server.add_insecure_port(f"127.0.0.1:{os.environ['EKINERJA_GRPC_PORT']}")
    server.start()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    stopping.wait()
    server.stop(5).wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
