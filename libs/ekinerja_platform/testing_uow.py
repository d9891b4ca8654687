"""`FakeUnitOfWork`: the unit of work of use-case unit tests (cosmicpython's `test_handlers` style): no database,
no broker, milliseconds. A service's test fake subclasses it and adds in-memory repositories.

Kept out of the production image (deploy/docker/service.Dockerfile.dockerignore), like `testing.py`.
"""
from __future__ import annotations

from .envelope import check_event
from .idempotency import answer_of, seal
from .unit_of_work import Event, UnitOfWork


class FakeUnitOfWork(UnitOfWork):
    """Records what the real one would write: `events` (the outbox, once committed), `answers` (idempotency keys),
    `inbox` (events applied). It cannot undo in-memory repository changes on rollback; tests of a refusal assert
    that nothing was committed (`committed`, `rolled_back`) and no event recorded."""

    def __init__(self):
        self.events: list[Event] = []       # committed to the outbox
        self.pending: list[Event] = []      # recorded in the open unit
        self.committed = False
        self.rolled_back = False
        self.answers: dict[tuple[str, str], bytes] = {}
        self.inbox: set[tuple[str, str]] = set()

    def commit(self) -> None:
        self.events.extend(self.pending)
        self.pending.clear()
        self.committed = True

    def rollback(self) -> None:
        self.pending.clear()
        self.rolled_back = True

    def record(self, event: Event) -> None:
        self.pending.append(check_event(event))  # as the outbox writer: data that fits its definition, or a bug

    def recorded(self, event_type: str) -> list[dict]:
        """The data of every event of `event_type` recorded so far (committed or pending)."""
        return [e.data for e in [*self.events, *self.pending] if e.event_type == event_type]

    def claim(self, key) -> bytes | None:
        stored = self.answers.get((key.scope, key.key))
        return None if stored is None else answer_of(key, stored)

    def store_answer(self, key, response: bytes) -> None:
        self.answers[(key.scope, key.key)] = seal(key, response)

    def claim_event(self, consumer: str, event_id: str) -> bool:
        if (consumer, str(event_id)) in self.inbox:
            return False
        self.inbox.add((consumer, str(event_id)))
        return True
