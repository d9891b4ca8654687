"""The portal's isolated stack, shared by the browser tests and scripts/bench_portal.py: a small agency made through
identity's gRPC API with an approved SKP (`seed`), and the portal as a real process on a free port (`PortalProcess`).
Imported by absolute name with tests/e2e on sys.path.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from e2e_lib import PASSWORD, Des, Identity, Skp, Stack, des_today

from ekinerja_platform import testing

REPO = testing.REPO_ROOT
INSTANSI = "KAB-PORTAL"


def seed(stack: Stack, activities: int = 0) -> dict:
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
    penilai_skp = skp.documents(penilai, today.year)[0].skp_id
    des.stub.SetEntryWindow(des.pb.SetEntryWindowRequest(instansi_id=INSTANSI, window_days=28),
                            metadata=[("authorization", f"Bearer {admin_token}")], timeout=20)
    for n in range(activities):  # a realistic page for the bench: a plan and a report or two per day
        des.stub.SubmitPlan(des.pb.SubmitPlanRequest(kegiatan_id=approved.kegiatan[n % 2].kegiatan_id,
                                                     uraian=f"rencana {n}", kuantitas="1"),
                            metadata=staf.md(True), timeout=20)
        des.report(staf, today, approved.kegiatan[n % 2].kegiatan_id, "1", f"laporan {n}")
    return {"penilai": penilai, "staf": staf, "admin_login": f"adm-{INSTANSI.lower()}", "password": PASSWORD,
            "skp_id": approved.skp_id, "penilai_skp_id": penilai_skp, "today": today}


class PortalProcess:
    def __init__(self, stack: Stack):
        self.port = testing.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = testing.migrated_database("portal")
        env = dict(os.environ)
        env.update({"EKINERJA_DATABASE_URL": self.database, "EKINERJA_HTTP_PORT": str(self.port),
                    "EKINERJA_BIND_HOST": "127.0.0.1", "EKINERJA_NIP_HASH_KEY": "test-" + uuid.uuid4().hex,
                    "EKINERJA_PORTAL_SESSION_KEY": "test-" + uuid.uuid4().hex,
                    "EKINERJA_TIMEZONE": "Asia/Jakarta"})
        for name, process in stack.processes.items():
            env[f"EKINERJA_{name.upper()}_TARGET"] = process.target
        self.env = env
        self.log_path = Path(tempfile.mkstemp(prefix="portal-", suffix=".log")[1])
        self.process = None

    def start(self) -> "PortalProcess":
        """Starts the portal and waits for /ready."""
        self._log = open(self.log_path, "wb")
        profile = os.environ.get("EKINERJA_PORTAL_PROFILE")  # a cProfile output path, for bench investigations
        command = [sys.executable, *(["-m", "cProfile", "-o", profile] if profile else []), "-m", "portal", "run"]
        self.process = subprocess.Popen(command, env=self.env, cwd=REPO,
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


