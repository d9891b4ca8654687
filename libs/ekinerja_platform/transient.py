"""Which failures of an event handler are transient (retry later) and which can never succeed (dead-letter now).

A handler that failed because its database was away, or because PostgreSQL chose its transaction as the victim
of a serialization failure or a deadlock, succeeds when run again: requeueing such a message spent the queue's
`x-delivery-limit`, so a 9 s database outage sent every event of those 9 s to the dead-letter queue. Everything
else is deterministic for the same message (bad data, a violated constraint, a bug): running it again changes
nothing, so it is dead-lettered at once with its reason and counted.
"""
from __future__ import annotations

from .infra_errors import classify, failure_for_sqlstate

# Which SQLSTATEs a later try can outlive is the one table of `infra_errors` (also behind the gRPC statuses).
_TRANSIENT_NAMES = {
    # driver and pool failures without a SQLSTATE: the server is not reachable or the connection broke
    "OperationalError", "InterfaceError", "TimeoutError", "ConnectionTimeout", "PoolTimeout", "Timeout",
    "ConnectionError", "ConnectionRefusedError", "ConnectionResetError", "BrokenPipeError", "ConnectionAbortedError",
}


def _chain(exc: BaseException):
    """The exception, what it wraps (SQLAlchemy's `.orig`) and its causes, each once."""
    seen = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend([getattr(current, "orig", None), current.__cause__, current.__context__])


def _sqlstate(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return state if isinstance(state, str) else None


def is_transient(exc: BaseException) -> bool:
    """True when running the same handler again later may succeed (database unavailable, serialization failure,
    deadlock, lock or statement timeout); False when it cannot (a SQLSTATE of another class, or any other error)."""
    chain = list(_chain(exc))
    states = [state for state in map(_sqlstate, chain) if state]
    if states:  # PostgreSQL said what went wrong: trust that over the driver's class name
        return any(failure_for_sqlstate(state) is not None for state in states)
    return any(getattr(current, "connection_invalidated", False) or type(current).__name__ in _TRANSIENT_NAMES
               or classify(current) is not None for current in chain)


def reason_of(exc: BaseException) -> str:
    """A short, data-free label for a permanent failure (a metric label value and the dead-letter header)."""
    from .domain_errors import DomainError
    if isinstance(exc, DomainError):
        return "rejected_by_handler"
    for current in _chain(exc):
        state = _sqlstate(current)
        if state and state.startswith("23"):
            return "constraint_violation"
        if state and state.startswith("22"):
            return "invalid_data"
    return "handler_error"


def backoff(attempt: int, first: float = 0.2, cap: float = 5.0) -> float:
    """Seconds before try `attempt + 1` (attempt counts from 1): doubling from `first`, at most `cap`."""
    return min(cap, first * (2 ** max(0, attempt - 1)))
