"""An isolated stack for the portal's browser journeys: the five services as real processes (tests/e2e's Stack, its
own databases and vhost), a small agency made through identity's gRPC API, an approved SKP, and the portal itself
as `python -m portal run` on a free port with its own session database. Chromium is Debian's (/usr/bin/chromium),
driven by Playwright's sync API; axe-core comes from build/npm (scripts/install.sh).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from ekinerja_platform import testing

REPO = testing.REPO_ROOT
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from e2e_lib import PASSWORD, Des, Identity, Skp, Stack, des_today  # noqa: E402

CHROMIUM = os.environ.get("EKINERJA_CHROMIUM", "/usr/bin/chromium")
AXE = REPO / "build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "build" / "test-artifacts" / "portal"
INSTANSI = "KAB-PORTAL"
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


def seed(stack: Stack) -> dict:
    """One unit, a Kepala (penilai) over one Staf, an admin_instansi, an expert; the Staf's SKP approved."""
    identity, skp, des = Identity(stack), Skp(stack), Des(stack)
    identity.instansi(INSTANSI, "Kabupaten Portal")
    identity.unit(INSTANSI, f"{INSTANSI}.BAG", "Bagian Umum")
    identity.jabatan(INSTANSI, f"{INSTANSI}.KASUBAG", f"{INSTANSI}.BAG", "Kepala Subbagian Umum",
                     "struktural_pengawas", "umum", eselon="IV.a")
    identity.jabatan(INSTANSI, f"{INSTANSI}.STAF", f"{INSTANSI}.BAG", "Pengadministrasi Umum", "pelaksana", "umum",
                     parent=f"{INSTANSI}.KASUBAG")
    penilai = identity.pegawai(INSTANSI, "Ratna Kusumawati", "III/d")
    staf = identity.pegawai(INSTANSI, "Bayu Pratama", "II/c", roles=("pegawai", "expert"), kelompok=("umum",))
    today = des_today()
    start = today.replace(month=1, day=1)
    identity.assign(penilai.nip, f"{INSTANSI}.KASUBAG", start)
    identity.assign(staf.nip, f"{INSTANSI}.STAF", start)
    admin_token = identity.admin_instansi(INSTANSI)
    doc = skp.documents(staf, today.year)[0]
    approved = skp.agree(staf, penilai, doc, [
        {"nama": "Menyusun surat dinas", "satuan": "surat", "kuantitas": "240", "waktu": "12"},
        {"nama": "Mengarsipkan dokumen", "satuan": "berkas", "kuantitas": "480", "waktu": "12"}])
    des.wait_for_skp(staf, approved.skp_id)
    des.stub.SetEntryWindow(des.pb.SetEntryWindowRequest(instansi_id=INSTANSI, window_days=28),
                            metadata=[("authorization", f"Bearer {admin_token}")], timeout=20)
    return {"penilai": penilai, "staf": staf, "admin_login": f"adm-{INSTANSI.lower()}", "password": PASSWORD,
            "skp_id": approved.skp_id, "today": today}


class PortalProcess:
    def __init__(self, stack: Stack):
        self.port = testing.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = testing.migrated_database("portal")
        env = dict(os.environ)
        env.update({"EKINERJA_DATABASE_URL": self.database, "EKINERJA_HTTP_PORT": str(self.port),
                    "EKINERJA_BIND_HOST": "127.0.0.1", "EKINERJA_NIP_HASH_KEY": "test-" + uuid.uuid4().hex,
                    "EKINERJA_PORTAL_TIMEZONE": "Asia/Jakarta"})
        for name, process in stack.processes.items():
            env[f"EKINERJA_{name.upper()}_TARGET"] = process.target
        self.env = env
        self.log_path = Path(tempfile.mkstemp(prefix="portal-", suffix=".log")[1])
        self.process = None

    def start(self) -> "PortalProcess":
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "portal", "run"], env=self.env, cwd=REPO,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"portal exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/ready", timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"portal not ready:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()
        if os.environ.get("E2E_LOGS"):
            print(self.log_path.read_text()[-5000:])
        self.log_path.unlink(missing_ok=True)
        testing.drop_database(self.database)


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
