"""The `activity_submitted` envelope PostgreSQL builds on des's set-based paths (adapters/event_sql.py: joined
submits, agency imports) is the one the definition describes: for the same values its `data` equals
`ActivitySubmitted(...).to_data()` (what application/events.py records) and fits the definition strictly. The outbox
insert of those paths skips the recording check (speed), so this test is that check.

Only the database is needed (the columns' own types, from the `activities` table of a migrated des database).
Checked failing: with `kuantitas` sent as a number (KUANTITAS_TEXT without to_char): all three cases fail.
"""
import datetime as dt
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from des.adapters import event_sql
from des.application import events
from ekinerja_events import check
from ekinerja_events.des import ActivitySubmitted

pytestmark = pytest.mark.integration
NIP, PENILAI = "198001012006041001", "197501012000031002"
COLUMNS = ("activity_id", "nip", "unit_id", "tanggal", "skp_id", "kegiatan_id", "jenis", "kuantitas", "menit",
           "proses", "penilai_nip")

CASES = [
    dict(activity_id=uuid.uuid4(), nip=NIP, unit_id="u-1", tanggal=dt.date(2024, 3, 4), skp_id="skp-1",
         kegiatan_id="k-1", jenis="skp", kuantitas=Decimal("2.5"), menit=90, proses=False, penilai_nip=PENILAI),
    dict(activity_id=uuid.uuid4(), nip=NIP, unit_id=None, tanggal=dt.date(2024, 12, 31), skp_id=None,
         kegiatan_id=None, jenis="non_skp", kuantitas=Decimal("12"), menit=None, proses=True, penilai_nip=None),
    dict(activity_id=uuid.uuid4(), nip=NIP, unit_id="u-2", tanggal=dt.date(2025, 1, 1), skp_id="skp-2",
         kegiatan_id=None, jenis="tugas_tambahan", kuantitas=Decimal("0.05"), menit=0, proses=False,
         penilai_nip=PENILAI),
]


@pytest.fixture(scope="module")
def engine(des_db):
    engine = sa.create_engine(des_db)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("values", CASES, ids=["skp", "non_skp_nulls", "small_kuantitas"])
def test_the_sql_built_event_is_the_defined_payload(engine, values):
    version = 3
    expression = event_sql.activity_submitted("r", instansi_id="CAST(:instansi AS text)",
                                              occurred_at="CAST(:occurred AS text)", version="CAST(:version AS int)")
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TEMP TABLE r ON COMMIT DROP AS SELECT {', '.join(COLUMNS)}, "
                             "gen_random_uuid() AS event_id FROM activities WITH NO DATA"))
        conn.execute(sa.text(f"INSERT INTO r ({', '.join(COLUMNS)}, event_id) VALUES "
                             f"({', '.join(':' + c for c in COLUMNS)}, gen_random_uuid())"), values)
        envelope = conn.execute(sa.text(f"SELECT {expression} FROM r"),
                                {"instansi": "i-1", "occurred": "2024-03-04T09:00:00+00:00",
                                 "version": version}).scalar_one()
    payload = events.activity_submitted_payload({**values, "instansi_id": "i-1", "version": version})
    assert envelope["data"] == payload.to_data()
    check("des", "activity_submitted", envelope["schema_version"], envelope["data"], strict=True)
    assert ActivitySubmitted.from_data(envelope["data"], strict=True) == payload
    assert (envelope["event_type"], envelope["producer"], envelope["nip"], envelope["instansi_id"]) == (
        ActivitySubmitted.event_type, ActivitySubmitted.producer, NIP, "i-1")
    assert envelope["schema_version"] == ActivitySubmitted.schema_version
