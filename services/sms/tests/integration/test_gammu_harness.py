"""The modem side on its own: the real gammu-smsd with the dummy phone and the PostgreSQL backend. A message put into
the phone's folder by Gammu's tool lands in Gammu's `inbox` (with our NOTIFY), and an `outbox` row is transmitted
(moved to `sentitems`). Everything else in the sms suite builds on this."""
import psycopg
import pytest
from gammu_fixtures import gammu_db, query, smsd  # noqa: F401 - fixtures

from ekinerja_platform.testing import wait_for
from sms.adapters import gammu
from sms.dev import dummy_phone

pytestmark = pytest.mark.integration


def test_schema_comes_from_the_package_and_the_trigger_is_ours(gammu_db):  # noqa: F811
    assert query(gammu_db, 'SELECT "Version" FROM gammu') == [(17,)]
    assert query(gammu_db, "SELECT tgname FROM pg_trigger WHERE tgname = 'ekinerja_inbox_notify'")
    assert gammu.install(gammu_db) is False  # idempotent: a second run changes nothing


def test_an_sms_dropped_in_the_dummy_phone_reaches_inbox_and_notifies(smsd, gammu_db):  # noqa: F811
    with psycopg.connect(gammu.plain_url(gammu_db), autocommit=True) as listener:
        listener.execute(f"LISTEN {gammu.CHANNEL}")
        dummy_phone.deliver(smsd.root, "+6281200000001", "LAPOR K1 2 uji gateway")
        notified = next(listener.notifies(timeout=30, stop_after=1), None)
    assert notified is not None, smsd.log()
    rows = query(gammu_db, 'SELECT "ID", "SenderNumber", "TextDecoded", "Processed" FROM inbox')
    assert [(r[1], r[2], r[3]) for r in rows] == [("+6281200000001", "LAPOR K1 2 uji gateway", False)]
    assert notified.payload == str(rows[0][0])


def test_an_outbox_row_is_transmitted_to_sentitems(smsd, gammu_db):  # noqa: F811
    with psycopg.connect(gammu.plain_url(gammu_db), autocommit=True) as conn:
        assert gammu.GammuTables.queue(conn, "+6281200000002", "Balasan uji", "t-1")
        assert not gammu.GammuTables.queue(conn, "+6281200000002", "Balasan uji", "t-1")  # same reference: once
    sent = wait_for(lambda: query(gammu_db, 'SELECT "DestinationNumber", "TextDecoded", "Status" FROM sentitems'),
                    timeout=30)
    assert sent == [("+6281200000002", "Balasan uji", "SendingOKNoReport")], smsd.log()
    assert query(gammu_db, "SELECT count(*) FROM outbox") == [(0,)]
