"""des's events built on the payload definitions (ekinerja_events.des) are, as JSON, byte for byte what the hand-built
dicts sent before them (version 1 keeps its wire format: same keys, order and values; decimals with the places they
had: two, three for the monthly targets, whatever scale the value came with), and each fits its definition strictly.

Checked failing: the expected strings were recorded from the hand-built dicts; building the payloads with the
decimals as they come (no quantize) gives "2.5" instead of "2.50"."""
import datetime as dt
import json
import uuid
from decimal import Decimal
from types import SimpleNamespace as Row

import pytest

from des.application import events, monthly_targets
from ekinerja_platform.envelope import check_event

pytestmark = pytest.mark.unit
NIP, PENILAI = "198001012006041001", "197501012000031002"
ACTIVITY = uuid.UUID("0190d5a4-7b1e-7c3a-9a52-0c1d2e3f4a70")
UTC = dt.timezone.utc


def wire(event) -> str:
    check_event(event)
    assert (event.producer, event.schema_version, event.nip) == ("des", 1, NIP)
    return json.dumps(event.data)


def activity(**changes) -> dict:
    view = {"activity_id": ACTIVITY, "nip": NIP, "instansi_id": "i-1", "unit_id": "u-1",
            "tanggal": dt.date(2024, 3, 4), "skp_id": "skp-1", "kegiatan_id": "k-1", "jenis": "skp",
            "kuantitas": Decimal("2.5"), "menit": 90, "proses": False, "penilai_nip": PENILAI, "version": 1,
            "uraian": "rapat", "state": "submitted", "submitted_at": dt.datetime(2024, 3, 4, 9, 0, tzinfo=UTC)}
    return {**view, **changes}


def test_activity_submitted():
    assert wire(events.activity_submitted(activity())) == (
        '{"activity_id": "%s", "nip": "%s", "instansi_id": "i-1", "unit_id": "u-1", "tanggal": "2024-03-04", '
        '"skp_id": "skp-1", "kegiatan_id": "k-1", "jenis": "skp", "kuantitas": "2.50", "menit": 90, '
        '"proses": false, "penilai_nip": "%s", "version": 1}' % (ACTIVITY, NIP, PENILAI))
    non_skp = activity(unit_id=None, skp_id=None, kegiatan_id=None, jenis="non_skp", kuantitas=Decimal("12"),
                       menit=None, proses=True, penilai_nip=None, version=3)
    assert wire(events.activity_submitted(non_skp)) == (
        '{"activity_id": "%s", "nip": "%s", "instansi_id": "i-1", "unit_id": null, "tanggal": "2024-03-04", '
        '"skp_id": null, "kegiatan_id": null, "jenis": "non_skp", "kuantitas": "12.00", "menit": null, '
        '"proses": true, "penilai_nip": null, "version": 3}' % (ACTIVITY, NIP))


def test_activity_reviewed():
    view = activity(kuantitas_diakui=Decimal("2"), reviewer_nip=PENILAI, state="approved", version=2,
                    reviewed_at=dt.datetime(2024, 3, 5, 2, 0, 0, 123456, tzinfo=UTC))
    assert wire(events.activity_reviewed(view)) == (
        '{"activity_id": "%s", "nip": "%s", "instansi_id": "i-1", "unit_id": "u-1", "tanggal": "2024-03-04", '
        '"skp_id": "skp-1", "kegiatan_id": "k-1", "jenis": "skp", "kuantitas_diakui": "2.00", "menit": 90, '
        '"proses": false, "reviewer_nip": "%s", "submitted_at": "2024-03-04T09:00:00+00:00", '
        '"reviewed_at": "2024-03-05T02:00:00.123456+00:00", "version": 2}' % (ACTIVITY, NIP, PENILAI))
    unrecognised = activity(kuantitas_diakui=None, reviewer_nip=PENILAI, version=2, submitted_at=None,
                            reviewed_at=None)
    assert json.loads(wire(events.activity_reviewed(unrecognised)))["kuantitas_diakui"] is None


def test_revision_requested():
    view = activity(reviewer_nip=PENILAI, catatan="lampirkan draf", state="revision_requested", version=2)
    assert wire(events.revision_requested(view)) == (
        '{"activity_id": "%s", "nip": "%s", "instansi_id": "i-1", "unit_id": "u-1", "tanggal": "2024-03-04", '
        '"reviewer_nip": "%s", "catatan": "lampirkan draf", "version": 2}' % (ACTIVITY, NIP, PENILAI))


def test_plan_submitted():
    plan = {"nip": NIP, "plan_id": ACTIVITY, "tanggal": dt.date(2024, 3, 4), "instansi_id": "i-1", "unit_id": None,
            "skp_id": "skp-1", "kegiatan_id": "k-1", "uraian": "rapat", "kuantitas": Decimal("1"),
            "satuan": "kali"}
    assert wire(events.plan_submitted(plan)) == (
        '{"plan_id": "%s", "nip": "%s", "instansi_id": "i-1", "unit_id": null, "tanggal": "2024-03-04", '
        '"skp_id": "skp-1", "kegiatan_id": "k-1", "kuantitas": "1.00"}' % (ACTIVITY, NIP))


def test_period_locked():
    skp = Row(skp_id="skp-1", instansi_id="i-1")
    day = events.period_locked(NIP, skp, "day", dt.date(2024, 3, 4), [str(ACTIVITY)], PENILAI)
    assert wire(day) == (
        '{"nip": "%s", "instansi_id": "i-1", "skp_id": "skp-1", "scope": "day", "tanggal": "2024-03-04", '
        '"activity_ids": ["%s"], "locked_by": "%s"}' % (NIP, ACTIVITY, PENILAI))
    month = events.period_locked(NIP, skp, "month", dt.date(2024, 3, 1), [], PENILAI)
    assert wire(month) == (
        '{"nip": "%s", "instansi_id": "i-1", "skp_id": "skp-1", "scope": "month", "tahun": 2024, "bulan": 3, '
        '"activity_ids": [], "locked_by": "%s"}' % (NIP, PENILAI))


def test_monthly_quality_set():
    skp = Row(skp_id="skp-1", instansi_id="i-1")
    assert wire(events.monthly_quality_set(NIP, skp, "k-1", 2024, 3, Decimal("90"))) == (
        '{"skp_id": "skp-1", "nip": "%s", "instansi_id": "i-1", "kegiatan_id": "k-1", "tahun": 2024, "bulan": 3, '
        '"kualitas": "90.00"}' % NIP)


def test_monthly_targets_set():
    split = {"k-1": {(2024, m): Decimal("1.5") for m in range(7, 13)}}
    event = monthly_targets.event(NIP, "skp-1", "i-1", dt.date(2024, 7, 1), dt.date(2024, 12, 31), 2,
                                  [("k-1", "laporan", Decimal("9")), ("k-2", None, Decimal("0.125"))], split)
    months_1 = ", ".join('{"tahun": 2024, "bulan": %d, "kuantitas": "%s"}' % (m, "1.500" if m >= 7 else "0.000")
                         for m in range(1, 13))
    months_2 = ", ".join('{"tahun": 2024, "bulan": %d, "kuantitas": "0.000"}' % m for m in range(1, 13))
    assert wire(event) == (
        '{"skp_id": "skp-1", "nip": "%s", "instansi_id": "i-1", "period_start": "2024-07-01", '
        '"period_end": "2024-12-31", "revision": 2, "kegiatan": ['
        '{"kegiatan_id": "k-1", "satuan": "laporan", "kuantitas": "9.000", "months": [%s]}, '
        '{"kegiatan_id": "k-2", "satuan": null, "kuantitas": "0.125", "months": [%s]}]}'
        % (NIP, months_1, months_2))
