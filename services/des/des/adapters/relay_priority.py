"""The platform's outbox relay, giving way to bulk imports and to the requests it shares a thread with.

des runs its relay in a child process (`EKINERJA_RELAY_PROCESS`, true by default for des): while an import
streams, the child is asked to hold its rounds (`RelayChild.pause`), so the import's writes have the machine's
cores; it catches up when the import ends. The rest of this note is about the in-process relay (the setting false).

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
_on_import_start = []  # called as an import begins (the relay process is asked to pause at once, not on next poll)


@contextlib.contextmanager
def import_running():
    """Marks a bulk import in progress for as long as the block runs."""
    global _imports_running
    _imports_running += 1
    for listener in list(_on_import_start):
        listener()
    try:
        yield
    finally:
        _imports_running -= 1


class ImportAwareRelayRunner(RelayRunner):
    def start(self):
        super().start()
        if not self.in_process:  # the relay is a child process: hold its rounds while an import runs
            _on_import_start.append(self.child.pause)
            self.container.spawn_managed_thread(self._pause_child_during_imports, identifier="relay-pauser")
            return
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

    def _pause_child_during_imports(self):
        """Renews the pause while imports run (one request holds the child for `PAUSE_SECONDS`)."""
        while not self._stopping:
            if _imports_running:
                self.child.pause()
            eventlet.sleep(DEFER_SECONDS / 2)

    def stop(self):
        if self.child is not None and self.child.pause in _on_import_start:
            _on_import_start.remove(self.child.pause)
        super().stop()
