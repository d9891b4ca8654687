"""`ekinerja_recap_noncompliant` on recap's /metrics (issue 20.1): per agency, the active employees posted there on
the last working day who reported nothing that day; leave, ended posts and the agency's own holiday excuse them."""
import datetime as dt
import uuid

import pytest
import requests
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from ekinerja_platform import clock, testing
from recap import metrics

pytestmark = pytest.mark.integration


def test_noncompliant_gauge_per_agency(recap_db, amqp_uri, test_keys):
    today = clock.today()  # the service's day (WIB), not UTC's
    day = metrics.last_working_day(today, set())
    agency, on_holiday = f"i-nc-{uuid.uuid4().hex[:6]}", f"i-hol-{uuid.uuid4().hex[:6]}"
    people = {  # nip → (agency, status, post ends, reported that day)
        "n-reported": (agency, "aktif", None, True),
        "n-silent": (agency, "aktif", None, False),
        "n-on-leave": (agency, "cuti", None, False),
        "n-moved-away": (agency, "aktif", day - dt.timedelta(days=1), False),
        "n-holiday": (on_holiday, "aktif", None, False),
    }
    engine = sa.create_engine(recap_db)
    with engine.begin() as conn:
        for nip, (instansi, status, ends, reported) in people.items():
            nip = f"{nip}-{agency}"
            conn.execute(sa.text("INSERT INTO employees (nip, instansi_id, status) VALUES (:n, :i, :s)"),
                         {"n": nip, "i": instansi, "s": status})
            conn.execute(sa.text("INSERT INTO assignments (assignment_id, nip, instansi_id, unit_id, start_date, "
                                 "end_date, version) VALUES (:a, :n, :i, 'u-1', :start, :end, 1)"),
                         {"a": f"as-{nip}", "n": nip, "i": instansi, "start": day - dt.timedelta(days=30),
                          "end": ends})
            if reported:
                conn.execute(sa.text("INSERT INTO activities (activity_id, nip, instansi_id, tanggal, status, state) "
                                     "VALUES (:a, :n, :i, :d, 'submitted', '{}'::jsonb)"),
                             {"a": f"act-{nip}", "n": nip, "i": instansi, "d": day})
        conn.execute(sa.text("INSERT INTO holidays (instansi_id, tanggal, nama) VALUES (:i, :d, 'Hari jadi')"),
                     {"i": on_holiday, "d": day})
    engine.dispose()

    process = testing.ServiceProcess("recap", testing.service_env(
        recap_db, amqp_uri, test_keys.jwks_url, EKINERJA_RECAP_NONCOMPLIANT_INTERVAL_SECONDS=1)).start()
    try:
        def shown():
            text = requests.get(f"http://127.0.0.1:{process.http_port}/metrics", timeout=5).text
            return {s.labels["instansi"]: s.value for f in text_string_to_metric_families(text)
                    if f.name == "ekinerja_recap_noncompliant" for s in f.samples}

        assert testing.wait_for(lambda: agency in shown(), timeout=20), process.log()
        figures = shown()
        assert figures[agency] == 1
        assert on_holiday not in figures
    finally:
        process.stop()


def test_last_working_day_skips_weekends_and_national_holidays():
    monday = dt.date(2026, 11, 30)
    assert metrics.last_working_day(monday, set()) == dt.date(2026, 11, 27)
    assert metrics.last_working_day(monday, {dt.date(2026, 11, 27)}) == dt.date(2026, 11, 26)
    assert metrics.last_working_day(dt.date(2026, 12, 2), set()) == dt.date(2026, 12, 1)
