"""Gammu's `dummy` phone driver as a stand-in modem: a folder tree (`sms/1` … `sms/5`) that gammu-smsd reads as the
phone's memory. An incoming SMS is put there by Gammu's own tool (`gammu addsms`, from an SMS backup file), so the
daemon reads it exactly as it reads a modem's message; used by the tests and by `make run` (devstack, devphone).

The dummy driver accepts sent messages without writing them anywhere: what Gammu transmitted is in its `sentitems`
table.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

INBOX_FOLDER = 1  # the dummy phone's "Inbox, SIM memory"


def backup_file(sender: str, text: str, when: dt.datetime | None = None, smsc: str = "+62816124") -> str:
    """One received SMS in Gammu's SMS backup format (what `gammu backupsms` writes)."""
    when = (when or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    unicode = any(ord(ch) > 127 for ch in text)
    return "\n".join([
        "[SMSBackup000]",
        "PDU = Deliver",
        f"DateTime = {stamp}",
        f"SMSCDateTime = {stamp}",
        "State = UnRead",
        f'Number = "{sender}"',
        f'SMSC = "{smsc}"',
        f"Coding = {'Unicode_No_Compression' if unicode else 'Default_No_Compression'}",
        f"Folder = {INBOX_FOLDER}",
        "Class = -1",
        f"Text00 = {text.encode('utf-16-be').hex().upper()}",
        f"Length = {len(text)}",
        "",
    ])


def gammurc(dummy_dir: Path) -> str:
    return f"[gammu]\nmodel = dummy\nconnection = none\ndevice = {dummy_dir}\n"


def prepare(root: Path) -> Path:
    """The dummy phone's folders under `root`; returns the device folder."""
    device = root / "dummy"
    for folder in range(1, 6):
        (device / "sms" / str(folder)).mkdir(parents=True, exist_ok=True)
    (root / "gammurc").write_text(gammurc(device))
    return device


def deliver(root: Path, sender: str, text: str, when: dt.datetime | None = None) -> None:
    """Put an incoming SMS into the dummy phone with `gammu addsms` (Gammu's tool writes the phone's file)."""
    with tempfile.NamedTemporaryFile("w", suffix=".smsbackup", delete=False) as f:
        f.write(backup_file(sender, text, when))
        path = f.name
    try:
        subprocess.run(["gammu", "-c", str(root / "gammurc"), "addsms", str(INBOX_FOLDER), path, "-yes"],
                       check=True, capture_output=True, timeout=30)
    finally:
        os.unlink(path)


def smsdrc(root: Path, device: Path, db: dict) -> str:
    return "\n".join([
        gammurc(device).strip(),
        "",
        "[smsd]",
        "service = sql",
        "driver = native_pgsql",
        f"host = {db['host']}:{db['port']}" if db.get("port") else f"host = {db['host']}",
        f"user = {db['user']}",
        f"password = {db.get('password') or ''}",
        f"database = {db['database']}",
        f"logfile = {root / 'smsd.log'}",
        "debuglevel = 1",
        "PhoneID = dummy",
        "ReceiveFrequency = 1",
        "StatusFrequency = 5",
        "CommTimeout = 1",
        "LoopSleep = 1",
        "CheckSecurity = 0",
        "",
    ])


@dataclass
class Smsd:
    """A gammu-smsd process on the dummy phone in `root`, writing to the PostgreSQL database `db`."""
    root: Path
    db: dict
    process: subprocess.Popen | None = None

    def start(self) -> "Smsd":
        if shutil.which("gammu-smsd") is None:
            raise RuntimeError("gammu-smsd is not installed: run `bash scripts/system-deps.sh`")
        device = prepare(self.root)
        config = self.root / "smsdrc"
        config.write_text(smsdrc(self.root, device, self.db))
        self.process = subprocess.Popen(["gammu-smsd", "-c", str(config), "-p", str(self.root / "smsd.pid")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        return self

    def log(self) -> str:
        path = self.root / "smsd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        (self.root / "smsd.pid").unlink(missing_ok=True)

    def wait_started(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "Starting phone communication" in self.log():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"gammu-smsd exited: {self.log()[-2000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"gammu-smsd did not start: {self.log()[-2000:]}")


def db_params(url: str) -> dict:
    from sqlalchemy.engine import make_url
    u = make_url(url)
    return {"host": u.host or "127.0.0.1", "port": u.port, "user": u.username or "postgres",
            "password": u.password or "", "database": u.database}
