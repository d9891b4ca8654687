"""The bridge's consumer of identity's `phone_verification_requested` (entrypoints/worker.py): the code is texted
for an envelope of a version it reads (`VERSIONS`) whose data fits the definition; anything else is rejected (the
queue dead-letters it) and nothing is texted."""
import pytest
from sms_fakes import make_bridge

from ekinerja_events.identity import PhoneVerificationRequested
from ekinerja_platform.envelope import Event
from sms.entrypoints.worker import Worker

pytestmark = pytest.mark.unit
IDENTITY = "ekinerja-identity"
GURU = "+6281200000001"


class Message:
    def __init__(self, user_id=IDENTITY):
        self.properties = {"user_id": user_id}
        self.outcome = None

    def ack(self):
        self.outcome = "ack"

    def reject(self, requeue):
        self.outcome = "requeued" if requeue else "rejected"


def envelope(**changes):
    payload = PhoneVerificationRequested.from_data({"phone": GURU, "code": "123456",
                                                    "expires_at": "2026-12-07T02:15:00+00:00",
                                                    "registration_id": "r-1"})
    return {**Event.of(payload, nip="198001012006041001").envelope(), **changes}


def deliver(body, message=None):
    worker = Worker(settings=None, bridge=make_bridge())
    message = message or Message()
    worker.on_verification(body, message, IDENTITY)
    return message.outcome, worker.bridge.gammu.texts_to(GURU)


def test_a_conforming_event_is_texted_and_acked():
    outcome, texts = deliver(envelope())
    assert outcome == "ack" and len(texts) == 1 and "DAFTAR 123456" in texts[0]


@pytest.mark.parametrize("body", [
    envelope(schema_version=2),                                              # a version the bridge does not read
    envelope(data={"phone": GURU, "code": 123456, "expires_at": "2026-12-07T02:15:00+00:00",
                   "registration_id": "r-1"}),                               # code is no string
    envelope(data={"phone": GURU, "code": "123456"}),                        # fields missing
    envelope(producer="skp"),                                                # not identity's envelope
], ids=["version 2", "wrong type", "missing fields", "not identity's"])
def test_anything_else_is_rejected_and_nothing_is_texted(body):
    assert deliver(body) == ("rejected", [])


def test_an_event_from_another_broker_user_is_rejected():
    assert deliver(envelope(), Message(user_id="ekinerja-skp")) == ("rejected", [])
