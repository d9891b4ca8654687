"""Bench-only (scripts/bench_transport_ab.py puts this directory on PYTHONPATH of the "off" process): switches one
kept performance change off, named by EKINERJA_TRANSPORT_AB_OFF, so it can be measured against itself on. Never
on a service's path otherwise; production code has no switch for it.

- `pending`: des's SubmitActivity waits in its worker for its joined write (an event per row woken by the writer)
  instead of returning the `PendingAnswer` (the way before 2026-12-03).
"""
import importlib.abc
import importlib.util
import os
import sys

_OFF = set(filter(None, os.environ.get("EKINERJA_TRANSPORT_AB_OFF", "").split(",")))


def _wait_for_pending(api) -> None:
    original = api.submit_activity

    def submit_activity(*args, **kwargs):
        from ekinerja_platform.pending import PendingAnswer
        result = original(*args, **kwargs)
        if not isinstance(result, PendingAnswer):
            return result
        import eventlet.event
        done = eventlet.event.Event()
        result.when_done(lambda response, error: done.send((response, error)))
        response, error = done.wait()
        if error is not None:
            raise error
        return response

    api.submit_activity = submit_activity


_AFTER_IMPORT = {"des.entrypoints.grpc_api": _wait_for_pending} if "pending" in _OFF else {}


class _AfterImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the modules named in _AFTER_IMPORT through the other finders and changes them once executed."""

    def find_spec(self, name, path, target=None):
        if name not in _AFTER_IMPORT:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        self.loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        _AFTER_IMPORT[module.__name__](module)


if _AFTER_IMPORT:
    sys.meta_path.insert(0, _AfterImport())
