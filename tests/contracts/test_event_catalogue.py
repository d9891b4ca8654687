"""The event catalogue (ekinerja_platform.topology) and the services' code agree.

A consumer listed in the catalogue without a handler would fill its queue forever; a handler not in the catalogue
would never be declared by the producer (events published before it started would be lost): both fail here.
Every event a producer's catalogue lists is also documented in docs/events.md.
"""
import importlib
import inspect

import pytest

from ekinerja_platform import topology
from ekinerja_platform.events import EventSubscriber, PartitionSubscriber
from ekinerja_platform.testing import REPO_ROOT

pytestmark = pytest.mark.unit
SERVICES = {"identity": "IdentityService", "skp": "SkpService", "des": "DesService", "recap": "RecapService",
            "snowman": "SnowmanService"}


def service_module(service: str):
    """The module of the nameko service class (`<svc>/service.py`, ../shared/DESIGN.md section 4)."""
    return importlib.import_module(f"{service}.service")


def subscriptions_in_code() -> set[tuple[str, str, str]]:
    found = set()
    for service, class_name in SERVICES.items():
        cls = getattr(service_module(service), class_name)
        assert cls.name == service
        for _, member in inspect.getmembers(cls, inspect.isfunction):
            for entrypoint in getattr(member, "nameko_entrypoints", ()):
                if isinstance(entrypoint, PartitionSubscriber):  # every event of the producer it subscribes to
                    assert topology.partitions(service, entrypoint.source_service), (service, "partitions")
                    found |= {(service, entrypoint.source_service, event_type) for event_type
                              in topology.partitioned_event_types(service, entrypoint.source_service)}
                elif isinstance(entrypoint, EventSubscriber):
                    found.add((service, entrypoint.source_service, entrypoint.event_type))
    from sms.entrypoints.worker import QUEUE  # the SMS bridge is a plain process with one kombu consumer
    found.add(QUEUE)
    return found


def subscriptions_in_catalogue() -> set[tuple[str, str, str]]:
    return {(consumer, producer, event_type)
            for producer, events in topology.SUBSCRIPTIONS.items() if producer in SERVICES
            for event_type, consumers in events.items() for consumer in consumers}


def test_every_catalogued_consumer_has_a_handler_and_every_handler_is_catalogued():
    code, catalogue = subscriptions_in_code(), subscriptions_in_catalogue()
    assert catalogue - code == set(), "catalogued but no handler"
    assert code - catalogue == set(), "handled but not catalogued"


def test_every_event_of_the_catalogue_is_documented():
    documented = (REPO_ROOT / "docs" / "events.md").read_text()
    for producer, events in topology.SUBSCRIPTIONS.items():
        if producer in SERVICES:
            for event_type in events:
                assert f"`{event_type}`" in documented, event_type
