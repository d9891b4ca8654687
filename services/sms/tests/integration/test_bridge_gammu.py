"""The bridge against the real gammu-smsd (dummy phone, PostgreSQL backend) and its own real database; the services
behind it are a small in-process stand-in here (the full journey with the five real services is in
test_sms_journey.py). Proves: exactly once with duplicate deliveries, reply through Gammu's outbox to `sentitems`,
the registration hint for an unknown number, fairness under a flood, and reminders at a test-clock time."""
import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from gammu_fixtures import gammu_db, query, smsd  # noqa: F401 - fixtures

from ekinerja_platform import testing
from ekinerja_platform.testing import wait_for
from sms import metrics
from sms.adapters.gammu import GammuTables
from sms.adapters.services import Delegated, NotVerified
from sms.adapters.store import PhoneCipher, Store
from sms.application.inbound import Bridge, Limits
from sms.application.reminders import run_reminders
from sms.dev import dummy_phone
from sms.domain import replies
from sms.domain.reminders import Schedule

pytestmark = pytest.mark.integration

GURU = "+6281200000001"
STRANGER = "+6289900000009"
WIB = dt.timezone(dt.timedelta(hours=7))


@dataclass
class StandIn:
    """What the bridge asks of identity, des and snowman, with des's idempotency (one effect per key)."""
    verified: dict = field(default_factory=dict)            # phone -> nip
    submitted: dict = field(default_factory=dict)           # idempotency key -> (nip, line)
    reported_today: set = field(default_factory=set)        # nips with a report and a plan today
    today: str = ""
    calls: list = field(default_factory=list)

    def phone_token(self, phone):
        self.calls.append("PhoneToken")
        if phone not in self.verified:
            raise NotVerified()
        return Delegated(f"token-{phone}", self.verified[phone], "INST-1", ("pegawai",))

    def verify_phone(self, phone, code):
        if code == "123456":
            self.verified[phone] = "1990"
            return True
        return False

    def submit_text(self, who, line, key):
        self.calls.append("SubmitText")
        self.submitted.setdefault(key, (who.nip, line))
        return f"OK Laporan {line}"

    def ask(self, who, question, key):
        return SimpleNamespace(answers=[SimpleNamespace(id="e-42", judul="AK", jawaban="Jawaban " * 40)],
                               question_id="q1")

    def plans(self, who, bulan):
        return [SimpleNamespace(tanggal=self.today)] if who.nip in self.reported_today else []

    def activities(self, who, bulan):
        return [SimpleNamespace(tanggal=self.today, state="submitted")] if who.nip in self.reported_today else []

    def review_count(self, who):
        return 0

    def month_target(self, who, bulan):
        return ""

    def holidays(self, instansi_id, start, end):
        return set()


@pytest.fixture
def sms_db():
    url = testing.migrated_database("sms")
    yield url
    testing.drop_database(url)


@pytest.fixture
def bridge(sms_db, gammu_db):  # noqa: F811
    stand_in = StandIn(verified={GURU: "199001012015011001"})
    made = Bridge(gammu=GammuTables(gammu_db), store=Store(sms_db), services=stand_in, phone_key=b"test-key",
                  cipher=PhoneCipher(b"test-key"), metrics=metrics, limits=Limits(batch=4))
    return made


def inbox_count(url, processed=None):
    where = "" if processed is None else f' WHERE "Processed" = {str(processed).lower()}'
    return query(url, f"SELECT count(*) FROM inbox{where}")[0][0]


def drain(bridge):
    while bridge.run_round():
        pass


def test_a_report_is_applied_once_even_if_the_gateway_stores_it_twice(smsd, gammu_db, bridge):  # noqa: F811
    sent_at = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.timezone.utc)
    dummy_phone.deliver(smsd.root, GURU, "lapor  K1 2 menyusun laporan", sent_at)
    dummy_phone.deliver(smsd.root, GURU, "lapor  K1 2 menyusun laporan", sent_at)   # the same SMS again
    assert wait_for(lambda: inbox_count(gammu_db) == 2, timeout=30), smsd.log()
    drain(bridge)
    assert [v for v in bridge.services.submitted.values()] == [("199001012015011001", "LAPOR K1 2 menyusun laporan")]
    assert bridge.services.calls.count("SubmitText") == 1   # the duplicate never reached des
    assert inbox_count(gammu_db, processed=False) == 0
    sent = wait_for(lambda: query(gammu_db, 'SELECT "DestinationNumber", "TextDecoded" FROM sentitems'), timeout=30)
    assert sent == [(GURU, "OK Laporan LAPOR K1 2 menyusun laporan")]
    drain(bridge)   # nothing left: no second reply
    assert query(gammu_db, "SELECT count(*) FROM outbox")[0][0] + len(sent) == 1


def test_an_unknown_number_gets_the_registration_hint_and_changes_nothing(smsd, gammu_db, bridge):  # noqa: F811
    dummy_phone.deliver(smsd.root, STRANGER, "LAPOR K1 1 coba")
    assert wait_for(lambda: inbox_count(gammu_db) == 1, timeout=30), smsd.log()
    drain(bridge)
    assert bridge.services.submitted == {}
    sent = wait_for(lambda: query(gammu_db, 'SELECT "DestinationNumber", "TextDecoded" FROM sentitems'), timeout=30)
    assert sent == [(STRANGER, replies.NOT_REGISTERED)]


def test_a_flood_from_one_number_does_not_delay_another(gammu_db, bridge):  # noqa: F811
    # rows as gammu-smsd writes them (inserted directly: 40 files through the dummy phone would only slow the test)
    for i in range(40):
        query(gammu_db, 'INSERT INTO inbox ("SenderNumber", "TextDecoded", "Text", "UDH", "RecipientID") '
                        "VALUES (%s, %s, '', '', '') RETURNING 1", STRANGER, f"SPAM {i}")
    query(gammu_db, 'INSERT INTO inbox ("SenderNumber", "TextDecoded", "Text", "UDH", "RecipientID") '
                    "VALUES (%s, 'INFO', '', '', '') RETURNING 1", GURU)
    bridge.run_round()   # one round of 4: two of the flood, the guru's (the 41st waiting), one more of the flood
    handled = query(gammu_db, 'SELECT "SenderNumber" FROM inbox WHERE "Processed" ORDER BY "ID"')
    assert handled == [(STRANGER,)] * 3 + [(GURU,)]
    assert bridge.services.calls.count("PhoneToken") <= 2   # the unknown number is remembered, not asked each time


def test_per_number_daily_limit_answers_once_then_stays_silent(gammu_db, bridge):  # noqa: F811
    bridge.limits = Limits(per_day=2, batch=10, per_round=10)
    for i in range(4):
        query(gammu_db, 'INSERT INTO inbox ("SenderNumber", "TextDecoded", "Text", "UDH", "RecipientID") '
                        "VALUES (%s, %s, '', '', '') RETURNING 1", GURU, f"BANTUAN {i}")
    drain(bridge)
    texts = [r[0] for r in query(gammu_db, 'SELECT "TextDecoded" FROM outbox ORDER BY "ID"')]
    assert texts == [replies.HELP, replies.HELP, replies.RATE_LIMITED]


def test_a_reply_decided_before_a_crash_is_sent_once(gammu_db, bridge):  # noqa: F811
    query(gammu_db, 'INSERT INTO inbox ("SenderNumber", "TextDecoded", "Text", "UDH", "RecipientID") '
                    "VALUES (%s, 'BANTUAN', '', '', '') RETURNING 1", GURU)
    gammu_id = query(gammu_db, 'SELECT "ID" FROM inbox')[0][0]
    with bridge.store.transaction() as tx:   # step 1 committed, then the process died before Gammu's side
        message_id = tx.claim(gammu_id, "h", "s")
        tx.finish(message_id, "bantuan", "ok", replies.HELP)
    drain(bridge)
    drain(bridge)
    assert query(gammu_db, 'SELECT "TextDecoded" FROM outbox') == [(replies.HELP,)]
    assert inbox_count(gammu_db, processed=False) == 0


def test_reminders_go_at_the_scheduled_test_time_only_to_who_has_not_reported(gammu_db, bridge):  # noqa: F811
    other = "+6281200000002"
    bridge.services.verified[other] = "199202022016022002"
    for phone in (GURU, other):   # both opt in by SMS
        query(gammu_db, 'INSERT INTO inbox ("SenderNumber", "TextDecoded", "Text", "UDH", "RecipientID") '
                        "VALUES (%s, 'INGATKAN', '', '', '') RETURNING 1", phone)
    drain(bridge)
    with bridge.store.transaction() as tx:
        tx.set_schedule("INST-1", Schedule(16, "Asia/Jakarta"))
    monday = dt.date(2026, 12, 7)
    bridge.services.today = monday.isoformat()
    bridge.services.reported_today = {"199202022016022002"}
    query(gammu_db, "DELETE FROM outbox RETURNING 1")

    bridge.clock = lambda: dt.datetime(2026, 12, 7, 15, 59, tzinfo=WIB)
    assert run_reminders(bridge) == 0                      # before the hour
    bridge.clock = lambda: dt.datetime(2026, 12, 7, 16, 0, tzinfo=WIB)
    assert run_reminders(bridge) == 1
    assert run_reminders(bridge) == 0                      # once a day
    rows = query(gammu_db, 'SELECT "DestinationNumber", "TextDecoded" FROM outbox')
    assert rows == [(GURU, replies.REMIND_EMPLOYEE.format(missing="rencana dan laporan"))]
    bridge.clock = lambda: dt.datetime(2026, 12, 12, 16, 0, tzinfo=WIB)   # Saturday
    assert run_reminders(bridge) == 0

    query(gammu_db, 'INSERT INTO inbox ("SenderNumber", "TextDecoded", "Text", "UDH", "RecipientID") '
                    "VALUES (%s, 'stop', '', '', '') RETURNING 1", GURU)
    drain(bridge)
    bridge.clock = lambda: dt.datetime(2026, 12, 14, 16, 0, tzinfo=WIB)  # next Monday
    bridge.services.today = "2026-12-14"
    query(gammu_db, "DELETE FROM outbox RETURNING 1")
    assert run_reminders(bridge) == 0                       # STOP ended them; the other has reported
