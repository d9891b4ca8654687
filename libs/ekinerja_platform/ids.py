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
    if n <= 0:
        return []
    out = []
    random_bits = int.from_bytes(os.urandom(8 * n), "big")
    while n:
        chunk = min(n, 0xFFF)
        ms, first = _next_stamps(chunk)
        for i in range(chunk):
            rand_b = random_bits & 0x3FFF_FFFF_FFFF_FFFF
            random_bits >>= 64
            value = (ms << 80) | (0x7 << 76) | ((first + i) << 64) | (0b10 << 62) | rand_b
            h = f"{value:032x}"
            out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
        n -= chunk
    return out


def uuid7() -> str:
    """One version 7 UUID as text."""
    return uuid7s(1)[0]


def is_uuid7(value: str) -> bool:
    return uuid.UUID(value).version == 7
