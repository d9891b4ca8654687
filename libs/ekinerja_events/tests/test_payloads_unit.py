"""The payload codec (ekinerja_events.base): what a producer may write (strict), what a consumer reads (lenient), the
wire format of version 1 as the producers wrote it before the definitions (byte for byte, as JSON)."""
import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

import ekinerja_events
from ekinerja_events import InvalidEventData, des, identity, skp

pytestmark = pytest.mark.unit


def test_every_definition_is_registered_under_its_producer_type_and_version():
    assert ekinerja_events.definition("identity", "assignment_changed", 1) is identity.AssignmentChanged
    assert {p for p, _, _ in ekinerja_events.REGISTRY} >= {"identity", "skp", "des", "recap", "snowman"}
    with pytest.raises(InvalidEventData, match="no definition of identity.assignment_changed version 2"):
        ekinerja_events.definition("identity", "assignment_changed", 2)


def test_to_data_writes_decimals_dates_and_lists_as_the_producers_did():
    event = des.MonthlyTargetsSet.example()
    data = event.to_data()
    assert data["period_start"] == "2024-01-01" and data["kegiatan"][0]["kuantitas"] == "12.000"
    assert data["kegiatan"][0]["months"][0] == {"tahun": 2024, "bulan": 1, "kuantitas": "1.000"}
    assert des.MonthlyTargetsSet.from_data(json.loads(json.dumps(data)), strict=True) == event
    assert format(Decimal("0.0000001"), "f") == skp.ServedKegiatan(kegiatan_id="k", kuantitas=Decimal(
        "1E-7")).to_data()["kuantitas"]  # never the exponent form


def test_a_field_absent_if_none_is_left_out_as_des_leaves_out_the_other_scope():
    day = des.PeriodLocked.example().to_data()
    assert "tanggal" in day and "tahun" not in day and "bulan" not in day
    month = dataclasses.replace(des.PeriodLocked.example(), scope="month", tanggal=None, tahun=2024, bulan=3)
    assert list(month.to_data()) == ["nip", "instansi_id", "skp_id", "scope", "tahun", "bulan", "activity_ids",
                                     "locked_by"]


@pytest.mark.parametrize(("change", "message"), [
    ({"version": "4"}, "data.version: expected integer, got str"),
    ({"version": True}, "data.version: expected integer, got bool"),
    ({"acting": None}, "data.acting: expected boolean, got null"),
    ({"effective_date": "01-07-2024"}, "data.effective_date: expected a date YYYY-MM-DD, got str"),
    ({"effective_date": "2024-02-30"}, "data.effective_date: expected a date YYYY-MM-DD, got str"),
    ({"heads": "1975"}, "data.heads: expected a list, got str"),
    ({"heads": [1975]}, "data.heads[0]: expected string, got int"),
    ({"new": {"unit_id": "u"}}, "data.new.jabatan_id: is required"),
])
def test_a_field_unlike_its_definition_is_named(change, message):
    data = {**identity.AssignmentChanged.example().to_data(), **change}
    with pytest.raises(InvalidEventData) as raised:
        identity.AssignmentChanged.from_data(data)
    assert str(raised.value) == message


def test_a_missing_field_without_default_is_required_and_one_with_a_default_may_be_absent():
    data = identity.AssignmentChanged.example().to_data()
    with pytest.raises(InvalidEventData, match="data.nip: is required"):
        identity.AssignmentChanged.from_data({k: v for k, v in data.items() if k != "nip"})
    read = identity.AssignmentChanged.from_data({k: v for k, v in data.items() if k != "penilai_nip"})
    assert read.penilai_nip is None  # a field added later in the same version reads as its default


def test_strict_is_what_a_producer_may_write_and_lenient_what_a_consumer_reads():
    data = {**skp.SkpClosed.example().to_data(), "added_later": 1}
    with pytest.raises(InvalidEventData, match="added_later not in the definition SkpClosed"):
        skp.SkpClosed.from_data(data, strict=True)
    assert skp.SkpClosed.from_data(data).skp_id == skp.SKP_ID  # a newer producer's extra key is ignored
    numbers = {**skp.SkpClosed.example().to_data(), "kegiatan": [{"kegiatan_id": "k", "kuantitas": 4}]}
    with pytest.raises(InvalidEventData, match=r"data.kegiatan\[0\].kuantitas: expected a decimal as a string"):
        skp.SkpClosed.from_data(numbers, strict=True)
    assert skp.SkpClosed.from_data(numbers).kegiatan[0].kuantitas == Decimal(4)
    for text in ("", "1e5", "NaN", " 1"):
        with pytest.raises(InvalidEventData):
            skp.ServedKegiatan.from_data({"kegiatan_id": "k", "kuantitas": text})


def test_check_reads_the_data_as_its_producer_type_and_version():
    data = {"instansi_id": "i-1", "tahun": 2024, "bulan": 3}
    ekinerja_events.check("recap", "recap_closed", 1, data)
    with pytest.raises(InvalidEventData, match="data.tahun: expected integer, got str"):
        ekinerja_events.check("recap", "recap_closed", 1, {**data, "tahun": "2024"})
    with pytest.raises(InvalidEventData, match="data: expected an object, got list"):
        ekinerja_events.check("recap", "recap_closed", 1, [data])


def test_a_definition_cannot_be_given_twice():
    with pytest.raises(TypeError, match="defined twice"):
        @dataclasses.dataclass(frozen=True, kw_only=True)
        class Again(ekinerja_events.Payload):
            producer = "recap"
            event_type = "recap_closed"
            schema_version = 1


def test_timestamps_keep_their_zone():
    event = identity.PhoneVerificationRequested.example()
    assert event.to_data()["expires_at"] == "2024-07-01T03:15:00+00:00"
    assert identity.PhoneVerificationRequested.from_data(
        {**event.to_data(), "expires_at": "2024-07-01T10:15:00+07:00"}).expires_at == event.expires_at
    assert event.expires_at.tzinfo is dt.timezone.utc
