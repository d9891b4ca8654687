"""Gammu SMSD's own PostgreSQL tables: its schema (from the Debian package), our notify trigger, the inbox we read
and the outbox we write. Gammu owns these tables; the bridge only reads `inbox`, sets "Processed", and inserts
into `outbox`.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import psycopg

from ..application.ports import InboxRow
from ..domain.phones import normalise

# where Debian's gammu-smsd / gammu packages ship the PostgreSQL schema (compressed in older releases)
SCHEMA_CANDIDATES = (
    "/usr/share/doc/gammu-smsd/examples/pgsql.sql",
    "/usr/share/doc/gammu-smsd/examples/pgsql.sql.gz",
    "/usr/share/doc/gammu/examples/sql/pgsql.sql",
    "/usr/share/doc/gammu/examples/sql/pgsql.sql.gz",
)
CHANNEL = "ekinerja_sms_inbox"
CREATOR = "ekinerja-sms"

TRIGGER_SQL = f"""
CREATE OR REPLACE FUNCTION ekinerja_inbox_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('{CHANNEL}', NEW."ID"::text);
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ekinerja_inbox_notify ON inbox;
CREATE TRIGGER ekinerja_inbox_notify AFTER INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION ekinerja_inbox_notify();
"""


class SchemaMissing(RuntimeError):
    pass


def schema_sql() -> str:
    """The package's schema, without `CREATE LANGUAGE plpgsql` (built into PostgreSQL since 9.0; it fails there)."""
    for candidate in SCHEMA_CANDIDATES:
        path = Path(candidate)
        if path.exists():
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            lines = [ln for ln in raw.decode().splitlines() if not ln.strip().upper().startswith("CREATE LANGUAGE")]
            return "\n".join(lines)
    raise SchemaMissing("Gammu's pgsql.sql not found: install the gammu-smsd package (deploy/apt-packages.txt)")


def plain_url(url: str) -> str:
    """libpq accepts postgresql:// only (SQLAlchemy's +psycopg suffix removed)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def install(url: str) -> bool:
    """Create Gammu's tables when absent, then (re)install the notify trigger. Returns True when created."""
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('public.gammu') IS NOT NULL").fetchone()[0]
        if not exists:
            with conn.transaction():
                conn.execute(schema_sql())
        conn.execute(TRIGGER_SQL)
        return not exists


class GammuTables:
    """Short statements on Gammu's database; one connection per caller (the bridge is one process). Implements the
    application's `Gateway` port (pending, answer, answer_sender, send), each in its own transaction."""

    def __init__(self, url: str):
        self.url = plain_url(url)

    def connect(self, autocommit: bool = False) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=autocommit, connect_timeout=3)

    # -- the Gateway port ------------------------------------------------------------------------------------------
    def pending(self, limit: int) -> tuple[list[InboxRow], float]:
        """The oldest unprocessed rows and the age of the oldest one (the gateway's lag)."""
        with self.connect(autocommit=True) as conn:
            return self.inbox(conn, limit), self.lag_seconds(conn)

    def answer(self, gammu_id: int, number: str, reply: str | None, reference: str) -> bool:
        """Queue the reply (if any) and mark the inbox row processed, together. True when queued now."""
        with self.connect() as conn, conn.transaction():
            queued = bool(reply) and self.queue(conn, number, reply or "", reference)
            self.mark_processed(conn, gammu_id)
        return queued

    def answer_sender(self, gammu_id: int, reply: str | None, reference: str) -> bool:
        """`answer` to whoever sent the inbox row (a reply decided before a crash, delivered now)."""
        with self.connect() as conn, conn.transaction():
            found = conn.execute('SELECT "SenderNumber" FROM inbox WHERE "ID" = %s', (gammu_id,)).fetchone()
            queued = bool(found and reply) and self.queue(conn, normalise(found[0]), reply or "", reference)
            self.mark_processed(conn, gammu_id)
        return queued

    def send(self, number: str, text: str, reference: str) -> bool:
        with self.connect() as conn, conn.transaction():
            return self.queue(conn, number, text, reference)

    # -- statements on a caller's connection -----------------------------------------------------------------------
    @staticmethod
    def inbox(conn, limit: int) -> list[InboxRow]:
        rows = conn.execute(
            'SELECT "ID", "SenderNumber", to_char("ReceivingDateTime", \'YYYY-MM-DD"T"HH24:MI:SS\'), '
            '"TextDecoded" FROM inbox WHERE NOT "Processed" ORDER BY "ID" LIMIT %s', (limit,)).fetchall()
        return [InboxRow(int(r[0]), r[1] or "", r[2] or "", r[3] or "") for r in rows]

    @staticmethod
    def mark_processed(conn, gammu_id: int) -> None:
        conn.execute('UPDATE inbox SET "Processed" = true WHERE "ID" = %s', (gammu_id,))

    @staticmethod
    def queue(conn, number: str, text: str, reference: str) -> bool:
        """Queue one SMS unless a row with this reference is already queued or sent (a retry after a crash between
        our commit and Gammu's). Returns True when queued now."""
        creator = f"{CREATOR}:{reference}"
        already = conn.execute(
            'SELECT 1 FROM outbox WHERE "CreatorID" = %s UNION ALL SELECT 1 FROM sentitems WHERE "CreatorID" = %s '
            'LIMIT 1', (creator, creator)).fetchone()
        if already:
            return False
        conn.execute('INSERT INTO outbox ("DestinationNumber", "TextDecoded", "CreatorID", "Coding") '
                     "VALUES (%s, %s, %s, 'Default_No_Compression')", (number, text, creator))
        return True

    @staticmethod
    def lag_seconds(conn) -> float:
        """Age of the oldest unprocessed inbox row (0 when none), on the database's own clock."""
        value = conn.execute('SELECT EXTRACT(EPOCH FROM LOCALTIMESTAMP - min("UpdatedInDB")) FROM inbox '
                             'WHERE NOT "Processed"').fetchone()[0]
        return float(value or 0)

    @staticmethod
    def outbox_age_seconds(conn) -> float:
        """Age of the oldest SMS still waiting in Gammu's outbox (0 when empty): Gammu not sending."""
        value = conn.execute('SELECT EXTRACT(EPOCH FROM LOCALTIMESTAMP - min("InsertIntoDB")) FROM outbox') \
            .fetchone()[0]
        return float(value or 0)

    @staticmethod
    def last_seen_seconds(conn) -> float | None:
        """Seconds since Gammu last updated its `phones` row (its heartbeat); None before Gammu ever ran."""
        value = conn.execute('SELECT EXTRACT(EPOCH FROM LOCALTIMESTAMP - max("UpdatedInDB")) FROM phones') \
            .fetchone()[0]
        return None if value is None else float(value)
