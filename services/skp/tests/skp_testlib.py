"""Helpers of the skp integration tests: publishing identity and des events, reading skp events, tokens."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
import uuid

from kombu import Connection

from ekinerja_platform import testing
from ekinerja_platform.outbox import Event
from ekinerja_platform.testing import wait_for  # noqa: F401 - the suite's tests import it from here


class EventLog:
    def __init__(self, amqp_uri, queues):
        self.amqp_uri = amqp_uri
        self.queues = queues
        self.seen: list[dict] = []

    def drain(self) -> None:
        with Connection(self.amqp_uri) as conn:
            channel = conn.default_channel
            for queue in self.queues.values():
                while True:
                    message = channel.basic_get(queue.name, no_ack=True)
                    if message is None:
                        break
                    self.seen.append(json.loads(message.body))

    def matching(self, event_type: str, skp_id: str) -> list[dict]:
        self.drain()
        return [e for e in self.seen if e["event_type"] == event_type and e["data"]["skp_id"] == skp_id]

    def wait(self, event_type: str, skp_id: str, count: int = 1, timeout: float = 15.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.matching(event_type, skp_id)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        return self.matching(event_type, skp_id)


REVIEWER = "197001011995031003"  # des always names who reviewed
_counter = iter(range(1, 10_000))


def new_nip(gender: str = "1") -> str:
    """A valid-looking 18-digit NIP, unique within the test session."""
    return f"19850101201001{gender}{next(_counter):03d}"


class World:
    """Publishes identity and des events for the tests and mints tokens."""

    def __init__(self, amqp_uri, test_keys, instansi="inst-1"):
        self.amqp_uri = amqp_uri
        self.keys = test_keys
        self.instansi = instansi
        self.versions: dict[str, int] = {}

    def token(self, nip=None, roles=("pegawai",), instansi=None, **claims):
        subject = nip or f"user-{uuid.uuid4().hex[:6]}"
        return testing.bearer(self.keys.token(subject=subject, roles=list(roles),
                                              instansi=instansi or self.instansi, **claims))

    def publish(self, producer, event_type, data, nip=None, event_id=None):
        event = Event(event_type, producer, data, nip=nip, instansi_id=self.instansi)
        envelope = event.envelope()
        if event_id:
            envelope["event_id"] = event_id
        testing.publish_event(self.amqp_uri, envelope)
        return envelope

    def assign(self, nip, jabatan_id, start, *, kind="pelaksana", job_group="umum", penilai=None, atasan=None,
               assignment_id=None, end=None, old=None, nama="Jabatan uji", effective=None, acting=False,
               heads=None):
        assignment_id = assignment_id or f"asg-{uuid.uuid4().hex[:8]}"
        version = self.versions.get(assignment_id, 0) + 1
        self.versions[assignment_id] = version
        new = None if jabatan_id is None else {
            "jabatan_id": jabatan_id, "jabatan_nama": nama, "unit_id": "unit-1", "unit_nama": "Bagian Umum",
            "kind": kind, "job_group": job_group, "start": start, "end": end}
        self.publish("identity", "assignment_changed", {
            "assignment_id": assignment_id, "nip": nip, "instansi_id": self.instansi, "acting": acting,
            "effective_date": effective or start, "old": old, "new": new, "penilai_nip": penilai,
            "atasan_penilai_nip": atasan, "heads": heads or [h for h in (penilai, atasan) if h],
            "version": version}, nip=nip)
        return assignment_id

    def position(self, jabatan_id, nama, *, kind="pelaksana", job_group="umum", jenis=None, version=1,
                 instansi=None):
        """identity's position_changed for one position (``jenis`` = its jenis_jabatan)."""
        self.publish("identity", "position_changed", {
            "jabatan_id": jabatan_id, "instansi_id": instansi or self.instansi, "unit_id": "unit-1",
            "unit_nama": "Bagian Umum", "nama": nama, "kind": kind, "job_group": job_group, "parent_id": None,
            "eselon": None, "jenjang": None, "jenis_jabatan": jenis, "version": version})

    def reviewed(self, nip, skp_id, kegiatan_id, kuantitas, *, proses=False, activity_id=None, version=1,
                 tanggal="2024-03-04", jenis="skp", event_id=None):
        activity_id = activity_id or f"act-{uuid.uuid4().hex[:8]}"
        self.publish("des", "activity_reviewed", {
            "activity_id": activity_id, "nip": nip, "instansi_id": self.instansi, "unit_id": "unit-1",
            "tanggal": tanggal, "skp_id": skp_id, "kegiatan_id": kegiatan_id, "jenis": jenis,
            "kuantitas_diakui": str(kuantitas), "menit": 60, "proses": proses, "reviewer_nip": REVIEWER,
            "submitted_at": "2024-03-04T10:00:00+07:00", "reviewed_at": "2024-03-04T15:00:00+07:00",
            "version": version}, nip=nip, event_id=event_id)
        return activity_id

    def quality(self, nip, skp_id, kegiatan_id, bulan, kualitas, tahun=2024):
        self.publish("des", "monthly_quality_set", {
            "skp_id": skp_id, "nip": nip, "instansi_id": self.instansi, "kegiatan_id": kegiatan_id,
            "tahun": tahun, "bulan": bulan, "kualitas": str(kualitas)}, nip=nip)


def far_future() -> float:
    return (dt.datetime.now() + dt.timedelta(days=365)).timestamp()


# The authorisation matrix (caller kind -> RPCs it may call on a document), shared by the unit and gRPC tests.
READERS = {"owner", "penilai", "atasan", "head", "admin_instansi"}
EXPECTED = {
    "GetSkp": READERS, "ListSkp": READERS, "ScoreSkp": READERS, "ExportSkp": READERS, "ListAudit": READERS,
    "UpdateTargets": {"owner"}, "SubmitSkp": {"owner"}, "EscalateSkp": {"owner"},
    "ApproveSkp": {"penilai", "atasan"}, "ReturnSkp": {"penilai", "atasan"},
    "SetRealisasi": {"owner"}, "AddTugasTambahan": {"owner", "penilai"},
    "SetKreativitas": {"penilai"}, "SetPerilaku": {"penilai"}, "IssueResult": {"penilai"},
    "AcceptResult": {"owner"}, "FileKeberatan": {"owner"}, "DecideKeberatan": {"atasan"},
    "AdoptSkpAsTemplate": {"penilai"},
    # PermenPANRB 6/2022 plan and periodic evaluation
    "GetRencanaKinerja": READERS, "ListEvaluasi": READERS, "ListRhkAtasan": {"owner", "penilai"},
    "ExportEvaluasi": READERS, "GetSiasnExport": {"owner", "penilai", "admin_instansi"},
    "UpdateRencanaKinerja": {"owner"}, "SubmitRencanaKinerja": {"owner"}, "SetRealisasiIki": {"owner"},
    "SetEkspektasiPerilaku": {"penilai"}, "ApproveRencanaKinerja": {"penilai"}, "ReturnRencanaKinerja": {"penilai"},
    "AddUmpanBalik": {"penilai"}, "RateEvaluasi": {"penilai"},
}


class Cli:
    """`ekinerja` run as one user (own config directory with a saved token), as in test_cli.py."""

    def __init__(self, tmp, target: str, token: str):
        import os
        tmp.mkdir()
        self.env = {**os.environ, "EKINERJA_CONFIG_DIR": str(tmp), "EKINERJA_SKP_ENDPOINT": target}
        subprocess.run([str(testing.REPO_ROOT / ".venv" / "bin" / "python"), "-c",
                        "import json, sys; from ekinerja_cli.config import save_credentials; "
                        "save_credentials(json.loads(sys.argv[1]))",
                        json.dumps({"access_token": token, "access_expires_at": far_future()})],
                       env=self.env, check=True)
        self.cwd = tmp

    def __call__(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(testing.REPO_ROOT / ".venv" / "bin" / "ekinerja"), *args], env=self.env,
                              cwd=self.cwd, capture_output=True, text=True, timeout=60)

    def json(self, *args: str) -> dict:
        done = self("--json", *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def key() -> list[tuple[str, str]]:
    """A fresh idempotency key as call metadata."""
    return [("x-idempotency-key", uuid.uuid4().hex)]


def rpc_error(call):
    """The grpc.RpcError `call()` raises (fails the test when it raises none)."""
    import grpc
    import pytest
    with pytest.raises(grpc.RpcError) as error:
        call()
    return error.value
