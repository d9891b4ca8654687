"""A supervisor change in identity reaches skp and des.

R holds the Kepala Subbagian position, the penilai of S. S's SKP is agreed with R and S has entries waiting in R's
review queue. Then, through identity's API, R moves to another position and R2 becomes the new holder of the
Kepala Subbagian position. S's own assignment does not change, yet S's penilai does: identity must say so
(`assignment_changed` for S with the new `penilai_nip`), skp must record R2 on S's document, and des must put S's
waiting entries in R2's review queue. identity's events are observed on the broker through a test queue bound to
`identity.events` (read only; nothing is published by the test).
"""
from __future__ import annotations

import json
import uuid

import grpc
import pytest
from e2e_lib import des_today, eventually, rpc_error
from kombu import Connection, Queue

from ekinerja_platform import topology

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


class World:
    pass


class IdentityEvents:
    """A test queue bound to identity's exchange: every `assignment_changed` identity publishes from now on."""

    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri
        self.queue = Queue(f"e2e-observer-{uuid.uuid4().hex[:8]}", exchange=topology.event_exchange("identity"),
                           routing_key="assignment_changed", durable=False, auto_delete=False)
        with Connection(amqp_uri) as conn:
            topology.declare(conn.default_channel, [self.queue])
        self.seen: list[dict] = []

    def drain(self) -> list[dict]:
        with Connection(self.amqp_uri) as conn:
            while (message := conn.default_channel.basic_get(self.queue.name, no_ack=True)) is not None:
                self.seen.append(json.loads(message.body))
        return self.seen

    def delete(self) -> None:
        with Connection(self.amqp_uri) as conn:
            self.queue(conn.default_channel).delete()


@pytest.fixture(scope="module")
def world(identity, skp, des, stack):
    w = World()
    # today, whatever the date: S's SKP is this year's and S reports today (des takes today's entries always)
    w.today = des_today()
    w.bulan = w.today.strftime("%Y-%m")
    year_start = w.today.replace(month=1, day=1)
    inst = w.inst = "E2E-SUP-" + uuid.uuid4().hex[:6].upper()
    identity.instansi(inst, "Pemerintah Kabupaten Uji Atasan")
    identity.unit(inst, f"{inst}.SET", "Sekretariat")
    identity.unit(inst, f"{inst}.TU", "Subbagian Tata Usaha", f"{inst}.SET")
    identity.jabatan(inst, f"{inst}.SEKDA", f"{inst}.SET", "Sekretaris Daerah", "struktural_jpt", "umum",
                     eselon="II.a")
    identity.jabatan(inst, f"{inst}.KASUBAG", f"{inst}.TU", "Kepala Subbagian Tata Usaha", "struktural_pengawas",
                     "umum", f"{inst}.SEKDA", eselon="IV.a")
    identity.jabatan(inst, f"{inst}.ANALIS", f"{inst}.SET", "Analis Kebijakan", "pelaksana", "umum",
                     f"{inst}.SEKDA")
    identity.jabatan(inst, f"{inst}.STAF", f"{inst}.TU", "Pengadministrasi Umum", "pelaksana", "umum",
                     f"{inst}.KASUBAG")
    w.T = identity.pegawai(inst, "Sekda Uji", "IV/c")
    w.R = identity.pegawai(inst, "Rina Kasubag Lama", "III/d", gender=2)
    w.R2 = identity.pegawai(inst, "Rudi Kasubag Baru", "III/d")
    w.S = identity.pegawai(inst, "Sinta Staf", "II/c", gender=2)
    for person, jabatan in ((w.T, "SEKDA"), (w.R, "KASUBAG"), (w.R2, "ANALIS"), (w.S, "STAF")):
        identity.assign(person.nip, f"{inst}.{jabatan}", year_start)
    [draft] = skp.documents(w.S, w.today.year)
    assert draft.penilai_nip == w.R.nip
    w.doc = skp.agree(w.S, w.R, draft, [dict(nama="Mengagendakan surat", satuan="surat", kuantitas="240",
                                             waktu="12")])
    des.wait_for_skp(w.S, w.doc.skp_id)
    kid = w.doc.kegiatan[0].kegiatan_id
    w.waiting = [des.report(w.S, w.today, kid, qty, "Mengagendakan surat masuk").activity_id for qty in ("5", "3")]
    w.events = IdentityEvents(stack.amqp_uri)
    yield w
    w.events.delete()


@pytest.fixture(scope="module")
def changed(world, identity):
    """R moves to another position and R2 takes over R's: from today (the date des reviews on)."""
    day = world.today
    identity.assign(world.R.nip, f"{world.inst}.ANALIS", day)
    identity.assign(world.R2.nip, f"{world.inst}.KASUBAG", day)
    chain = identity.stub.GetSupervisorChain(identity.pb.GetSupervisorChainRequest(nip=world.S.nip,
                                                                                  on=day.isoformat()),
                                             metadata=identity.admin(key=False), timeout=20)
    return day, chain


def _queue(des, person, bulan):
    return {a.activity_id for a in des.stub.ReviewQueue(des.pb.ReviewQueueRequest(bulan=bulan), metadata=person.md(),
                                                        timeout=20).activities}


def test_before_the_change_the_waiting_entries_are_in_the_old_penilais_queue(world, des):
    assert set(world.waiting) <= _queue(des, world.R, world.bulan)
    assert not set(world.waiting) & _queue(des, world.R2, world.bulan)


def test_identity_resolves_the_new_penilai(world, changed):
    _, chain = changed
    assert chain.pejabat_penilai.nip == world.R2.nip and chain.atasan_pejabat_penilai.nip == world.T.nip


def test_identity_tells_the_subordinate_its_new_penilai(world, changed):
    day, _ = changed

    def identity_said_so():
        mine = [e for e in world.events.drain() if e["data"]["nip"] == world.S.nip]
        assert mine, "identity published no assignment_changed for the subordinate"
        assert (mine[-1]["data"]["penilai_nip"], mine[-1]["data"]["effective_date"]) == (world.R2.nip, day.isoformat())
        assert mine[-1]["data"]["new"]["jabatan_id"] == f"{world.inst}.STAF"   # S's own position is unchanged
    eventually(identity_said_so, timeout=20, what="identity tells the subordinate's new penilai")


def test_skp_records_the_new_penilai(world, changed, skp):
    def skp_recorded():
        doc = skp.stub.GetSkp(skp.pb.GetSkpRequest(skp_id=world.doc.skp_id), metadata=world.S.md(),
                              timeout=20).document
        assert (doc.penilai_nip, doc.status) == (world.R2.nip, "approved")
    eventually(skp_recorded, timeout=20, what="skp records the new penilai on the subordinate's SKP")
    # the new penilai may read the document now; the old one may not
    skp.stub.GetSkp(skp.pb.GetSkpRequest(skp_id=world.doc.skp_id), metadata=world.R2.md(), timeout=20)
    error = rpc_error(lambda: skp.stub.GetSkp(skp.pb.GetSkpRequest(skp_id=world.doc.skp_id), metadata=world.R.md(),
                                              timeout=20))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_des_moves_the_waiting_entries_to_the_new_penilais_queue(world, changed, skp, des):
    test_skp_records_the_new_penilai(world, changed, skp)

    def des_moved_the_queue():
        assert set(world.waiting) <= _queue(des, world.R2, world.bulan)
        assert not set(world.waiting) & _queue(des, world.R, world.bulan)
    eventually(des_moved_the_queue, timeout=15, what="des moves the waiting entries to the new penilai's queue")
