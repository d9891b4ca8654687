"""Issue 15.9, the backlog side: an agency import leaves thousands of events in des's outbox at once. With lanes
(des's default) the relay's next round publishes another employee's event written after them, instead of
publishing the whole import backlog first (without lanes the newest row waits for every older one: the same test
with `lanes=False` leaves it unsent — checked)."""
import json
import uuid

import pytest
import sqlalchemy as sa

from ekinerja_platform import testing
from ekinerja_platform.outbox import BULK_LANE
from ekinerja_platform.relay import OutboxRelay

pytestmark = pytest.mark.integration


def _insert(conn, lane, n):
    ids = [str(uuid.uuid4()) for _ in range(n)]
    conn.execute(sa.text("INSERT INTO outbox (event_id, event_type, lane, payload) "
                         "SELECT CAST(id AS uuid), 'activity_submitted', :lane, CAST(:payload AS jsonb) "
                         "FROM unnest(CAST(:ids AS text[])) AS id"),
                 {"ids": ids, "lane": lane, "payload": json.dumps({"event_type": "activity_submitted"})})
    return ids


@pytest.mark.parametrize("lanes", [True, False])
def test_an_import_backlog_does_not_delay_another_employees_event(amqp_uri, lanes):
    db = testing.migrated_database("des")
    engine = sa.create_engine(db)
    try:
        with engine.begin() as conn:
            _insert(conn, BULK_LANE, 1000)  # an import's events, committed first
            [interactive] = _insert(conn, 0, 1)  # then one employee's submit
        relay = OutboxRelay(engine, amqp_uri, "des", batch_size=200, lanes=lanes)
        try:
            published = relay.relay_once()
        finally:
            relay.close()
        with engine.connect() as conn:
            sent = conn.execute(sa.text("SELECT sent_at IS NOT NULL FROM outbox WHERE event_id = :e"),
                                {"e": interactive}).scalar()
            bulk_sent = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE lane = 1 AND sent_at IS NOT NULL"))\
                .scalar()
        if lanes:
            assert sent, "the employee's event waited behind the import backlog"
            assert published == 200 and bulk_sent == 199, "the bulk lane fills the rest of the round"
        else:
            assert not sent and published == 200  # the old order: the whole backlog first
    finally:
        engine.dispose()
        testing.drop_database(db)
