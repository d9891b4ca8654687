"""`ekinerja` commands for snowman (filled in by the snowman issue)."""


def register(cli) -> None:
    """Attach this module's commands to the root group."""
