"""`python -m portal run|migrate|settings`: serve the portal with uvicorn, or migrate its session database."""
import sys
from pathlib import Path

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")


def main(argv: list[str]) -> int:
    from ekinerja_platform.logs import configure_logging
    from portal.settings import load_settings

    command = argv[0] if argv else "run"
    settings = load_settings()
    configure_logging("portal", settings.log_level, settings.nip_hash_key)
    if command == "migrate":
        from ekinerja_platform.migrate import migrate
        migrate(settings.database_url, MIGRATIONS)
        return 0
    if command == "settings":
        from ekinerja_platform.settings import variables
        hidden = {v["field"] for v in variables(type(settings)) if v["secret"]}  # the session keys too
        print({k: v for k, v in settings.__dict__.items() if k not in hidden})
        return 0
    if command == "run":
        import logging

        import uvicorn

        from ekinerja_platform.migrate import schema_problem
        problem = schema_problem(settings.database_url, MIGRATIONS, "portal")
        if problem:  # the session database is not at the code's migration head (docs/operations.md)
            logging.getLogger("portal").error(problem)
            return 3

        from portal.entrypoints.app import create_app
        # the client address reaches identity's login throttle as x-forwarded-for (see README)
        # the standard asyncio loop: grpc.aio integrates with it directly (under another loop it polls from a thread)
        # idle keep-alive connections live longer than a proxy's (nginx: 60 s): uvicorn's 5 s default closed them
        # under a client about to reuse them, and that request failed (a reset: 502 at the ingress)
        uvicorn.run(create_app(settings), host=settings.bind_host, port=settings.http_port, log_config=None,
                    access_log=False, proxy_headers=False, server_header=False, loop="asyncio", http="httptools",
                    timeout_keep_alive=settings.keepalive_seconds)
        return 0
    print(f"unknown command {command!r}: use run, migrate or settings", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
