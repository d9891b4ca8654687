"""Every recorded event is checked against its definition in one place per writer (the outbox's `record_event`, the
fake unit of work), and a consumer's `data_problem` refuses what it cannot read (docs/events.md, "Payloads")."""
import pytest
from probe_events import ProbeHappened

from ekinerja_events import InvalidEventData
from ekinerja_platform import outbox
from ekinerja_platform.envelope import Event
from ekinerja_platform.events import data_problem
from ekinerja_platform.testing_uow import FakeUnitOfWork

pytestmark = pytest.mark.unit


class Session:
    """Records what `record_event` would execute (no database)."""

    def __init__(self):
        self.statements = []

    def execute(self, statement):
        self.statements.append(statement)


BAD = [Event("probe_happened", "probe", {"text": 7}), Event("probe_happened", "probe", {"text": "x", "extra": 1}),
       Event("probe_happened", "probe", {"text": "x"}, schema_version=2), Event("thing_done", "probe", {})]


@pytest.mark.parametrize("event", BAD, ids=["wrong type", "unknown key", "unknown version", "unknown type"])
def test_the_outbox_writer_refuses_an_event_unlike_its_definition(event):
    session = Session()
    with pytest.raises(InvalidEventData, match=f"event probe.{event.event_type} v{event.schema_version}: "):
        outbox.record_event(session, event)
    assert session.statements == []
    outbox.record_event(session, Event.of(ProbeHappened(text="x")))
    assert len(session.statements) == 1


@pytest.mark.parametrize("event", BAD, ids=["wrong type", "unknown key", "unknown version", "unknown type"])
def test_the_fake_unit_of_work_refuses_it_too_so_use_case_tests_catch_it(event):
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidEventData):
        with uow:
            uow.record(event)
    assert uow.events == [] and uow.rolled_back


def test_event_of_a_payload_carries_its_type_producer_and_version():
    event = Event.of(ProbeHappened(text="x"), nip="198001012006041001", instansi_id="i-1")
    assert (event.event_type, event.producer, event.schema_version, event.data, event.nip, event.instansi_id) == \
        ("probe_happened", "probe", 1, {"text": "x"}, "198001012006041001", "i-1")


def test_a_consumer_refuses_a_version_it_does_not_claim_and_data_unlike_the_definition():
    envelope = Event.of(ProbeHappened(text="x")).envelope()
    assert data_problem(envelope, (1,)) is None
    assert data_problem({**envelope, "data": {"text": "x", "newer": True}}, (1,)) is None  # extra keys: ignored
    assert data_problem({**envelope, "schema_version": 2}, (1,)) == \
        "schema_version 2 is not one the consumer accepts (1,)"
    assert "no definition of probe.probe_happened version 2" in data_problem({**envelope, "schema_version": 2},
                                                                             (1, 2))
    assert data_problem({**envelope, "schema_version": "1"}, (1,)).startswith("schema_version '1'")
    assert data_problem({**envelope, "data": {}}, (1,)) == "data.text: is required"
