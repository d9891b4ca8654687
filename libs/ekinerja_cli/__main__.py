import os

# grpc's C core logs connection failures (TLS alerts among them) on stderr; the CLI says what failed in one line
# of its own (error_messages), so the core stays quiet unless GRPC_VERBOSITY asks otherwise.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")

from ekinerja_cli.main import main  # noqa: E402

raise SystemExit(main())
