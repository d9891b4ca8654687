"""What the bridge's use cases need from outside, as Protocols: the services (identity, des, snowman, recap), the
bridge's own store, and Gammu's inbox and outbox. The adapters implement them; the unit tests fake them.

Errors a port raises are the application's own (`Unavailable`, `NotVerified`, `Refused`), so no use case sees gRPC.
"""
from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from ..domain.reminders import Schedule


class NotVerified(Exception):
    """identity knows no verified number like this (PhoneToken NOT_FOUND)."""


class Unavailable(Exception):
    """A service could not be reached or timed out: the message is retried later, not answered wrongly."""


class Refused(Exception):
    """A service said no for good (not a transient failure): `code` is the status name, e.g. "INVALID_ARGUMENT"."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class Delegated:
    """The employee of a verified number, as identity's delegated token says."""
    token: str
    nip: str
    instansi_id: str
    roles: tuple


@dataclass(frozen=True)
class InboxRow:
    """One SMS Gammu received and the bridge has not processed yet."""
    gammu_id: int
    sender: str
    smsc_time: str
    text: str


class Services(Protocol):
    """identity, des, snowman and recap as the bridge calls them. Lists are of objects with the services' field names
    (`tanggal`, `state`; `Ask` answers with `answers[].judul/jawaban/id` and `question_id`)."""

    def phone_token(self, phone: str) -> Delegated: ...                      # NotVerified for an unknown number
    def verify_phone(self, phone: str, code: str) -> bool: ...
    def submit_text(self, who: Delegated, line: str, key: str) -> str: ...   # des's own reply line
    def plans(self, who: Delegated, bulan: str) -> list[Any]: ...
    def activities(self, who: Delegated, bulan: str) -> list[Any]: ...
    def review_count(self, who: Delegated) -> int: ...
    def month_target(self, who: Delegated, bulan: str) -> str: ...
    def ask(self, who: Delegated, question: str, key: str) -> Any: ...
    def holidays(self, instansi_id: str, start: str, end: str) -> set[str]: ...


class StoreTx(Protocol):
    """Statements of one transaction on the bridge's own database."""

    def claim(self, gammu_id: int, content_hash: str, sender_hash: str) -> int | None: ...
    def finish(self, message_id: int, command: str, outcome: str, reply: str | None) -> None: ...
    def bump(self, sender_hash: str, day: dt.date) -> int: ...
    def subscribe(self, phone_hash: str, cipher: bytes, active: bool) -> None: ...
    def schedule(self, instansi_id: str, default: Schedule) -> Schedule: ...
    def log_reminder(self, phone_hash: str, day: dt.date, kind: str) -> bool: ...
    def reminded(self, phone_hash: str, day: dt.date, kind: str) -> bool: ...


class Store(Protocol):
    """The bridge's database: a transaction (committed unless it raises), and a few single statements."""

    def transaction(self) -> AbstractContextManager[StoreTx]: ...
    def unsent(self, limit: int = 100) -> list[tuple[int, int, str]]: ...
    def mark_sent(self, message_id: int) -> None: ...
    def subscriptions(self) -> list[tuple[str, bytes]]: ...


class Gateway(Protocol):
    """Gammu's inbox (what arrived) and outbox (the SMS to send). `reference` makes a send happen once: a second
    send with the same reference queues nothing and returns False."""

    def pending(self, limit: int) -> tuple[list[InboxRow], float]: ...      # rows, age of the oldest in seconds
    def answer(self, gammu_id: int, number: str, reply: str | None, reference: str) -> bool: ...
    def answer_sender(self, gammu_id: int, reply: str | None, reference: str) -> bool: ...
    def send(self, number: str, text: str, reference: str) -> bool: ...


class PhoneSealer(Protocol):
    """Phone numbers kept for reminders are sealed (encrypted), never stored in clear."""

    def seal(self, phone: str) -> bytes: ...
    def open(self, blob: bytes) -> str: ...
