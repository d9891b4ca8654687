"""Output for people (tables, progress bars) and for machines (`--json` on stdout; errors on stderr)."""
from __future__ import annotations

import json
import sys
from decimal import Decimal

import click
from rich.console import Console
from rich.table import Table

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class State:
    """What the root command parsed: output mode, endpoint overrides and TLS (an `ekinerja_platform.channels.
    ClientTls`, None for plaintext)."""

    def __init__(self):
        self.json = False
        self.endpoints: dict[str, str] = {}
        self.tls = None


def state() -> State:
    ctx = click.get_current_context()
    root = ctx.find_root()
    if root.obj is None:
        root.obj = State()
    return root.obj


def json_option(fn):
    """Adds `--json` to a command (it may also be given before the command name)."""
    def set_json(ctx, param, value):
        if value:
            state().json = True
        return value
    return click.option("--json", "json_flag", is_flag=True, expose_value=False, callback=set_json,
                        help="Machine-readable JSON on stdout.")(fn)


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit(data, human=None) -> None:
    """Print `data` as JSON in --json mode, else call `human(data)` (or print a simple rendering)."""
    if state().json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_default))
    elif human is not None:
        human(data)
    else:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_default))


def table(title: str, columns: list[str], rows: list[list]) -> None:
    t = Table(title=title)
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*["" if v is None else str(v) for v in row])
    Console().print(t)


def fail(message: str, code: int = EXIT_FAILED):
    """Print one line on stderr and exit with `code` (2 for bad input)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
