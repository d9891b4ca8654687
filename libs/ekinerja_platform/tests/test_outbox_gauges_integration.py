"""The outbox gauges keep telling the truth while the broker is away (issue 20.2): a relay whose rounds all fail
must still report its backlog and the growing age of its oldest event, or EkinerjaOutboxStalled never fires."""
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from ekinerja_platform import testing
from ekinerja_platform.db import platform_metadata
from ekinerja_platform.outbox import Event, record_event
from ekinerja_platform.relay import OutboxRelay
from ekinerja_platform.testing import TcpProxy

pytestmark = pytest.mark.integration

PRODUCER = "gaugeprobe"


@pytest.fixture
def outbox_db():
    url = testing.create_database("test_outbox_gauges")
    engine = sa.create_engine(url)
    platform_metadata.create_all(engine)
    yield engine
    engine.dispose()
    testing.drop_database(url)


def _through(proxy: TcpProxy, amqp_uri: str) -> str:
    parts = urlsplit(amqp_uri)
    credentials = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{credentials}@127.0.0.1:{proxy.port}"))


def _gauge(name: str):
    return REGISTRY.get_sample_value(name, {"service": PRODUCER})


def test_age_gauge_keeps_rising_while_the_broker_is_unreachable(outbox_db, amqp_uri):
    host, _, port = urlsplit(amqp_uri).netloc.rpartition("@")[2].partition(":")
    proxy = TcpProxy((host, int(port or 5672)))
    proxy.start()
    proxy.stop()  # the broker is unreachable for the whole test; the shared broker is not touched
    with outbox_db.begin() as conn:
        record_event(conn, Event("probe_happened", "probe", {"text": "stuck"}))  # a defined event (probe_events)
    relay = OutboxRelay(outbox_db, _through(proxy, amqp_uri), PRODUCER)
    relay.gauge_interval = 0  # read the gauges after every round
    ages, backlogs = [], []

    def sleep(_seconds):  # called once per (failed) round, after the gauges were read
        ages.append(_gauge("ekinerja_outbox_oldest_age_seconds"))
        backlogs.append(_gauge("ekinerja_outbox_backlog"))
        time.sleep(0.05)  # let the clock move between two readings

    relay.run(lambda: len(ages) >= 3, sleep=sleep)
    relay.close()
    assert relay.broker_up is False
    assert backlogs == [1, 1, 1]
    assert None not in ages and ages[0] < ages[1] < ages[2]
