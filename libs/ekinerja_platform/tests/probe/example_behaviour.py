"""What the equivalence tests' ExampleService does, written once and served twice: by the patched platform server
(`example_app.py`, nameko-grpc) and by plain grpcio (`example_reference.py`), so any difference the tests see is
the transport's. Plain Python: `sleep` is the server's own (eventlet's or time's)."""
from ekinerja.probe.v1 import equivalence_pb2 as pb

ECHOED_PREFIX = "x-echo-"


class Failure(Exception):
    """End the call with status `code` (an int) and `message`."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _echoed(metadata) -> str:
    return ";".join(f"{name}={value!r}" for name, value in metadata if name.startswith(ECHOED_PREFIX))


def _reply(request, seqno, metadata, sleep, message=None):
    if request.delay_ms:
        sleep(request.delay_ms / 1000)
    if request.fail_code and seqno > request.fail_after:
        raise Failure(request.fail_code, f"gagal: {request.value}")
    text = message if message is not None else request.value * max(1, request.multiplier)
    return pb.ExampleReply(message=text, seqno=seqno, metadata=_echoed(metadata))


def response_metadata(metadata) -> tuple[list, list]:
    """(initial, trailing) metadata the server sends: the echoed names, marked."""
    echoed = [(name, value) for name, value in metadata if name.startswith(ECHOED_PREFIX)]
    return [(_marked(name, "initial"), value) for name, value in echoed], \
        [(_marked(name, "trailing"), value) for name, value in echoed]


def _marked(name: str, mark: str) -> str:
    """`x-echo-a` → `x-echo-a-initial`; a binary one keeps its `-bin` suffix last."""
    if name.endswith("-bin"):
        return f"{name[:-4]}-{mark}-bin"
    return f"{name}-{mark}"


def unary_unary(request, metadata, sleep):
    return _reply(request, 1, metadata, sleep)


def unary_stream(request, metadata, sleep):
    for seqno in range(1, request.response_count + 1):
        yield _reply(request, seqno, metadata, sleep)


def stream_unary(requests, metadata, sleep):
    requests = list(requests)
    first = requests[0] if requests else pb.ExampleRequest()
    return _reply(first, 1, metadata, sleep, message=",".join(r.value for r in requests))


def stream_stream(requests, metadata, sleep):
    for seqno, request in enumerate(requests, start=1):
        yield _reply(request, seqno, metadata, sleep)
