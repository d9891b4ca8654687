"""Process entry point of a service: `python -m <svc> run|relay|migrate|settings`.

`run` monkey-patches eventlet before anything imports sockets, reads the settings (exiting with a clear message
when one is missing), configures logs, tokens and transport limits, and runs the nameko container until SIGTERM
or SIGINT, then stops it gracefully (in-flight workers finish).
"""
from __future__ import annotations

import importlib
import json
import sys


def service_main(service: str, service_class_path: str, migrations_dir: str, argv=None,
                 defaults: dict | None = None) -> int:
    """`defaults`: the service's own defaults of EKINERJA_* settings (the environment still wins)."""
    import os
    for name, value in (defaults or {}).items():
        os.environ.setdefault(name, value)
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else "run"
    if command == "run":
        import eventlet
        eventlet.monkey_patch()
        return _run(service, service_class_path, migrations_dir)
    if command == "relay":  # started by the service itself when EKINERJA_RELAY_PROCESS=true
        from . import logs
        from .relay_process import child_main
        from .settings import exit_on_missing, load_settings
        settings = exit_on_missing(load_settings)(service, require_jwks=False)
        logs.configure_logging(service, settings.log_level, settings.nip_hash_key)
        from . import tracing
        tracing.configure(service)  # publish spans, when OTEL_* asks for traces (flushed at exit)
        # the producer whose outbox it relays (a runner may hold several services, each with its own relay)
        return child_main(argv[1] if len(argv) > 1 else service, settings)
    if command == "migrate":
        from .migrate import migrate
        from .settings import exit_on_missing, load_settings, secret
        settings = exit_on_missing(load_settings)(service, require_jwks=False)
        # behind PgBouncer (transaction pooling) migrations go straight to the primary
        url = exit_on_missing(secret)("EKINERJA_MIGRATION_DATABASE_URL") or settings.sqlalchemy_url
        migrate(url.replace("postgresql://", "postgresql+psycopg://", 1), migrations_dir)
        print(f"{service}: migrated")
        return 0
    if command == "settings":
        from .settings import exit_on_missing, load_settings
        from .stream_limits import StreamLimits
        shown = exit_on_missing(load_settings)(service, require_jwks=False).public()
        shown["stream_limits"] = exit_on_missing(StreamLimits.from_env)().public()
        print(json.dumps(shown, indent=2))
        return 0
    print(f"usage: python -m {service} [run|relay|migrate|settings]", file=sys.stderr)
    return 2


def _settle_garbage_collector() -> None:
    """Move everything built at start-up out of the collector's sight and collect less often: a request allocates
    thousands of short-lived objects, and each full collection otherwise walked the whole service (modules, protos,
    metadata) again, a pause every few hundred requests."""
    import gc
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _run(service: str, service_class_path: str, migrations_dir: str | None = None) -> int:
    import signal

    import eventlet
    from nameko import config
    from nameko.runners import ServiceRunner

    from . import logs, runtime, stream_guard, tracing, transport_patches
    from .settings import exit_on_missing, load_settings
    from .stream_limits import StreamLimits

    settings = exit_on_missing(load_settings)(service, require_jwks=service != "identity")
    logs.configure_logging(service, settings.log_level, settings.nip_hash_key)
    if migrations_dir:
        from .migrate import schema_problem
        problem = schema_problem(settings.sqlalchemy_url, migrations_dir, service)
        if problem:
            import logging
            logging.getLogger(__name__).error(problem)
            return 3
    runtime.configure(settings)
    tracing.configure(service)  # when OTEL_* asks for traces (tracing.py); off otherwise
    main_spec = getattr(sys.modules["__main__"], "__spec__", None)
    if main_spec is not None:  # `python -m des` runs des.__main__; `python -m probe_main` runs probe_main
        runtime.set_main_module(main_spec.parent or main_spec.name)
    # every change to nameko-grpc/h2/hpack, once, after checking their versions (exits naming them when wrong)
    try:
        transport_patches.install(max_request_bytes=settings.max_request_bytes, poll_seconds=settings.grpc_poll_seconds)
    except transport_patches.UnsupportedTransportVersions as exc:
        import logging
        logging.getLogger(__name__).error(str(exc))
        return 4
    stream_guard.configure(StreamLimits.from_env(), settings.service)  # stream_limits.py: settings
    service_classes = []
    for path in service_class_path.split(","):
        module_name, class_name = path.split(":")
        service_classes.append(getattr(importlib.import_module(module_name), class_name))

    config.update({
        "AMQP_URI": settings.amqp_uri,
        "HEARTBEAT": settings.amqp_heartbeat_seconds,  # nameko's consumers and publishers (the relay: its own)
        "GRPC_BIND_HOST": settings.bind_host,
        "GRPC_BIND_PORT": settings.grpc_port,
        "WEB_SERVER_ADDRESS": f"{settings.bind_host}:{settings.http_port}",
        "max_workers": settings.max_workers,
        "PREFETCH_COUNT": settings.max_workers,
        "serializer": "json",
    })
    runner = ServiceRunner()
    for service_cls in service_classes:
        runner.add_service(service_cls)
    stopping = eventlet.event.Event()

    def _stop(signum, frame):
        if not stopping.ready():
            stopping.send(signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner.start()
    _settle_garbage_collector()
    import logging
    logging.getLogger(__name__).info(
        "%s serving gRPC on %s:%s, HTTP on %s", service, settings.bind_host, settings.grpc_port, settings.http_port)
    stopping.wait()
    with eventlet.Timeout(20, False):
        runner.stop()
    runner.kill()
    with eventlet.Timeout(5, False):  # the spans still buffered; a collector that is away does not hold the stop
        tracing.shutdown()
    return 0
