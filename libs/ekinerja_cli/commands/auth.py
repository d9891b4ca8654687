"""`ekinerja` commands for auth (filled in by the auth issue)."""


def register(cli) -> None:
    """Attach this module's commands to the root group."""
