"""The SMS grammar and the replies, without any database or broker."""
import dataclasses
import datetime as dt

import pytest

from ekinerja_events.identity import PhoneVerificationRequested
from sms.application.verification import code_message
from sms.domain import commands, fairness, phones, replies
from sms.domain.reminders import Schedule, due_date

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, kind, argument", [
    ("LAPOR K1 2 menyusun laporan", "lapor", "K1 2 menyusun laporan"),
    ("  lapor   k1  2\nmenyusun   laporan ", "lapor", "k1 2 menyusun laporan"),
    ("Laporan: K2 1 rapat", "lapor", "K2 1 rapat"),
    ("rencana K3 1 konsep", "rencana", "K3 1 konsep"),
    ("info", "info", ""),
    ("Info ", "info", ""),
    ("TANYA  contoh target angka kredit?", "tanya", "contoh target angka kredit?"),
    ("daftar 123 456", "daftar", "123 456"),
    ("REG 123456", "daftar", "123456"),
    ("bantuan", "bantuan", ""),
    ("help", "bantuan", ""),
    ("Stop", "stop", ""),
    ("ingatkan", "ingatkan", ""),
])
def test_keywords_are_case_and_spacing_forgiving(text, kind, argument):
    command = commands.parse(text)
    assert (command.kind, command.argument) == (kind, argument)


def test_unknown_empty_and_too_long():
    assert commands.parse("HALO apa kabar").kind == "unknown"
    assert commands.parse("HALO apa kabar").word == "HALO"
    assert commands.parse("123 456").kind == "unknown"
    assert commands.parse("   \n ").kind == "empty"
    assert commands.parse("LAPOR " + "x" * 453).kind == "lapor"      # 459 characters: three SMS parts
    assert commands.parse("LAPOR " + "x" * 454).kind == "too_long"   # 460: more than a concatenated SMS


def test_forwarded_line_uses_des_keyword():
    assert commands.forwarded_line(commands.parse("laporan: k2 3 rapat")) == "LAPOR k2 3 rapat"


def test_content_hash_ignores_gammu_id_but_not_time_or_text():
    a = commands.content_hash("+6281", "2026-12-07T08:00:00", "INFO")
    assert a == commands.content_hash("+6281", "2026-12-07T08:00:00", "INFO")
    assert a != commands.content_hash("+6281", "2026-12-07T08:00:01", "INFO")
    assert a != commands.content_hash("+6282", "2026-12-07T08:00:00", "INFO")


def test_fit_keeps_one_gsm_sms():
    long = "Jawaban " + "panjang sekali " * 30
    out = commands.fit(long)
    assert len(out) <= 160 and out.endswith("..") and "  " not in out
    assert commands.fit("OK Laporan 07/12 K1: 'uraian…'") == "OK Laporan 07/12 K1: 'uraian..'"
    assert commands.fit("pendek") == "pendek"


def test_every_fixed_reply_fits_one_sms():
    fixed = [replies.HELP, replies.UNKNOWN.format(word="X" * 20), replies.EMPTY, replies.TOO_LONG,
             replies.NOT_REGISTERED, replies.DAFTAR_USAGE, replies.DAFTAR_OK, replies.DAFTAR_WRONG,
             replies.TANYA_USAGE, replies.TANYA_NONE.format(qid="q" * 12), replies.STOPPED,
             replies.REMINDERS_ON.format(hour=15), replies.RATE_LIMITED, replies.UNAVAILABLE, replies.REFUSED,
             replies.INFO.format(plans=9, reports=9, done=999, approved=999, target=", 99 target kegiatan"),
             replies.REMIND_EMPLOYEE.format(missing="rencana dan laporan"),
             replies.REMIND_SUPERVISOR.format(count=999),
             replies.VERIFICATION_CODE.format(code="123456", until="15.30")]
    too_long = [r for r in fixed if len(r) > 160]
    assert not too_long


def test_answer_is_shortened_and_keeps_the_entry_id():
    out = replies.answer("Target **angka kredit**", "Isi `penting` " * 100, "guru-contoh-target-ak")
    assert len(out) <= 160 and out.endswith("[#guru-contoh-target-ak]")
    assert "*" not in out and "`" not in out and out.startswith("Target angka kredit: Isi penting")


def test_fair_order_interleaves_senders_and_caps_a_flood():
    rows = [("flood", i) for i in range(100)] + [("a", 1), ("b", 1), ("flood", 101)]
    chosen = fairness.fair_order(rows, lambda r: r[0], per_sender=2, limit=6)
    assert [r[0] for r in chosen] == ["flood", "flood", "a", "b", "flood", "flood"]


def test_rate_limit_answers_only_the_first_refusal():
    assert not fairness.over_limit(30, 30) and fairness.over_limit(31, 30)
    assert fairness.first_over_limit(31, 30) and not fairness.first_over_limit(32, 30)


def test_phones_are_normalised_and_masked():
    assert phones.normalise("0812-0000-0001") == "+6281200000001"
    assert phones.normalise("6281200000001") == "+6281200000001"
    assert phones.mask("+6281200000001") == "+62812****0001"
    assert "00000001" not in phones.mask("+6281200000001")
    assert phones.keyed_hash("081200000001", b"k") == phones.keyed_hash("+6281200000001", b"k")


WIB = dt.timezone(dt.timedelta(hours=7))


def test_reminders_are_due_from_the_hour_on_working_days_only():
    schedule = Schedule(15, "Asia/Jakarta")
    monday = dt.datetime(2026, 12, 7, 15, 0, tzinfo=WIB)
    assert due_date(monday, schedule, set()) == dt.date(2026, 12, 7)
    assert due_date(monday - dt.timedelta(minutes=1), schedule, set()) is None
    assert due_date(monday + dt.timedelta(days=5), schedule, set()) is None          # Saturday
    assert due_date(monday, schedule, {dt.date(2026, 12, 7)}) is None                 # holiday
    assert due_date(monday.astimezone(dt.timezone.utc), schedule, set()) == dt.date(2026, 12, 7)  # 08:00 UTC
    assert due_date(monday, Schedule(15, "Asia/Jayapura"), set()) == dt.date(2026, 12, 7)  # 17:00 WIT


def test_verification_code_message():
    event = PhoneVerificationRequested.from_data({"phone": "081200000001", "code": "123456",
                                                  "expires_at": "2026-12-07T08:15:00+00:00", "registration_id": "r"})
    phone, text = code_message(event)
    assert phone == "+6281200000001"
    assert "DAFTAR 123456" in text and "15.15" in text and len(text) <= 160
    with pytest.raises(ValueError):
        code_message(dataclasses.replace(event, code="abc"))
