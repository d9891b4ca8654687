"""The bridge's own database (`ekinerja_sms`): processed messages, counters, reminder subscriptions and log.

Phone numbers are kept only as a keyed hash (lookup) and, for reminder subscribers, AES-GCM ciphertext (to text
them); never in clear.
"""
from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..domain.reminders import Schedule
from .gammu import plain_url


class PhoneCipher:
    """AES-GCM with a 256-bit key derived from the setting (any length): nonce || ciphertext."""

    def __init__(self, key: bytes):
        import hashlib
        self._aead = AESGCM(hashlib.sha256(b"ekinerja-sms-phone:" + key).digest())

    def seal(self, phone: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, phone.encode(), b"phone")

    def open(self, blob: bytes) -> str:
        blob = bytes(blob)
        return self._aead.decrypt(blob[:12], blob[12:], b"phone").decode()


class Tx:
    """Statements of one transaction on the bridge's database."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def claim(self, gammu_id: int, content_hash: str, sender_hash: str) -> int | None:
        """The message's row, or None when this Gammu row or this very content was handled before."""
        row = self.conn.execute(
            "INSERT INTO processed_messages (gammu_id, content_hash, sender_hash, command, outcome) "
            "VALUES (%s, %s, %s, '', 'claimed') ON CONFLICT DO NOTHING RETURNING id",
            (gammu_id, content_hash, sender_hash)).fetchone()
        return row[0] if row else None

    def finish(self, message_id: int, command: str, outcome: str, reply: str | None) -> None:
        self.conn.execute("UPDATE processed_messages SET command = %s, outcome = %s, reply = %s, "
                          "reply_sent = %s WHERE id = %s", (command, outcome, reply, reply is None, message_id))

    def bump(self, sender_hash: str, day: dt.date) -> int:
        return self.conn.execute(
            "INSERT INTO rate_counters (sender_hash, day, count) VALUES (%s, %s, 1) "
            "ON CONFLICT (sender_hash, day) DO UPDATE SET count = rate_counters.count + 1 RETURNING count",
            (sender_hash, day)).fetchone()[0]

    def subscribe(self, phone_hash: str, cipher: bytes, active: bool) -> None:
        self.conn.execute(
            "INSERT INTO reminder_subscriptions (phone_hash, phone_cipher, active) VALUES (%s, %s, %s) "
            "ON CONFLICT (phone_hash) DO UPDATE SET phone_cipher = EXCLUDED.phone_cipher, active = EXCLUDED.active, "
            "updated_at = now()", (phone_hash, cipher, active))

    def schedule(self, instansi_id: str, default: Schedule) -> Schedule:
        row = self.conn.execute("SELECT hour, timezone FROM reminder_schedules WHERE instansi_id = %s",
                                (instansi_id,)).fetchone()
        return Schedule(row[0], row[1]) if row else default

    def set_schedule(self, instansi_id: str, schedule: Schedule) -> None:
        self.conn.execute(
            "INSERT INTO reminder_schedules (instansi_id, hour, timezone) VALUES (%s, %s, %s) "
            "ON CONFLICT (instansi_id) DO UPDATE SET hour = EXCLUDED.hour, timezone = EXCLUDED.timezone",
            (instansi_id, schedule.hour, schedule.timezone))

    def log_reminder(self, phone_hash: str, day: dt.date, kind: str) -> bool:
        """True the first time for this number, day and kind (the once-a-day limit)."""
        return self.conn.execute(
            "INSERT INTO reminder_log (phone_hash, day, kind) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING "
            "RETURNING 1", (phone_hash, day, kind)).fetchone() is not None

    def reminded(self, phone_hash: str, day: dt.date, kind: str) -> bool:
        return self.conn.execute("SELECT 1 FROM reminder_log WHERE phone_hash = %s AND day = %s AND kind = %s",
                                 (phone_hash, day, kind)).fetchone() is not None


class Store:
    def __init__(self, url: str):
        self.url = plain_url(url)

    @contextmanager
    def transaction(self):
        with psycopg.connect(self.url, connect_timeout=3) as conn:
            with conn.transaction():
                yield Tx(conn)

    def unsent(self, limit: int = 100) -> list[tuple[int, int, str]]:
        """(id, gammu_id, reply) decided but not yet handed to Gammu (a crash between the two databases)."""
        with psycopg.connect(self.url, autocommit=True, connect_timeout=3) as conn:
            return conn.execute("SELECT id, gammu_id, reply FROM processed_messages WHERE NOT reply_sent "
                                "ORDER BY id LIMIT %s", (limit,)).fetchall()

    def mark_sent(self, message_id: int) -> None:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=3) as conn:
            conn.execute("UPDATE processed_messages SET reply_sent = true WHERE id = %s", (message_id,))

    def subscriptions(self) -> list[tuple[str, bytes]]:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=3) as conn:
            return conn.execute("SELECT phone_hash, phone_cipher FROM reminder_subscriptions WHERE active "
                                "ORDER BY phone_hash").fetchall()

    def ping(self) -> None:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
