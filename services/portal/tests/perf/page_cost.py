"""The portal's own CPU per "Hari ini" page, in one process: the whole ASGI app (middleware, routing, session
check, view, render, gzip, metrics, access log) with the des call answered by a fake and the session cached, so
neither the database nor des nor the machine's sockets are in the figure.

    .venv/bin/python services/portal/tests/perf/page_cost.py [--pages 500] [--rounds 7]

For an A/B, run another worktree's interpreter on this file (`/work/main/.venv/bin/python <this file>`): the
portal it imports is that worktree's. Prints the best and the median of `--rounds` rounds (process time).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import sys
import time
from pathlib import Path

import portal
from portal.adapters.answers import convert
from portal.adapters.services import pb
from portal.adapters.sessions import Tokens, WebSession, hash_id
from portal.entrypoints.app import create_app
from portal.settings import SERVICES, PortalSettings

from ekinerja_platform.logs import configure_logging

sys.path.insert(0, str(Path(portal.__file__).resolve().parents[1] / "tests" / "perf"))
from answers_cost import day_reply  # noqa: E402


class Replies:
    def __init__(self, reply):
        self.reply = reply

    async def call(self, *args, **kwargs):
        return self.reply


def app_with_a_session():
    settings = PortalSettings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
                              **{f"{s}_target": "127.0.0.1:1" for s in SERVICES}, session_keys=("perf",),
                              session_cache_seconds=1e9)
    app = create_app(settings)
    state = app.state.portal
    state.services = Replies(convert("des", "GetDay", day_reply(pb("des"))))
    state.today = lambda: dt.date(2026, 12, 7)
    state.sessions._remember(WebSession(hash_id("sesi"), "csrf", Tokens("a", "r", 2**40, 2**40),
                                        {"nama": "Ani", "nip": "199001012020011001", "roles": ["pegawai"]}))
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    configure_logging("portal", "INFO", b"perf")
    for handler in logging.getLogger().handlers:  # the line is still formatted: only its output is dropped
        handler.stream = open(os.devnull, "w")
    app = app_with_a_session()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "https",
             "path": "/", "raw_path": b"/", "query_string": b"", "root_path": "", "server": ("portal", 443),
             "client": ("10.0.0.7", 50000),
             "headers": [(b"host", b"portal"), (b"accept-encoding", b"gzip, deflate, br"),
                         (b"cookie", b"ek_sesi=sesi"), (b"user-agent", b"Mozilla/5.0")]}
    sent: list = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    async def page():
        sent.clear()
        await app(dict(scope), receive, send)

    async def run():
        await page()
        assert sent[0]["status"] == 200, sent[0]
        rounds = []
        for _ in range(args.rounds):
            started = time.process_time()
            for _ in range(args.pages):
                await page()
            rounds.append((time.process_time() - started) / args.pages * 1e6)
        rounds.sort()
        size = sum(len(m.get("body", b"")) for m in sent[1:])
        print(f"{Path(portal.__file__).parents[3].name}: {rounds[0]:.0f} us best, {rounds[len(rounds) // 2]:.0f} us "
              f"median per page ({size} bytes sent)")

    asyncio.run(run())


if __name__ == "__main__":
    main()
