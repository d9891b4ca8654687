"""`ekinerja` commands for des (filled in by the des issue)."""


def register(cli) -> None:
    """Attach this module's commands to the root group."""
