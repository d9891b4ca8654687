"""Issue 15.7: a forged `skp_approved` (not published by skp's broker user) is dead-lettered by des with its
reason and changes nothing: the employee's penilai stays the one skp approved. Without the consumer's check the
forged version 2 made the attacker the penilai (checked by publishing it as the test's admin user)."""
import json
import uuid

import pytest
from kombu import Connection

from ekinerja_platform import testing
from ekinerja_platform.outbox import Event
from ekinerja_platform.testing import wait_for

pytestmark = pytest.mark.integration


def _dead_letters(amqp_uri, queue):
    out = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        while (message := channel.basic_get(queue=f"{queue}.dlq", no_ack=True)) is not None:
            headers = message.properties.get("application_headers") or {}
            out.append((headers.get("x-ekinerja-reason"), json.loads(message.body)))
    return out


def test_forged_skp_approved_is_dead_lettered_and_the_penilai_is_unchanged(world, stub, pb, amqp_uri):
    m = pb[0]
    instansi = f"i-{uuid.uuid4().hex[:6]}"
    nip, penilai, attacker = world.new_nip(), world.new_nip(), world.new_nip()
    skp_id, kegiatan = world.approve_skp(nip, penilai, instansi=instansi)  # skp's own user: applied
    forged = Event("skp_approved", "skp", {
        "skp_id": skp_id, "nip": nip, "instansi_id": instansi, "unit_id": "u-1", "jabatan_id": "j-1",
        "period_start": f"{world.today().year}-01-01", "period_end": f"{world.today().year}-12-31",
        "penilai_nip": attacker, "atasan_penilai_nip": None, "kegiatan": kegiatan, "version": 2},
        nip=nip, instansi_id=instansi).envelope()
    # published on skp's exchange by a user that is not skp's (the test's admin user may write anywhere; a
    # service's own user is refused by the broker outright: ekinerja_platform/tests/test_broker_users.py)
    with Connection(amqp_uri) as conn:
        conn.Producer(serializer="json").publish(forged, exchange="skp.events", routing_key="skp_approved",
                                                 message_id=forged["event_id"], delivery_mode=2, user_id=conn.userid)
    got = []
    assert wait_for(lambda: got.extend(_dead_letters(amqp_uri, "des.skp.skp_approved")) or
                    any(body["event_id"] == forged["event_id"] for _, body in got), timeout=20), got
    assert [reason for reason, body in got if body["event_id"] == forged["event_id"]] == ["forged_producer"]
    report = stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id=f"{skp_id}-k1", uraian="menyusun konsep", kuantitas="1", menit=30)),
        metadata=world.token(nip, instansi=instansi), timeout=10)
    assert report.penilai_nip == penilai, "the forged event changed the penilai"
    queue = stub.ReviewQueue(m.ReviewQueueRequest(), metadata=world.token(attacker, instansi=instansi), timeout=5)
    assert not queue.activities
    assert testing.broker_user_uri(amqp_uri, "skp") != amqp_uri
