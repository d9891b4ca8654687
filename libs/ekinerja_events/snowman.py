"""snowman's events (docs/events.md, snowman): questions asked and answers published (no consumer yet)."""
from __future__ import annotations

from dataclasses import dataclass

from .base import Payload

PRODUCER = "snowman"


@dataclass(frozen=True, kw_only=True)
class QuestionAsked(Payload):
    producer = PRODUCER
    event_type = "question_asked"
    schema_version = 1
    question_id: str
    kelompok: str
    status: str  # answered, open

    @classmethod
    def example(cls):
        return cls(question_id="q-0190d5a4", kelompok="umum", status="open")


@dataclass(frozen=True, kw_only=True)
class AnswerPublished(Payload):
    producer = PRODUCER
    event_type = "answer_published"
    schema_version = 1
    entry_id: str
    question_id: str | None = None  # null: published without a question

    @classmethod
    def example(cls):
        return cls(entry_id="cuti", question_id="q-0190d5a4")
