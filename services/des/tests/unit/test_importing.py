"""The agency's bulk import (application/importing.py) on the in-memory unit of work (des_fakes.py): each record is
decided on its own (a bad one never stops the good ones), a record id sent twice answers its first activity id,
the writer is asked to claim only after the batch before it did. The COPY and set-based SQL are the adapters'
(adapters/import_sql.py; tests/integration/test_import.py).

Checked failing: with the lock check dropped from `_validate`, the duplicate answer's first id replaced by "",
`may_claim` not called for a batch without valid records, and `authorize` dropped from `authorize_import`.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from des_fakes import FakeDesUnitOfWork

from des.application import importing
from des.application.importing import CREATED, DUPLICATE, REJECTED, ImportRecord
from des.application.ports import ImportDocument
from ekinerja_platform.domain_errors import PermissionDenied
from ekinerja_platform.tokens import Principal

pytestmark = pytest.mark.unit

INSTANSI = "pemkot-bogor"
NIP = "198001012005011001"
NO_SKP = "198502022010012002"
AGENCY = Principal("client-bogor", ("agency_client",), instansi_id=INSTANSI, scopes=("des:import",))
NOW = dt.datetime(2026, 5, 14, 3, 0, tzinfo=dt.timezone.utc)  # 10:00 WIB on 14 May



@pytest.fixture
def uow():
    uow = FakeDesUnitOfWork()
    uow.imports.add_document(ImportDocument(NIP, "skp-1", "u-1", "197001011990031001", dt.date(2026, 1, 1),
                                            dt.date(2026, 12, 31)), {"k1": "laporan"})
    return uow


def record(record_id="r1", nip=NIP, tanggal="2026-05-13", kegiatan_id="k1", kuantitas="2", jenis="skp"):
    return ImportRecord(record_id, nip, tanggal, jenis, kegiatan_id, "menyusun laporan", kuantitas, "laporan", 60,
                        False, "")


def run(uow, cfg, records):
    batch = importing.prepare_batch(uow, INSTANSI, records, cfg)
    return importing.write_batch(uow, INSTANSI, importing.actor(AGENCY), batch)


def test_good_records_are_written_with_their_document_and_the_agency_as_actor(uow, cfg):
    results = run(uow, cfg, [record("r1"), record("r2", kuantitas="1,5")])
    assert [(r[0], r[1], r[3]) for r in results] == [("r1", CREATED, ""), ("r2", CREATED, "")]
    assert [w["activity_id"] for w in uow.imports.written] == [results[0][2], results[1][2]]
    first = uow.imports.written[0]
    assert (first["skp_id"], first["actor"], first["penilai_nip"]) == ("skp-1", "agency:client-bogor",
                                                                       "197001011990031001")
    assert uow.imports.written[1]["content"].kuantitas == Decimal("1.5")


@pytest.mark.parametrize(("bad", "says"), [
    (record("x", nip="123"), "nip: must be 18 digits"),
    (record("x", nip=NO_SKP), "no approved SKP of this instansi covers 2026-05-13"),
    (record("x", tanggal="13/05/2026"), "is not a date"),
    (record("x", tanggal="2026-05-15"), "future"),
    (record("x", tanggal="2026-04-01"), "tanggal"),
    (record("x", kegiatan_id="k9"), "'k9' is not a kegiatan of SKP skp-1"),
    (record("x", kuantitas="dua"), "kuantitas"),
    (record("", ), "record_id"),
])
def test_a_bad_record_is_rejected_alone_naming_what_is_wrong(uow, cfg, bad, says):
    results = run(uow, cfg, [record("r1"), bad, record("r3")])
    assert [r[1] for r in results] == [CREATED, REJECTED, CREATED]
    assert says in results[1][3] and results[1][2] == ""
    assert len(uow.imports.written) == 2


def test_a_locked_day_is_refused(uow, cfg):
    uow.imports.locks[NIP] = [(dt.date(2026, 5, 1), dt.date(2026, 5, 13))]
    [result] = run(uow, cfg, [record("r1")])
    assert result[1] == REJECTED and "terkunci" in result[3]


def test_a_record_id_sent_twice_answers_the_first_activity(uow, cfg):
    first = run(uow, cfg, [record("r1"), record("r1", kuantitas="9"), record("bad", kegiatan_id="k9"), record("bad")])
    assert first[1] == ("r1", DUPLICATE, first[0][2], "")
    assert first[3] == first[2]  # a copy of a rejected record is rejected the same way
    again = run(uow, cfg, [record("r1"), record("r4")])
    assert again[0] == ("r1", DUPLICATE, first[0][2], "") and again[1][1] == CREATED
    assert len(uow.imports.written) == 2


def test_a_batch_claims_only_after_the_one_before_even_without_valid_records(uow, cfg):
    calls = []
    for records in ([record("r1")], [record("bad", nip="1")]):
        batch = importing.prepare_batch(uow, INSTANSI, records, cfg)
        importing.write_batch(uow, INSTANSI, "agency:x", batch, may_claim=lambda: calls.append("may"),
                              claimed=lambda: calls.append("claimed"))
    assert calls == ["may", "claimed", "may", "claimed"]


def test_only_an_agency_client_with_the_import_scope_may_import():
    assert importing.authorize_import(AGENCY) == INSTANSI
    for who in (Principal("client-bogor", ("agency_client",), instansi_id=INSTANSI),
                Principal(NIP, ("pegawai",), instansi_id=INSTANSI, nip=NIP)):
        with pytest.raises(PermissionDenied):
            importing.authorize_import(who)
