"""The bridge's use cases on fakes (tests/sms_fakes.py): inbound commands (report, ask, help, unknown, verification,
info, reminders on/off), exactly once, the daily limit, a service down or refusing, the hand-over repair, the
verification code and the reminders. No PostgreSQL, no Gammu, no gRPC: milliseconds each.

Checked failing (each mutation of sms/application reverted after): without `store.mark_sent` after the hand-over the
report and crash-repair tests fail; without forgetting the remembered refusal on DAFTAR the "not held back" test
fails; with the reminder sent after its log's transaction the "failed send" test fails."""
import datetime as dt

import pytest
from sms_fakes import WIB, FakeServices, make_bridge

from ekinerja_events.identity import PhoneVerificationRequested
from sms.application import verification
from sms.application.reminders import run_reminders
from sms.domain import replies
from sms.domain.reminders import Schedule

pytestmark = pytest.mark.unit

GURU = "+6281200000001"
STRANGER = "+6289900000009"


def texted(bridge, sender: str, text: str, smsc_time: str = "2026-12-07T09:00:00") -> list[str]:
    """Receive one SMS, run a round, return what the sender got back."""
    bridge.gammu.receive(sender, text, smsc_time)
    bridge.run_round()
    return bridge.gammu.texts_to(sender)


@pytest.fixture
def services():
    return FakeServices(verified={GURU: "199001012015011001"})


@pytest.fixture
def bridge(services):
    return make_bridge(services)


# -- inbound commands ---------------------------------------------------------------------------------------------

def test_a_report_reaches_des_once_with_the_content_hash_as_key_and_the_reply_goes_back(bridge, services):
    assert texted(bridge, GURU, "lapor  K1 2 menyusun laporan") == ["OK LAPOR K1 2 menyusun laporan"]
    [(key, (nip, line))] = services.submitted.items()
    assert (nip, line) == ("199001012015011001", "LAPOR K1 2 menyusun laporan") and len(key) == 64
    assert bridge.gammu.processed == {1}
    assert bridge.store.unsent() == []                      # handed over to Gammu, marked sent
    assert bridge.metrics.count("MESSAGES_IN", outcome="ok") == 1


def test_the_same_sms_delivered_twice_has_one_effect_and_one_reply(bridge, services):
    bridge.gammu.receive(GURU, "LAPOR K1 2 rapat", "2026-12-07T09:00:00")
    bridge.gammu.receive(GURU, "LAPOR K1 2 rapat", "2026-12-07T09:00:00")    # Gammu read it twice
    bridge.run_round()
    assert services.calls["SubmitText"] == 1 and len(bridge.gammu.texts_to(GURU)) == 1
    assert bridge.gammu.processed == {1, 2}
    assert bridge.metrics.count("MESSAGES_IN", outcome="duplicate") == 1


def test_ask_gives_the_best_answer_or_the_question_number_or_the_usage(bridge, services):
    from types import SimpleNamespace
    assert texted(bridge, GURU, "TANYA apa itu AK?", "t1")[-1] == replies.TANYA_NONE.format(qid="q-0123456789")
    services.answers = [SimpleNamespace(id="e-42", judul="AK", jawaban="Angka **kredit**")]
    assert texted(bridge, GURU, "TANYA apa itu AK?", "t2")[-1] == "AK: Angka kredit [#e-42]"
    assert texted(bridge, GURU, "TANYA", "t3")[-1] == replies.TANYA_USAGE


@pytest.mark.parametrize("text, reply", [("BANTUAN", replies.HELP), ("help", replies.HELP),
                                         ("halo apa kabar", replies.UNKNOWN.format(word="HALO")),
                                         ("   ", replies.EMPTY), ("x" * 500, replies.TOO_LONG)])
def test_help_unknown_empty_and_too_long_are_answered_without_any_service(text, reply, services):
    bridge = make_bridge(services)
    assert texted(bridge, STRANGER, text) == [reply]
    assert sum(services.calls.values()) == 0


def test_verification_with_the_right_code_verifies_and_a_wrong_or_malformed_code_does_not(bridge, services):
    services.codes[STRANGER] = "123456"
    assert texted(bridge, STRANGER, "DAFTAR 99", "t1")[-1] == replies.DAFTAR_USAGE
    assert texted(bridge, STRANGER, "DAFTAR 654321", "t2")[-1] == replies.DAFTAR_WRONG
    assert STRANGER not in services.verified
    assert texted(bridge, STRANGER, "DAFTAR 123 456", "t3")[-1] == replies.DAFTAR_OK
    assert STRANGER in services.verified


def test_an_unknown_number_gets_the_registration_hint_and_is_remembered_a_while(bridge, services):
    assert texted(bridge, STRANGER, "LAPOR K1 1 coba", "t1") == [replies.NOT_REGISTERED]
    texted(bridge, STRANGER, "INFO", "t2")
    assert services.calls["PhoneToken"] == 1                  # the second one did not ask identity again
    assert services.submitted == {}


def test_a_number_verified_by_daftar_is_not_held_back_by_the_remembered_refusal(bridge, services):
    services.codes[STRANGER] = "123456"
    texted(bridge, STRANGER, "INFO", "t1")
    texted(bridge, STRANGER, "DAFTAR 123456", "t2")
    assert texted(bridge, STRANGER, "LAPOR K1 1 coba", "t3")[-1] == "OK LAPOR K1 1 coba"


def test_info_counts_today_and_the_month(bridge, services):
    services.plans_of[services.verified[GURU]] = ["2026-12-07", "2026-12-01"]
    services.activities_of[services.verified[GURU]] = [("2026-12-07", "approved"), ("2026-12-03", "submitted")]
    assert texted(bridge, GURU, "INFO") == [replies.INFO.format(plans=1, reports=1, done=2, approved=1, target="")]


def test_stop_and_ingatkan_switch_the_reminder_subscription(bridge):
    bridge.store.state["schedules"]["INST-1"] = Schedule(16, "Asia/Makassar")
    assert texted(bridge, GURU, "INGATKAN", "t1")[-1] == replies.REMINDERS_ON.format(hour=16)
    [(phone_hash, cipher)] = bridge.store.subscriptions()
    assert bridge.cipher.open(cipher) == GURU and GURU not in phone_hash     # never stored in clear
    assert texted(bridge, GURU, "STOP", "t2")[-1] == replies.STOPPED
    assert bridge.store.subscriptions() == []


def test_a_service_refusal_gets_one_helpful_line(bridge, services):
    services.refuse = "INVALID_ARGUMENT"
    assert texted(bridge, GURU, "LAPOR K9 1 tidak ada") == [replies.REFUSED]
    assert bridge.metrics.count("MESSAGES_IN", outcome="refused") == 1


def test_a_service_down_leaves_the_message_for_the_next_round_with_nothing_recorded(bridge, services):
    services.down = True
    bridge.gammu.receive(GURU, "LAPOR K1 2 rapat")
    assert bridge.run_round() == 0
    assert bridge.gammu.processed == set() and bridge.gammu.outbox == []
    assert bridge.store.state["messages"] == {} and bridge.store.state["counters"] == {}   # rolled back
    services.down = False
    assert bridge.run_round() == 1 and services.calls["SubmitText"] == 1
    assert len(services.submitted) == 1


def test_the_daily_limit_answers_the_first_message_over_it_and_drops_the_rest(services):
    bridge = make_bridge(services, per_day=2)
    for i in range(4):
        bridge.gammu.receive(GURU, f"LAPOR K1 1 nomor {i}", f"2026-12-07T09:00:0{i}")
    while bridge.run_round():
        pass
    assert bridge.gammu.texts_to(GURU)[2:] == [replies.RATE_LIMITED]
    assert len(services.submitted) == 2 and bridge.gammu.processed == {1, 2, 3, 4}


def test_a_reply_decided_before_a_crash_is_handed_over_on_the_next_round(bridge):
    bridge.gammu.fail_sends = True
    bridge.gammu.receive(GURU, "BANTUAN")
    with pytest.raises(ConnectionError):
        bridge.run_round()
    assert [reply for _, _, reply in bridge.store.unsent()] == [replies.HELP]
    bridge.gammu.fail_sends = False
    bridge.run_round()
    assert bridge.gammu.texts_to(GURU) == [replies.HELP] and bridge.store.unsent() == []


# -- identity's verification code ---------------------------------------------------------------------------------

def test_the_verification_code_is_texted_once_per_event(bridge):
    event = PhoneVerificationRequested.from_data({"phone": "081200000001", "code": "123456",
                                                  "expires_at": "2026-12-07T02:15:00Z", "registration_id": "r"})
    assert verification.text_code(bridge, "ev-1", event)
    assert not verification.text_code(bridge, "ev-1", event)            # the event redelivered
    [text] = bridge.gammu.texts_to(GURU)
    assert "DAFTAR 123456" in text and "09.15" in text                  # the deadline in WIB
    assert bridge.metrics.count("CODES_SENT") == 1


# -- reminders ----------------------------------------------------------------------------------------------------

def subscribe(bridge, phone=GURU):
    bridge.gammu.receive(phone, "INGATKAN", f"sub-{phone}")
    bridge.run_round()
    bridge.gammu.outbox.clear()


def at(bridge, hour: int, day: int = 7):
    bridge.clock = lambda: dt.datetime(2026, 12, day, hour, 0, tzinfo=WIB)


def test_an_employee_without_plan_or_report_is_reminded_once_a_working_day_after_the_hour(bridge, services):
    subscribe(bridge)
    at(bridge, 14)
    assert run_reminders(bridge) == 0                                    # before 15.00
    at(bridge, 16)
    assert run_reminders(bridge) == 1
    assert run_reminders(bridge) == 0                                    # once a day
    [text] = bridge.gammu.texts_to(GURU)
    assert text == replies.REMIND_EMPLOYEE.format(missing="rencana dan laporan")
    at(bridge, 16, day=12)                                               # a Saturday
    assert run_reminders(bridge) == 0


def test_no_reminder_on_a_holiday_nor_to_who_has_planned_and_reported(bridge, services):
    subscribe(bridge)
    services.holiday_dates = {"2026-12-07"}
    at(bridge, 16)
    assert run_reminders(bridge) == 0
    services.holiday_dates = set()
    nip = services.verified[GURU]
    services.plans_of[nip], services.activities_of[nip] = ["2026-12-08"], [("2026-12-08", "submitted")]
    at(bridge, 16, day=8)
    assert run_reminders(bridge) == 0 and bridge.gammu.outbox == []


def test_a_supervisor_hears_how_many_reports_wait(bridge, services):
    subscribe(bridge)
    nip = services.verified[GURU]
    services.plans_of[nip], services.activities_of[nip] = ["2026-12-07"], [("2026-12-07", "submitted")]
    services.waiting_review[nip] = 3
    assert run_reminders(bridge) == 1
    assert bridge.gammu.texts_to(GURU) == [replies.REMIND_SUPERVISOR.format(count=3)]


def test_reminders_wait_while_a_service_is_down_and_skip_a_number_no_longer_verified(bridge, services):
    subscribe(bridge)
    services.down = True
    assert run_reminders(bridge) == 0 and bridge.store.state["reminder_log"] == set()
    services.down = False
    del services.verified[GURU]
    assert run_reminders(bridge) == 0 and bridge.gammu.outbox == []


def test_a_failed_send_does_not_log_the_reminder_as_done(bridge):
    subscribe(bridge)
    bridge.gammu.fail_sends = True
    with pytest.raises(ConnectionError):
        run_reminders(bridge)
    assert bridge.store.state["reminder_log"] == set()
    bridge.gammu.fail_sends = False
    assert run_reminders(bridge) == 1
