"""The demo's phone: "send" an SMS to the local gateway and print the reply (`make run` starts both).

    .venv/bin/python -m sms.dev.devphone kirim +6281200000001 "LAPOR K1 2 jam pelajaran mengajar kelas 5"
    .venv/bin/python -m sms.dev.devphone baca +6281200000001      # the last SMS the gateway sent to the number

The message is put into the dummy modem's folder by Gammu's own tool (`gammu addsms`), so gammu-smsd reads it as it
would read a real modem's; the reply is what Gammu then transmitted (its `sentitems` table).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import psycopg

from ekinerja_platform.settings import env
from sms.adapters.gammu import plain_url
from sms.dev import dummy_phone

ROOT = Path(__file__).resolve().parents[4]
GAMMU_DIR = Path(env("EKINERJA_SMS_DEV_GAMMU_DIR", str(ROOT / "var" / "gammu")))
GAMMU_URL = env("EKINERJA_SMS_GAMMU_DATABASE_URL",
                           "postgresql://postgres@127.0.0.1:5432/ekinerja_gammu")


def _sent(conn, number: str, after: int) -> list[tuple[int, str]]:
    return conn.execute('SELECT "ID", "TextDecoded" FROM sentitems WHERE "DestinationNumber" = %s AND "ID" > %s '
                        'ORDER BY "ID"', (number, after)).fetchall()


def kirim(number: str, text: str, wait: float = 60.0) -> int:
    with psycopg.connect(plain_url(GAMMU_URL), autocommit=True) as conn:
        last = conn.execute('SELECT coalesce(max("ID"), 0) FROM sentitems').fetchone()[0]
        dummy_phone.deliver(GAMMU_DIR, number, text)
        print(f"> {text}")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            replies = _sent(conn, number, last)
            if replies:
                for _, reply in replies:
                    print(f"< {reply}")
                return 0
            time.sleep(0.5)
    print("Tidak ada balasan dalam 60 detik: apakah `make run` berjalan? (lihat var/log/sms.log)", file=sys.stderr)
    return 1


def baca(number: str) -> int:
    with psycopg.connect(plain_url(GAMMU_URL), autocommit=True) as conn:
        rows = _sent(conn, number, 0)[-5:]
    for _, text in rows:
        print(f"< {text}")
    if not rows:
        print("Belum ada SMS ke nomor ini.")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "kirim":
        return kirim(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == "baca":
        return baca(argv[1])
    print('pemakaian: python -m sms.dev.devphone kirim NOMOR "PESAN" | baca NOMOR', file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
