"""identity's events built on the payload definitions (ekinerja_events.identity) are, as JSON, byte for byte what the
hand-built dicts sent before them (version 1 keeps its wire format: same keys, order, values)."""
import datetime as dt
import json
from types import SimpleNamespace as Row

import pytest

from identity.application import events

pytestmark = pytest.mark.unit
NIP, KASI, KABID = "198001012006041001", "197501012000031002", "197001011995031003"


def wire(event) -> str:
    return json.dumps(event.data)


def test_employee_events():
    registered = events.employee_registered({"nip": NIP, "nama": "Siti", "instansi_id": "i-1", "golongan": "III/a",
                                             "status": "aktif"})
    assert wire(registered) == '{"nip": "%s", "nama": "Siti", "instansi_id": "i-1", "golongan": "III/a", ' \
        '"status": "aktif"}' % NIP
    assert (registered.nip, registered.instansi_id, registered.schema_version) == (NIP, "i-1", 1)
    changed = events.employee_status_changed(NIP, "i-1", "aktif", "cuti", dt.date(2024, 3, 1), None)
    assert wire(changed) == '{"nip": "%s", "instansi_id": "i-1", "old_status": "aktif", "new_status": "cuti", ' \
        '"effective_date": "2024-03-01", "end_date": null}' % NIP


def test_position_changed():
    row = Row(id="j-1", instansi_id="i-1", unit_id="u-1", nama="Analis", kind="fungsional", job_group="umum",
              parent_id=None, eselon=None, jenjang="ahli_pertama", jenis_jabatan=None, version=3)
    assert wire(events.position_changed(row, "Biro SDM")) == (
        '{"jabatan_id": "j-1", "instansi_id": "i-1", "unit_id": "u-1", "unit_nama": "Biro SDM", "nama": "Analis", '
        '"kind": "fungsional", "job_group": "umum", "parent_id": null, "eselon": null, "jenjang": "ahli_pertama", '
        '"jenis_jabatan": null, "version": 3}')


def test_assignment_changed():
    jabatan = Row(id="j-2", nama="Analis", unit_id="u-1", kind="fungsional", job_group="umum", jenis_jabatan="guru")
    chain = Row(pejabat_penilai=Row(nip=KASI), atasan_pejabat_penilai=Row(nip=KABID),
                heads=[Row(nip=KASI), Row(nip=KABID)])
    view = Row(instansi_id="i-1", jabatan={"j-1": Row(unit_id="u-0")}, jabatan_rows={"j-2": jabatan},
               units={"u-1": Row(nama="Biro SDM")}, chain=lambda nip, on: chain)
    old = Row(jabatan_id="j-1", start=dt.date(2020, 1, 1), end=dt.date(2024, 6, 30))
    new = Row(jabatan_id="j-2", start=dt.date(2024, 7, 1), end=None)
    event = events.assignment_changed(view, assignment_id="a-1", nip=NIP, acting=False,
                                      effective_date=dt.date(2024, 7, 1), old=old, new=new, version=4)
    assert wire(event) == (
        '{"assignment_id": "a-1", "nip": "%s", "instansi_id": "i-1", "acting": false, "effective_date": "2024-07-01", '
        '"old": {"jabatan_id": "j-1", "unit_id": "u-0", "start": "2020-01-01", "end": "2024-06-30"}, '
        '"new": {"jabatan_id": "j-2", "jabatan_nama": "Analis", "unit_id": "u-1", "unit_nama": "Biro SDM", '
        '"kind": "fungsional", "job_group": "umum", "jenis_jabatan": "guru", "start": "2024-07-01", "end": null}, '
        '"penilai_nip": "%s", "atasan_penilai_nip": "%s", "heads": ["%s", "%s"], "version": 4}'
        % (NIP, KASI, KABID, KASI, KABID))
    vacant = events.assignment_changed(view, assignment_id="a-1", nip=NIP, acting=True, effective_date=old.end,
                                       old=old, new=None, version=5, chain=Row(
                                           pejabat_penilai=None, atasan_pejabat_penilai=None, heads=[]))
    assert json.loads(wire(vacant))["new"] is None and json.loads(wire(vacant))["heads"] == []


def test_phone_verification_requested():
    event = events.phone_verification_requested(
        nip=NIP, instansi_id="i-1", phone="+6281200000001", code="123456",
        expires_at=dt.datetime(2024, 7, 1, 3, 15, 0, 123456, tzinfo=dt.timezone.utc), registration_id="r-1")
    assert wire(event) == ('{"phone": "+6281200000001", "code": "123456", '
                           '"expires_at": "2024-07-01T03:15:00.123456+00:00", "registration_id": "r-1"}')
