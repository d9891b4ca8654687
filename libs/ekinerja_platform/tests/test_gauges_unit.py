"""Timer-refreshed gauges: a refresh shows exactly the figures of its query (a label set no longer reported goes)."""
from prometheus_client import CollectorRegistry, Gauge

from ekinerja_platform.gauges import publish


def test_publish_sets_the_figures_and_drops_what_is_gone():
    registry = CollectorRegistry()
    gauge = Gauge("test_backlog", "t", ["instansi"], registry=registry)
    shown = publish(gauge, {("a",): 3, ("b",): 5}, set())
    assert registry.get_sample_value("test_backlog", {"instansi": "a"}) == 3
    shown = publish(gauge, {("b",): 1}, shown)
    assert registry.get_sample_value("test_backlog", {"instansi": "a"}) is None
    assert registry.get_sample_value("test_backlog", {"instansi": "b"}) == 1
    assert shown == {("b",)}
