"""The platform's outbox relay, giving way to bulk imports.

des runs its relay in a child process (`EKINERJA_RELAY_PROCESS`, true by default for des). An agency import writes
tens of thousands of activities, each with its `activity_submitted` event in the outbox (same transaction, so
nothing is lost); relaying them while the stream still runs takes cores away from the import. So the moment an
import starts, and every `RENEW_SECONDS` while one runs, the child is asked to hold its rounds
(`RelayChild.pause`); it catches up when the import ends. Delivery stays at least once and in outbox order; only its
timing changes. With the setting false the platform's in-process relay runs as in every other service.
"""
from __future__ import annotations

import contextlib

import eventlet

from ekinerja_platform.service_base import RelayRunner

RENEW_SECONDS = 0.5  # under the child's PAUSE_SECONDS, so a running import keeps it held
_imports_running = 0
_on_import_start = []  # called as an import begins: the relay process is asked to pause at once


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
        if not self.in_process:
            _on_import_start.append(self.child.pause)
            self.container.spawn_managed_thread(self._pause_child_during_imports, identifier="relay-pauser")

    def _pause_child_during_imports(self):
        """Renews the pause while imports run (one request holds the child for its PAUSE_SECONDS)."""
        while not self._stopping:
            if _imports_running:
                self.child.pause()
            eventlet.sleep(RENEW_SECONDS)

    def stop(self):
        if self.child is not None and self.child.pause in _on_import_start:
            _on_import_start.remove(self.child.pause)
        super().stop()
