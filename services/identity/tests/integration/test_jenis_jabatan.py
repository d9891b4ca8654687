"""A position's jenis jabatan (guru, bidan, ...): imported or upserted, validated, kept, and carried in
`position_changed` and in `assignment_changed.new` (the contract skp drafts from, docs/events.md)."""
import json

import grpc
import pytest
import sqlalchemy as sa
from identity_testlib import nip

from ekinerja_platform import testing

pytestmark = pytest.mark.integration
INSTANSI = "KAB-JENIS"


def outbox(db_url, event_type, key, value):
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            rows = conn.execute(sa.text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY id"),
                                {"t": event_type}).scalars().all()
    finally:
        engine.dispose()
    payloads = [p if isinstance(p, dict) else json.loads(p) for p in rows]
    return [p["data"] for p in payloads if p["data"].get(key) == value]


def test_jenis_jabatan_is_imported_validated_and_carried_in_the_events(stub, pb, admin_token, identity_db):
    auth = testing.bearer(admin_token)
    stub.UpsertInstansi(pb.Instansi(id=INSTANSI, nama="Kabupaten Jenis", kind=pb.INSTANSI_KIND_KABUPATEN),
                        metadata=auth, timeout=10)
    J = pb.ImportPegawaiRequest
    bidan = nip(900_001, gender=2)
    summary = stub.ImportPegawai(iter([
        J(instansi_id=INSTANSI, unit=pb.ImportUnit(id="KJ.PKM", nama="Puskesmas")),
        J(instansi_id=INSTANSI, line=2, jabatan=pb.ImportJabatan(
            id="KJ.KAPUS", unit_id="KJ.PKM", nama="Kepala Puskesmas", kind="struktural_pengawas",
            job_group="kesehatan", eselon="IV.a", jenis_jabatan="struktural_pengawas")),
        J(instansi_id=INSTANSI, line=3, jabatan=pb.ImportJabatan(
            id="KJ.BIDAN", unit_id="KJ.PKM", nama="Bidan Terampil", kind="fungsional_tertentu",
            job_group="kesehatan", parent_id="KJ.KAPUS", jenjang="terampil", jenis_jabatan="bidan")),
        J(instansi_id=INSTANSI, line=4, jabatan=pb.ImportJabatan(
            id="KJ.BAD", unit_id="KJ.PKM", nama="Salah", kind="pelaksana", job_group="umum",
            jenis_jabatan="Bidan Desa!")),
        J(instansi_id=INSTANSI, line=5, pegawai=pb.ImportPegawai(
            nip=bidan, nama="Sri Bidan", golongan="II/c", status="aktif", jabatan_id="KJ.BIDAN",
            tmt_jabatan="2024-01-02")),
    ]), metadata=auth, timeout=60)
    assert summary.failed == 1 and [(e.line, e.field) for e in summary.errors] == [(4, "jenis_jabatan")]

    [position] = outbox(identity_db, "position_changed", "jabatan_id", "KJ.BIDAN")
    assert position["jenis_jabatan"] == "bidan"
    assert outbox(identity_db, "position_changed", "jabatan_id", "KJ.BAD") == []  # refused whole
    [assignment] = outbox(identity_db, "assignment_changed", "nip", bidan)
    assert assignment["new"]["jenis_jabatan"] == "bidan"

    # the RPC keeps and returns it; a change of jenis is a change of the position (a new event)
    row = stub.UpsertJabatan(pb.Jabatan(
        id="KJ.BIDAN", instansi_id=INSTANSI, unit_id="KJ.PKM", nama="Bidan Terampil",
        kind=pb.JABATAN_KIND_FUNGSIONAL_TERTENTU, job_group=pb.JOB_GROUP_KESEHATAN, parent_id="KJ.KAPUS",
        jenjang="terampil", jenis_jabatan="bidan_desa"), metadata=auth, timeout=10)
    assert row.jenis_jabatan == "bidan_desa"
    assert [p["jenis_jabatan"] for p in outbox(identity_db, "position_changed", "jabatan_id", "KJ.BIDAN")] == [
        "bidan", "bidan_desa"]
    with pytest.raises(grpc.RpcError) as error:
        stub.UpsertJabatan(pb.Jabatan(
            id="KJ.BIDAN", instansi_id=INSTANSI, unit_id="KJ.PKM", nama="Bidan Terampil",
            kind=pb.JABATAN_KIND_FUNGSIONAL_TERTENTU, job_group=pb.JOB_GROUP_KESEHATAN, parent_id="KJ.KAPUS",
            jenis_jabatan="BIDAN"), metadata=auth, timeout=10)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "jenis_jabatan" in error.value.details()
