"""Time-ordered identifiers (UUID version 7, RFC 9562) for rows written at high rates.

A random (version 4) key lands on a random leaf of its B-tree index, so every insert touches another page (and
after a checkpoint writes it whole to the WAL); a version 7 key starts with the time in milliseconds, so new keys
go to the right edge of the index. Within a millisecond a counter keeps ids made by this process increasing; the
remaining 62 bits are random, so ids of different processes do not collide.
"""
from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def _next_stamps(n: int) -> tuple[int, int]:
    """(milliseconds, first counter) for `n` consecutive ids, increasing across calls."""
    global _last_ms, _counter
    with _lock:
        now = time.time_ns() // 1_000_000
        if now > _last_ms:
            _last_ms, _counter = now, 0
        if _counter + n > 0xFFF:  # counter exhausted in this millisecond: borrow the next one
            _last_ms, _counter = _last_ms + 1, 0
        first = _counter
        _counter += n
        return _last_ms, first


def uuid7s(n: int) -> list[str]:
    """`n` version 7 UUIDs as text, increasing, from one read of the system's random source."""
    out = []
    random_hex = os.urandom(8 * n).hex()  # 16 hex digits per id: the variant's nibble and 60 more bits
    at = 0
    while n > 0:
        chunk = min(n, 0xFFF)
        ms, first = _next_stamps(chunk)
        stamp = f"{ms:012x}"
        head = f"{stamp[:8]}-{stamp[8:12]}-7"
        for counter in range(first, first + chunk):
            r = random_hex[at:at + 16]
            at += 16
            out.append(f"{head}{counter:03x}-{_VARIANT[r[0]]}{r[1:4]}-{r[4:]}")
        n -= chunk
    return out


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}  # RFC 9562 variant 0b10, two random bits


def uuid7() -> str:
    """One version 7 UUID as text."""
    return uuid7s(1)[0]


def is_uuid7(value: str) -> bool:
    return uuid.UUID(value).version == 7
