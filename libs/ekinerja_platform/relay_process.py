"""The outbox relay in a child process of its service (`EKINERJA_RELAY_PROCESS=true`).

A service process is one eventlet thread: relaying its own events (reading the outbox, framing and publishing each
message, waiting for confirms, marking rows sent) takes that thread away from requests. Run as a child, the relay
works on another core, at a lower priority (`nice`), so on a busy machine it uses what requests leave idle; events
wait in the outbox meanwhile, which is what the outbox is for. The parent starts the child with the same settings,
restarts it if it dies, stops it on shutdown (and the child stops when the parent dies), counts its published
events in the parent's metrics (the child reports each round's count on its stdout, and `broker 0|1` when its
broker connection changes: the parent's ekinerja_broker_up) and keeps the backlog gauges. The relay is never held
(an import's events go out with everybody else's, issue 15.9). Delivery guarantees are the relay's own (`relay.py`).
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

from . import metrics

log = logging.getLogger(__name__)

NICENESS = 10


def child_main(service: str, settings) -> int:
    """`python -m <module> relay <service>`: relay `service`'s outbox until SIGTERM or until the parent is gone."""
    from .db import make_engine
    from .relay import OutboxRelay

    _die_with_parent()
    os.nice(NICENESS)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    engine = make_engine(settings.sqlalchemy_url, pool_size=1, max_overflow=0, pre_ping=False,  # a failed round is
                         purpose="relay", service=service)  # retried
    relay = OutboxRelay(engine, settings.amqp_uri, service, batch_size=settings.relay_batch_size,
                        lanes=settings.relay_lanes)
    reported_broker: list[bool | None] = [None]

    def report(published: int | None) -> None:
        if relay.broker_up is not None and relay.broker_up != reported_broker[0]:
            reported_broker[0] = relay.broker_up
            sys.stdout.write(f"broker {int(relay.broker_up)}\n")  # the parent's ekinerja_broker_up
            sys.stdout.flush()
        if published:
            sys.stdout.write(f"{published}\n")
            sys.stdout.flush()

    try:
        relay.run(lambda: bool(stopping), idle_sleep=settings.relay_interval_seconds, on_round=report)
    finally:
        relay.close()
        engine.dispose()
    return 0


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM when the parent exits (an orphaned relay would run on unsupervised)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the parent's stop still ends the child
        pass
    if os.getppid() == 1:  # the parent died before the request took effect
        raise SystemExit(0)


class RelayChild:
    """Parent side: starts `python -m <module> relay <service>`, restarts it when it exits, stops it with the
    service."""

    def __init__(self, module: str, service: str, sleep, restart_delay: float = 1.0):
        self.module = module
        self.service = service
        self.sleep = sleep
        self.restart_delay = restart_delay
        self.process: subprocess.Popen | None = None
        self._stopping = False

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", self.module, "relay", self.service], stdout=subprocess.PIPE,
                                env=dict(os.environ), bufsize=0)

    def supervise(self, spawn) -> None:
        """Keep a child running until `stop()`; `spawn(fn)` runs fn in a green thread of the service."""
        while not self._stopping:
            self.process = process = self._start()
            spawn(lambda process=process: self._count(process))
            while process.poll() is None and not self._stopping:
                self.sleep(0.5)
            if not self._stopping:
                log.error("outbox relay process exited with %s; restarting", process.returncode)
                self.sleep(self.restart_delay)

    def _count(self, process) -> None:
        """The child writes the number of events of each round it published."""
        counter = metrics.OUTBOX_PUBLISHED.labels(self.service)
        for line in iter(process.stdout.readline, b""):
            if line.startswith(b"broker "):
                metrics.BROKER_UP.labels(self.service).set(1 if line.strip().endswith(b"1") else 0)
                continue
            try:
                counter.inc(int(line))
            except ValueError:
                log.warning("unexpected output of the relay process: %r", line[:80])

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping = True
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            self.sleep(0.05)
        if process.poll() is None:
            process.kill()
            process.wait()
