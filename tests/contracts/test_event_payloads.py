"""Every event's payload is defined once (libs/ekinerja_events, issue 17 item 7) and everything agrees with it.

- the JSON Schema files under docs/events/schemas are the ones `python -m ekinerja_events.schema` generates;
- the catalogue (ekinerja_platform.topology.SUBSCRIPTIONS) and the definitions name the same events (the test-only
  `probe` producer's payload is defined beside the probe, libs/ekinerja_platform/tests/probe);
- each definition's `example()` fits its own definition strictly (as the outbox writer checks it), round-trips, and
  validates against its generated JSON Schema (jsonschema, a test requirement);
- every consumer accepts every schema version it claims (the example of that version, in an envelope, passes the
  subscriber's own check) and refuses a version it does not claim (dead-lettered as `invalid_data`).
Checked failing by editing a schema file, by removing `skp_scored` from the definitions, by a consumer claiming
`versions=(1, 2)` of an event with no version 2, and by `data_problem` ignoring the schema version.
"""
from __future__ import annotations

import importlib
import json

import jsonschema
import pytest

import ekinerja_events
from ekinerja_events import schema
from ekinerja_platform import topology
from ekinerja_platform.envelope import Event, check_event
from ekinerja_platform.events import EventSubscriber, PartitionSubscriber, data_problem
from ekinerja_platform.testing import REPO_ROOT

pytestmark = pytest.mark.unit
TEST_ONLY = {"probe"}  # the platform's test producer: its payload is defined beside it, never shipped
SERVICES = {"identity": "IdentityService", "skp": "SkpService", "des": "DesService", "recap": "RecapService",
            "snowman": "SnowmanService"}


def test_the_committed_schema_files_are_the_generated_ones():
    folder = REPO_ROOT / schema.FOLDER
    committed = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.json")}
    generated = schema.generated()
    assert sorted(committed) == sorted(generated), "run `python -m ekinerja_events.schema` and commit the files"
    stale = [name for name, text in generated.items() if committed[name] != text]
    assert not stale, f"{stale} differ from the definitions: run `python -m ekinerja_events.schema`"


def test_the_catalogue_and_the_definitions_name_the_same_events():
    catalogued = {(producer, event_type) for producer, events in topology.SUBSCRIPTIONS.items()
                  if producer not in TEST_ONLY for event_type in events}
    defined = {(producer, event_type) for producer, event_type, _ in ekinerja_events.REGISTRY
               if producer not in TEST_ONLY}
    assert catalogued - defined == set(), "catalogued without a payload definition (libs/ekinerja_events)"
    assert defined - catalogued == set(), "defined but not in the catalogue (ekinerja_platform.topology)"
    assert all((p, t, 1) in ekinerja_events.REGISTRY for p, t in catalogued), "every event has a version 1"


@pytest.mark.parametrize("key", sorted(k for k in ekinerja_events.REGISTRY if k[0] not in TEST_ONLY),
                         ids=lambda k: f"{k[0]}.{k[1]}.v{k[2]}")
def test_each_example_fits_its_definition_round_trips_and_matches_its_schema(key):
    definition = ekinerja_events.REGISTRY[key]
    example = definition.example()
    data = example.to_data()
    assert json.loads(json.dumps(data)) == data, "to_data() gives JSON values only"
    assert definition.from_data(data, strict=True) == example
    check_event(Event.of(example))
    jsonschema.Draft202012Validator(schema.schema_of(definition)).validate(data)


def consumers() -> list[tuple[str, str, str, tuple[int, ...]]]:
    """(consumer, producer, event_type, versions it claims) for every consumer in the code."""
    found = []
    for service, class_name in SERVICES.items():
        cls = getattr(importlib.import_module(f"{service}.service"), class_name)
        for entrypoint in {e for member in vars(cls).values() for e in getattr(member, "nameko_entrypoints", ())}:
            if isinstance(entrypoint, PartitionSubscriber):
                found += [(service, entrypoint.source_service, event_type, entrypoint.versions) for event_type
                          in topology.partitioned_event_types(service, entrypoint.source_service)]
            elif isinstance(entrypoint, EventSubscriber):
                found.append((service, entrypoint.source_service, entrypoint.event_type, entrypoint.versions))
    from sms.entrypoints.worker import QUEUE, VERSIONS  # the SMS bridge: a plain process with one kombu consumer
    found.append((*QUEUE, VERSIONS))
    return sorted(found)


def test_the_consumers_are_found():
    assert len(consumers()) == sum(len(c) for events in topology.SUBSCRIPTIONS.values() for c in events.values()) - 1
    # (the probe's own consumer lives in the platform's tests)


@pytest.mark.parametrize(("consumer", "producer", "event_type", "versions"), consumers(),
                         ids=lambda v: v if isinstance(v, str) else "v" + ",".join(map(str, v)))
def test_every_consumer_accepts_every_version_it_claims_and_refuses_another(consumer, producer, event_type, versions):
    assert versions, f"{consumer} claims no version of {producer}.{event_type}"
    for version in versions:
        definition = ekinerja_events.definition(producer, event_type, version)
        envelope = Event.of(definition.example(), nip="198001012006041001", instansi_id="kemenpan").envelope()
        assert data_problem(envelope, versions) is None, (consumer, version)
    unclaimed = Event.of(ekinerja_events.definition(producer, event_type, versions[0]).example()).envelope()
    unclaimed["schema_version"] = max(versions) + 1
    assert "schema_version" in (data_problem(unclaimed, versions) or ""), "an unclaimed version must be refused"
