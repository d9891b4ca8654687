"""`ekinerja` commands for recap (filled in by the recap issue)."""


def register(cli) -> None:
    """Attach this module's commands to the root group."""
