"""Which waiting messages to handle next, so a flood from one number never delays the others.

Round-robin across senders: each round takes at most `per_sender` of one sender's oldest messages, senders in the
order of their oldest waiting message. A number sending hundreds of messages gets `per_sender` per round like
everyone else; the rest wait for later rounds.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")


def fair_order(rows: Iterable[T], sender: Callable[[T], str], per_sender: int, limit: int) -> list[T]:
    """`rows` oldest first; returns at most `limit` of them, interleaved across senders."""
    queues: "OrderedDict[str, list[T]]" = OrderedDict()
    for row in rows:
        queues.setdefault(sender(row), []).append(row)
    chosen: list[T] = []
    while queues and len(chosen) < limit:
        for key in list(queues):
            taken, queues[key] = queues[key][:per_sender], queues[key][per_sender:]
            chosen.extend(taken)
            if not queues[key]:
                del queues[key]
            if len(chosen) >= limit:
                break
        per_sender = max(per_sender, 1)
    return chosen[:limit]


def over_limit(count_today: int, limit: int) -> bool:
    """The message that makes `count_today` exceed `limit` (count includes it)."""
    return count_today > limit


def first_over_limit(count_today: int, limit: int) -> bool:
    """Only the first refused message of the day gets a reply; later ones are dropped silently (no reply storm)."""
    return count_today == limit + 1
