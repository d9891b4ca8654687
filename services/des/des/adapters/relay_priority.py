"""The platform's outbox relay, giving way to the requests it shares a thread with.

A service process runs its requests and its relay on one OS thread. An agency import writes tens of thousands of
activities, each with its `activity_submitted` event in the outbox (same transaction, so nothing is lost); relaying
them while the stream still runs takes that thread away from the import itself. While an import is in progress the
relay therefore runs at most one round (one batch of events) per `DEFER_SECONDS`, and catches up at full speed when
the import ends. Under a steady stream of requests the relay would otherwise run a round (a database transaction
and a wait for the broker's confirms) for every few events; after a round that found only a few it waits the
relay interval (`EKINERJA_RELAY_INTERVAL_SECONDS`, the same bound an idle relay has), so events go out in larger
batches. Delivery stays at least once and in outbox order; only its timing changes.
"""
from __future__ import annotations

import contextlib
import time

import eventlet

from ekinerja_platform import runtime
from ekinerja_platform.service_base import RelayRunner

DEFER_SECONDS = 1.0
_imports_running = 0


@contextlib.contextmanager
def import_running():
    """Marks a bulk import in progress for as long as the block runs."""
    global _imports_running
    _imports_running += 1
    try:
        yield
    finally:
        _imports_running -= 1


class ImportAwareRelayRunner(RelayRunner):
    def start(self):
        super().start()
        relay_once = self.relay.relay_once  # the relay's green thread has not run yet: it will call this wrapper

        interval = runtime.settings().relay_interval_seconds
        few = max(1, self.relay.batch_size // 4)

        def relay_once_giving_way():
            deadline = time.monotonic() + DEFER_SECONDS
            while _imports_running and time.monotonic() < deadline and not self._stopping:
                eventlet.sleep(0.05)
            published = relay_once()
            if 0 < published < few:
                eventlet.sleep(interval)  # let more events gather before the next round
            return published

        self.relay.relay_once = relay_once_giving_way
