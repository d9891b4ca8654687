"""`ekinerja` commands for identity (filled in by the identity issue)."""


def register(cli) -> None:
    """Attach this module's commands to the root group."""
