"""The unit of work port: the one transaction a use case runs in, and the door to its repositories.

A use case (`<svc>/application/`) takes an open `UnitOfWork` and plain values; it reads and writes through the
repositories a service's subclass adds as attributes (`uow.entries`, `uow.questions`, ...) and records events with
`uow.record(event)`, which lands in the outbox in the same transaction as the change. The use case never commits:
whoever opened the unit (the entrypoint) ends it, so an idempotent answer (`idempotency.run_once_in`) commits with
the change it answers. `with uow:` commits when the block ends normally and rolls back on any exception, including
a killed worker's `GreenletExit`.

Two implementations: `sql_unit_of_work.SqlUnitOfWork` (production; a service subclasses it to add its SQL
repositories) and `testing_uow.FakeUnitOfWork` (unit tests; in-memory repositories, no database). Standard library
only, like the application room that imports it.
"""
from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Self

from .envelope import Event

if TYPE_CHECKING:
    from .idempotency import Key

__all__ = ["Event", "UnitOfWork"]


class UnitOfWork(abc.ABC):
    """One transaction. Subclasses add repositories; `__enter__` is where they bind them to the transaction."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()

    @abc.abstractmethod
    def commit(self) -> None:
        """Make every change and recorded event of this unit durable, together."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Forget every change and recorded event of this unit."""

    @abc.abstractmethod
    def record(self, event: Event) -> None:
        """Add `event` to the outbox of this unit: published after commit, never if the unit rolls back."""

    # -- for entrypoints: idempotency keys and the inbox (the rules are idempotency.py's and outbox.py's) -------
    @abc.abstractmethod
    def claim(self, key: Key) -> bytes | None:
        """Claim an idempotency key in this unit: None when claimed (do the work), else the first answer's bytes."""

    @abc.abstractmethod
    def store_answer(self, key: Key, response: bytes) -> None:
        """Store the answer of a key this unit claimed; a retry sees it once the unit commits."""

    @abc.abstractmethod
    def claim_event(self, consumer: str, event_id: str) -> bool:
        """Record that `consumer` applies `event_id` in this unit; False when it already did (skip the effect)."""
