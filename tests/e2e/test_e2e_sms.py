"""The SMS journey (issue 19) with the five real services, the real bridge process and the real gammu-smsd (dummy
phone driver, PostgreSQL backend): an employee registers a number, receives the one-time code by SMS (identity's
event → bridge → Gammu's outbox → transmitted), verifies it with `DAFTAR`, reports with `LAPOR` - recorded in des
exactly once although the gateway stores the SMS twice - and gets the reply; an unknown number changes nothing and
gets the registration hint; `TANYA` answers from snowman; `INFO` reads today's work; a reminder pass at a test-clock
time texts only the employee who has not reported."""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import urllib.request
import uuid
from zoneinfo import ZoneInfo

import psycopg
import pytest
from e2e_lib import DES_TIMEZONE, Process, des_today, eventually

from ekinerja_platform import testing
from sms.adapters import gammu
from sms.dev import dummy_phone
from sms.domain import replies

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

GURU_PHONE = "+6281277700001"
OTHER_PHONE = "+6281277700002"
STRANGER = "+6289977700009"


def sent_to(gammu_url: str, number: str) -> list[str]:
    """What Gammu transmitted to `number` (the dummy driver's "sent" record is Gammu's sentitems)."""
    with psycopg.connect(gammu.plain_url(gammu_url), autocommit=True) as conn:
        return [r[0] for r in conn.execute('SELECT "TextDecoded" FROM sentitems WHERE "DestinationNumber" = %s '
                                           'ORDER BY "ID"', (number,)).fetchall()]


def unprocessed(gammu_url: str) -> int:
    with psycopg.connect(gammu.plain_url(gammu_url), autocommit=True) as conn:
        return conn.execute('SELECT count(*) FROM inbox WHERE NOT "Processed"').fetchone()[0]


class Phones:
    """People texting the bridge through the dummy phone, and what they receive."""

    def __init__(self, smsd, gammu_url):
        self.smsd, self.gammu_url = smsd, gammu_url

    def send(self, number: str, text: str, when: dt.datetime | None = None) -> None:
        dummy_phone.deliver(self.smsd.root, number, text, when)

    def wait_reply(self, number: str, count: int, what: str) -> str:
        def check():
            got = sent_to(self.gammu_url, number)
            assert len(got) >= count, f"{len(got)} SMS to the number so far"
            return got[count - 1]
        return eventually(check, timeout=60, what=what)


@pytest.fixture(scope="module")
def world(identity, skp, des, stack):
    today = des_today()
    inst = "E2E-SMS-" + uuid.uuid4().hex[:6].upper()
    identity.instansi(inst, "Pemerintah Kabupaten Uji SMS")
    identity.unit(inst, f"{inst}.SD", "SD Negeri Uji SMS")
    identity.jabatan(inst, f"{inst}.KEPSEK", f"{inst}.SD", "Kepala Sekolah", "struktural_pengawas", "pendidik",
                     eselon="IV.a")
    identity.jabatan(inst, f"{inst}.GURU", f"{inst}.SD", "Guru Kelas", "fungsional_tertentu", "pendidik",
                     f"{inst}.KEPSEK", jenjang="guru muda")
    kepsek = identity.pegawai(inst, "Kepala Sekolah SMS", "IV/a")
    guru = identity.pegawai(inst, "Guru SMS", "III/b", gender=2)
    guru2 = identity.pegawai(inst, "Guru SMS Dua", "III/b")
    for person, jabatan in ((kepsek, "KEPSEK"), (guru, "GURU"), (guru2, "GURU")):
        identity.assign(person.nip, f"{inst}.{jabatan}", today.replace(month=1, day=1))
    for person in (guru, guru2):
        [draft] = skp.documents(person, today.year)
        doc = skp.agree(person, kepsek, draft, [dict(nama="Melaksanakan pembelajaran", satuan="jam pelajaran",
                                                     kuantitas="720", waktu="12")])
        des.wait_for_skp(person, doc.skp_id)
    client = identity.stub.CreateApiClient(identity.pb.CreateApiClientRequest(
        client_id=f"sms-{inst.lower()}", name="Gerbang SMS", instansi_id=inst, scopes=["sms:bridge", "recap:read"]),
        metadata=identity.admin(), timeout=20)
    return {"instansi": inst, "guru": guru, "guru2": guru2, "kepsek": kepsek, "client": client}


@pytest.fixture(scope="module")
def bridge(world, stack, e2e_amqp_uri, tmp_path_factory):
    gammu_url = testing.create_database("test_gammu")
    sms_url = testing.migrated_database("sms")
    gammu.install(gammu_url)
    smsd = dummy_phone.Smsd(tmp_path_factory.mktemp("gammu"), dummy_phone.db_params(gammu_url)).start()
    env = testing.service_env(sms_url, e2e_amqp_uri, "", EKINERJA_SMS_GAMMU_DATABASE_URL=gammu_url,
                              EKINERJA_SMS_CLIENT_ID=world["client"].client_id,
                              EKINERJA_SMS_CLIENT_SECRET=world["client"].client_secret,
                              EKINERJA_SMS_PHONE_KEY="test-" + uuid.uuid4().hex, EKINERJA_SMS_POLL_SECONDS="0.5",
                              **{f"EKINERJA_{svc.upper()}_TARGET": stack.processes[svc].target
                                 for svc in ("identity", "des", "snowman", "recap")})
    process = Process("sms", env).launch()
    try:
        smsd.wait_started()
        url = f"http://127.0.0.1:{process.http_port}/ready"

        def ready():
            assert process.process.poll() is None, process.log()
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    assert r.status == 200
            except OSError as exc:
                raise AssertionError(f"not ready: {exc}") from None
        eventually(ready, timeout=60, what="the bridge reports ready")
        yield {"phones": Phones(smsd, gammu_url), "process": process, "env": env, "gammu": gammu_url}
    finally:
        process.stop()
        smsd.stop()
        testing.drop_database(sms_url)
        testing.drop_database(gammu_url)


def register_by_sms(identity, person, number, phones) -> None:
    identity.stub.RegisterPhone(identity.pb.RegisterPhoneRequest(phone=number), metadata=person.md(True),
                                timeout=20)
    code_sms = phones.wait_reply(number, 1, "identity's code reaches the phone through the bridge and Gammu")
    code = re.search(r"DAFTAR (\d{6})", code_sms).group(1)
    phones.send(number, f"daftar {code}")
    assert phones.wait_reply(number, 2, "the DAFTAR reply") == replies.DAFTAR_OK


def activities_of(des, person):
    return list(des.stub.ListActivities(des.pb.ListActivitiesRequest(), metadata=person.md(), timeout=20).activities)


def test_the_sms_journey(identity, des, world, bridge):
    phones, guru = bridge["phones"], world["guru"]
    register_by_sms(identity, guru, GURU_PHONE, phones)

    before = len(activities_of(des, guru))
    sent_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    phones.send(GURU_PHONE, "lapor  k1 2 jam pelajaran   mengajar kelas 5", sent_at)
    phones.send(GURU_PHONE, "lapor  k1 2 jam pelajaran   mengajar kelas 5", sent_at)   # the gateway stores it twice
    reply = phones.wait_reply(GURU_PHONE, 3, "the LAPOR reply")
    assert reply.startswith("OK Laporan") and len(reply) <= 160, reply
    def all_handled():
        assert unprocessed(bridge["gammu"]) == 0, "copies still waiting"
    eventually(all_handled, what="both copies handled")
    reports = activities_of(des, guru)
    assert len(reports) == before + 1
    assert reports[-1].uraian == "mengajar kelas 5" and reports[-1].nip == guru.nip
    assert len(sent_to(bridge["gammu"], GURU_PHONE)) == 3   # one reply for the two copies

    # an unknown number: the registration hint, nothing recorded
    phones.send(STRANGER, "LAPOR K1 1 coba-coba")
    assert phones.wait_reply(STRANGER, 1, "the hint") == replies.NOT_REGISTERED
    assert len(activities_of(des, guru)) == before + 1

    phones.send(GURU_PHONE, "TANYA contoh target angka kredit dalam skp")
    answer = phones.wait_reply(GURU_PHONE, 4, "the TANYA answer")
    assert len(answer) <= 160 and (re.search(r"\[#[\w-]+\]$", answer) or "Belum ada jawaban" in answer), answer

    phones.send(GURU_PHONE, "info")
    info = phones.wait_reply(GURU_PHONE, 5, "the INFO reply")
    assert info.startswith("Hari ini: rencana 0, laporan 1."), info

    phones.send(GURU_PHONE, "Halo bapak")
    assert "tidak dikenal" in phones.wait_reply(GURU_PHONE, 6, "the unknown-command line")
    for number in (GURU_PHONE, STRANGER):   # the conversation, shown with `pytest -s`
        print(f"\n--- SMS sent by the gateway to {number[:6]}****{number[-4:]}")
        print("\n".join("< " + text for text in sent_to(bridge["gammu"], number)))


def test_a_reminder_at_the_test_time_goes_only_to_who_has_not_reported(identity, world, bridge):
    phones = bridge["phones"]
    register_by_sms(identity, world["guru2"], OTHER_PHONE, phones)
    guru_count = len(sent_to(bridge["gammu"], GURU_PHONE))
    for number, count in ((GURU_PHONE, guru_count + 1), (OTHER_PHONE, 3)):
        phones.send(number, "INGATKAN")
        assert phones.wait_reply(number, count, "the opt-in reply").startswith("Pengingat aktif")
    phones.send(GURU_PHONE, "RENCANA K1 2 jam pelajaran mengajar kelas 6")   # the guru now has a plan and a report
    assert phones.wait_reply(GURU_PHONE, guru_count + 2, "the RENCANA reply").startswith("OK Rencana")

    env = bridge["env"]
    cli = [sys.executable, "-m", "sms"]
    assert subprocess.run([*cli, "schedule", world["instansi"], "7"], env={**_os_env(), **env},
                          capture_output=True, timeout=60).returncode == 0
    today = dt.datetime.now(ZoneInfo(DES_TIMEZONE)).date()
    at = dt.datetime.combine(today, dt.time(7, 0), ZoneInfo(DES_TIMEZONE)).isoformat()
    before = {n: len(sent_to(bridge["gammu"], n)) for n in (GURU_PHONE, OTHER_PHONE)}
    done = subprocess.run([*cli, "remind", "--at", at], env={**_os_env(), **env}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    working_day = today.weekday() < 5   # a fresh recap has no holidays
    if working_day:
        text = phones.wait_reply(OTHER_PHONE, before[OTHER_PHONE] + 1, "the reminder to who has not reported")
        assert text == replies.REMIND_EMPLOYEE.format(missing="rencana dan laporan")
    assert done.stdout.strip() == f"{1 if working_day else 0} pengingat dikirim", done.stdout
    again = subprocess.run([*cli, "remind", "--at", at], env={**_os_env(), **env}, capture_output=True, text=True,
                           timeout=120)
    assert again.stdout.strip() == "0 pengingat dikirim"   # once a day
    assert len(sent_to(bridge["gammu"], GURU_PHONE)) == before[GURU_PHONE]   # the guru has reported: nothing


def _os_env() -> dict:
    import os
    return dict(os.environ)


def test_metrics_are_exported_without_phone_numbers(bridge):
    with urllib.request.urlopen(f"http://127.0.0.1:{bridge['process'].http_port}/metrics", timeout=5) as r:
        text = r.read().decode()
    for name in ("ekinerja_sms_messages_in_total", "ekinerja_sms_messages_out_total",
                 "ekinerja_sms_gateway_lag_seconds", "ekinerja_sms_outbox_oldest_seconds",
                 "ekinerja_sms_reminders_sent_total", "ekinerja_sms_gateway_silence_seconds"):
        assert name in text
    assert "628127770" not in text and "628127770" not in bridge["process"].log()
    assert json.loads(urllib.request.urlopen(f"http://127.0.0.1:{bridge['process'].http_port}/ready",
                                             timeout=5).read()) == {"gammu": True, "store": True, "broker": True}
