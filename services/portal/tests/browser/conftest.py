"""An isolated stack for the portal's browser journeys: the five services as real processes (tests/e2e's Stack, its
own databases and vhost), a small agency made through identity's gRPC API, an approved SKP, and the portal itself
as `python -m portal run` on a free port with its own session database. Chromium is Debian's (/usr/bin/chromium),
driven by Playwright's sync API; axe-core comes from build/npm (scripts/install.sh).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from pathlib import Path

import pytest

from ekinerja_platform import testing

REPO = testing.REPO_ROOT
sys.path[:0] = [str(REPO / "tests" / "e2e"), str(Path(__file__).resolve().parent)]

from e2e_lib import Stack  # noqa: E402
from portal_stack import PortalProcess, seed  # noqa: E402

CHROMIUM = os.environ.get("EKINERJA_CHROMIUM", "/usr/bin/chromium")
AXE = REPO / "build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "build" / "test-artifacts" / "portal"
WIDTHS = (360, 1280)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_stack(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make install` (npm ci of axe-core)")
    amqp = testing.create_vhost()
    stack = Stack(amqp, tmp_path_factory.mktemp("portal-keys"))
    portal = None
    try:
        stack.start()
        people = seed(stack)
        portal = PortalProcess(stack).start()
        yield {"stack": stack, "url": portal.url, **people}
    finally:
        if portal:
            portal.stop()
        if os.environ.get("E2E_LOGS"):
            print(stack.logs())
        stack.stop()
        testing.delete_vhost(amqp)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source():
    return AXE.read_text()


def yesterday_or_today(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=1)


__all__ = ["shutil", "WIDTHS", "ARTIFACTS", "yesterday_or_today"]
