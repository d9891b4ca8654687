"""`ekinerja` commands for skp (filled in by the skp issue)."""


def register(cli) -> None:
    """Attach this module's commands to the root group."""
