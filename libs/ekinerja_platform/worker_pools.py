"""Worker pools apart from the business workers: health answers and streams never wait behind (or starve) them.

nameko runs every entrypoint in one pool of `max_workers` green threads, and nameko-grpc holds a worker for the
whole life of a stream: 25 held `Health/Watch` streams once took all 20 workers, and Login, health and `/alive`
timed out for good. Here each call runs in the pool of its kind:

- `health`: `Health/Check`, `Health/Watch` (at most `max_watches` of them), `/alive`, `/ready`, `/metrics`;
  `health_workers` threads are always left for the answers that are not a Watch.
- `stream`: every other streaming RPC (client, server or both: imports, reflection), `stream_workers` threads.
- `business`: nameko's own pool (`EKINERJA_MAX_WORKERS`) for unary RPCs and event handlers.

A streaming call is refused (RESOURCE_EXHAUSTED) rather than queued when its pool is full: a queued call would
hold its HTTP/2 stream and its client without a word. Workers are nameko workers in every respect (dependencies,
context, `handle_result`); they are registered with the container so that `kill` ends them too.
"""
from __future__ import annotations

from functools import partial

from eventlet.event import Event
from eventlet.greenpool import GreenPool
from greenlet import GreenletExit
from nameko.containers import WorkerContext
from nameko.exceptions import ContainerBeingKilled
from nameko.web.handlers import HttpRequestHandler
from werkzeug.wrappers import Response

from . import metrics

HEALTH = "health"
STREAM = "stream"
BUSINESS = "business"

_sizes = {"health_workers": 4, "max_watches": 8, "stream_workers": 8}


class PoolFull(Exception):
    """No worker of the call's pool is free (or, for Watch, `max_watches` are open)."""


def configure(*, health_workers: int, max_watches: int, stream_workers: int) -> None:
    """Set the sizes of the pools of containers started from now on (called by the runner)."""
    _sizes.update(health_workers=max(1, health_workers), max_watches=max(0, max_watches),
                  stream_workers=max(1, stream_workers))


class _ContainerPools:
    def __init__(self):
        self.watches = 0
        self.pools = {HEALTH: GreenPool(_sizes["health_workers"] + _sizes["max_watches"]),
                      STREAM: GreenPool(_sizes["stream_workers"])}


def _pools_of(container) -> _ContainerPools:
    pools = getattr(container, "ekinerja_pools", None)  # extensions hold the container through a weak proxy
    if pools is None:
        pools = container.ekinerja_pools = _ContainerPools()
    return pools


def spawn_worker(container, pool: str, entrypoint, args, kwargs, *, context_data=None, handle_result=None,
                 watch: bool = False):
    """As `container.spawn_worker`, in `pool` (BUSINESS: nameko's own); returns the worker's green thread.

    Raises PoolFull (without waiting) when `pool` is HEALTH or STREAM and has no free worker for this call."""
    if pool == BUSINESS:
        worker_ctx = container.spawn_worker(entrypoint, args, kwargs, context_data=context_data,
                                            handle_result=handle_result)
        return container._worker_threads.get(worker_ctx)
    if container._being_killed:
        raise ContainerBeingKilled()
    pools = _pools_of(container)
    green_pool = pools.pools[pool]
    if pool == HEALTH:
        if watch and pools.watches >= _sizes["max_watches"]:
            raise PoolFull("watch")
        # a Watch may not take the threads kept for Check and the HTTP probes
        if not watch and green_pool.free() <= _sizes["max_watches"] - pools.watches:
            raise PoolFull(pool)
    if green_pool.free() == 0:
        raise PoolFull(pool)
    worker_ctx = WorkerContext(container, container.service_cls(), entrypoint, args, kwargs, data=context_data)
    if watch:
        pools.watches += 1
    service = container.service_name
    metrics.WORKERS_BUSY.labels(service, pool).inc()

    def run():
        try:
            container._run_worker(worker_ctx, handle_result)
        except GreenletExit:  # ended from outside (client gone, stream limit): tear down as a finished worker would
            container._worker_teardown(worker_ctx)

    def finished(_gt):  # a link runs even for a worker killed before it started
        container._worker_threads.pop(worker_ctx, None)
        metrics.WORKERS_BUSY.labels(service, pool).dec()
        if watch:
            pools.watches -= 1

    gt = green_pool.spawn(run)
    container._worker_threads[worker_ctx] = gt
    gt.link(finished)
    return gt


def wait(container) -> None:
    """Wait until the workers of the health and stream pools have finished (the container is stopping)."""
    for green_pool in _pools_of(container).pools.values():
        green_pool.waitall()


def busy(container, pool: str) -> int:
    """Workers of `pool` running now (tests and diagnostics)."""
    green_pool = _pools_of(container).pools[pool]
    return green_pool.running()


class HealthHttp(HttpRequestHandler):
    """nameko's HTTP entrypoint, its workers taken from the health pool (`/alive`, `/ready`, `/metrics`).
    `when_busy`: the (status, body) answered without a worker when the pool is full (503 otherwise)."""

    def __init__(self, method, url, when_busy=None, **kwargs):
        self.when_busy = when_busy
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        request.shallow = False
        try:
            context_data = self.server.context_data_from_headers(request)
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            event = Event()
            spawn_worker(self.container, HEALTH, self, args, kwargs, context_data=context_data,
                         handle_result=partial(self.handle_result, event))
            return self.response_from_result(event.wait())
        except PoolFull:
            status, body = self.when_busy or (503, "sibuk, coba lagi\n")
            return Response(body, status=status, mimetype="text/plain")
        except Exception as exc:
            return self.response_from_exception(exc)


health_http = HealthHttp.decorator

__all__ = ["BUSINESS", "HEALTH", "STREAM", "PoolFull", "busy", "configure", "health_http", "spawn_worker", "wait"]
