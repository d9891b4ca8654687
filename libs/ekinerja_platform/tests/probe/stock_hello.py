"""`python -m stock_hello`: a nameko-grpc hello-world exactly as nameko-grpc 1.3.0 ships it, without any of the
platform's transport changes (grpc_entrypoint.py is never imported here).

scripts/bench_des.py prints its rate beside the platform's own hello-world (the probe's `Open`): the issue asks for
"a nameko-grpc hello-world", which this is literally, while the goal line is judged against the platform's faster
one, so that transport work shared by every service cannot make des look better. Serves `ProbeService.Open` only,
on 127.0.0.1:$EKINERJA_GRPC_PORT with $EKINERJA_MAX_WORKERS workers, until SIGTERM.
"""
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import signal  # noqa: E402

from nameko import config  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko_grpc.entrypoint import Grpc  # noqa: E402

from ekinerja.probe.v1 import probe_pb2, probe_pb2_grpc  # noqa: E402

grpc = Grpc.implementing(probe_pb2_grpc.ProbeServiceStub)


class StockHello:
    name = "stock_hello"

    @grpc
    def Open(self, request, context):
        return probe_pb2.EchoResponse(text="open")


def main() -> int:
    config.update({"GRPC_BIND_HOST": "127.0.0.1", "GRPC_BIND_PORT": int(os.environ["EKINERJA_GRPC_PORT"]),
                   "max_workers": int(os.environ.get("EKINERJA_MAX_WORKERS", "10"))})
    runner = ServiceRunner()
    runner.add_service(StockHello)
    stopping = eventlet.event.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.ready() or stopping.send())
    runner.start()
    stopping.wait()
    with eventlet.Timeout(10, False):
        runner.stop()
    runner.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
