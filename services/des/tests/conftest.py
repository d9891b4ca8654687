"""des test fixtures: a migrated database, the des service as a real process, and helpers that play skp's part by
publishing `skp_approved` events (des learns SKP documents only from events; skp need not run).

Use-case unit tests (tests/unit/test_use_cases.py) run on the in-memory unit of work of `des_fakes.py`, importable
by absolute name from here."""
import datetime as dt
import itertools
import random
import sys
import time
import uuid
import zoneinfo
from pathlib import Path

import grpc
import pytest

from ekinerja_events import base as payload_base
from ekinerja_events import check as check_payload
from ekinerja_events import definition
from ekinerja_platform import testing
from ekinerja_platform.outbox import Event

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def cfg(frozen_clock, request):
    """des's configuration, the clock frozen at the test module's `NOW` (the use-case tests on the fakes)."""
    from des.application.config import DesConfig
    frozen_clock(request.module.NOW)
    return DesConfig()


def today() -> dt.date:
    """The service's calendar day (its default timezone is Asia/Jakarta, not the test machine's)."""
    return dt.datetime.now(zoneinfo.ZoneInfo("Asia/Jakarta")).date()


_seq = itertools.count(random.randint(0, 5000))


def new_nip() -> str:
    """A valid, unique 18-digit NIP: birth date + TMT CPNS month + gender + sequence."""
    born = dt.date(1970, 1, 1) + dt.timedelta(days=next(_seq))
    return f"{born:%Y%m%d}200501{random.choice('12')}{random.randint(1, 999):03d}"


def unsent_fields(record, data, path="data") -> list[str]:
    """The fields of `record`'s definition missing from `data`, nested records included: the producers send every
    key (but an `absent_if_none` one), so a fixture that leaves one out tests a message nobody sends."""
    import dataclasses
    import typing
    hints = typing.get_type_hints(record)
    missing = []
    for f in dataclasses.fields(record):
        if f.name not in data:
            if not f.metadata.get("ekinerja_events.absent_if_none"):
                missing.append(f"{path}.{f.name}")
            continue
        inner = [a for a in typing.get_args(hints[f.name]) or (hints[f.name],) if a is not type(None)]
        inner = [a for t in inner for a in (typing.get_args(t) or (t,))]
        nested = next((a for a in inner if isinstance(a, type) and issubclass(a, payload_base.Record)), None)
        value = data[f.name]
        if nested is not None and isinstance(value, list):
            for i, item in enumerate(value):
                missing += unsent_fields(nested, item, f"{path}.{f.name}[{i}]")
        elif nested is not None and value is not None:
            missing += unsent_fields(nested, value, f"{path}.{f.name}")
    return missing


@pytest.fixture(autouse=True)
def events_as_producers_send_them(monkeypatch):
    """Every event des's tests publish fits its definition strictly and carries every field the producer sends
    (issue 17 item 7: the fixtures send no less than skp and identity do)."""
    publish = testing.publish_events

    def checked(amqp_uri, envelopes):
        for e in envelopes:
            check_payload(e["producer"], e["event_type"], e["schema_version"], e["data"], strict=True)
            missing = unsent_fields(definition(e["producer"], e["event_type"], e["schema_version"]), e["data"])
            assert not missing, f"{e['producer']}.{e['event_type']}: the producer also sends {missing}"
        publish(amqp_uri, envelopes)

    monkeypatch.setattr(testing, "publish_events", checked)
    monkeypatch.setattr(testing, "publish_event", lambda amqp_uri, envelope: checked(amqp_uri, [envelope]))


@pytest.fixture(scope="session")
def des_db():
    url = testing.migrated_database("des")
    yield url
    testing.drop_database(url)


@pytest.fixture(scope="session")
def des_service(des_db, amqp_uri, test_keys):
    process = testing.ServiceProcess("des", testing.service_env(des_db, amqp_uri, test_keys.jwks_url,
                                                                EKINERJA_MAX_REQUEST_BYTES=8 * 1024 * 1024,
                                                                EKINERJA_DES_BACKLOG_INTERVAL_SECONDS=1))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def pb():
    from ekinerja.des.v1 import des_pb2, des_pb2_grpc
    return des_pb2, des_pb2_grpc


@pytest.fixture(scope="session")
def channel(des_service):
    ch = grpc.insecure_channel(des_service.target, options=[("grpc.max_send_message_length", 64 << 20),
                                                            ("grpc.max_receive_message_length", 64 << 20)])
    yield ch
    ch.close()


@pytest.fixture(scope="session")
def stub(channel, pb):
    return pb[1].DesServiceStub(channel)


class World:
    """Publishes SKP documents for fresh employees and mints their tokens."""

    def __init__(self, amqp_uri, test_keys, stub, pb):
        self.amqp_uri, self.keys, self.stub, self.pb = amqp_uri, test_keys, stub, pb

    new_nip = staticmethod(new_nip)
    today = staticmethod(today)

    def token(self, nip, roles=("pegawai",), instansi="i-test", **claims):
        return testing.bearer(self.keys.token(subject=nip, roles=list(roles), instansi=instansi, **claims))

    def approve_skp(self, nip, penilai, instansi="i-test", kegiatan=None, start=None, end=None, version=1,
                    skp_id=None, wait=True):
        today = self.today()
        start = start or dt.date(today.year, 1, 1)
        end = end or dt.date(today.year, 12, 31)
        skp_id = skp_id or f"skp-{uuid.uuid4().hex[:8]}"
        kegiatan = kegiatan or [
            {"kegiatan_id": f"{skp_id}-k1", "nomor": 1, "nama": "Menyusun konsep surat", "satuan": "konsep",
             "kuantitas": "24"},
            {"kegiatan_id": f"{skp_id}-k2", "nomor": 2, "nama": "Menyusun laporan keuangan", "satuan": "laporan",
             "kuantitas": "100"},
            {"kegiatan_id": f"{skp_id}-k3", "nomor": 3, "nama": "Rapat koordinasi", "satuan": "kali",
             "kuantitas": "7.5"},
        ]
        for k in kegiatan:
            k.setdefault("kualitas", "100")
            k.setdefault("waktu", "12")
            k.setdefault("biaya", "0")
        data = {"skp_id": skp_id, "nip": nip, "instansi_id": instansi, "unit_id": "u-1", "jabatan_id": "j-1",
                "period_start": start.isoformat(), "period_end": end.isoformat(), "penilai_nip": penilai,
                "atasan_penilai_nip": None, "kegiatan": kegiatan, "version": version}
        testing.publish_event(self.amqp_uri, Event("skp_approved", "skp", data, nip=nip,
                                                   instansi_id=instansi).envelope())
        if wait:
            self.wait_targets(nip, skp_id, instansi, version_kuantitas=kegiatan[0]["kuantitas"])
        return skp_id, kegiatan

    def wait_targets(self, nip, skp_id, instansi, version_kuantitas=None, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                resp = self.stub.GetMonthlyTargets(self.pb[0].GetMonthlyTargetsRequest(skp_id=skp_id),
                                                   metadata=self.token(nip, instansi=instansi), timeout=5)
                if resp.targets:
                    return resp
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.NOT_FOUND:
                    raise
            time.sleep(0.1)
        raise AssertionError("des did not learn the SKP document in time")


@pytest.fixture(scope="session")
def world(amqp_uri, test_keys, stub, pb, des_service):
    w = World(amqp_uri, test_keys, stub, pb)
    w.target = des_service.target
    return w
