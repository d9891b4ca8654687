"""identity's list RPCs come in pages (issue 15.11): following next_page_token yields every row once, in order."""
import grpc
import pytest
from identity_testlib import nip

from ekinerja_platform import testing

pytestmark = pytest.mark.integration
INSTANSI = "KAB-PAGES"


def all_pages(fetch, field):
    rows, token, pages = [], "", 0
    while True:
        page = fetch(token)
        pages += 1
        rows.extend(getattr(page, field))
        token = page.next_page_token
        if not token:
            return rows, pages


def test_instansi_pegawai_and_assignments_come_in_pages(stub, pb, admin_token):
    auth = testing.bearer(admin_token)
    for suffix in ("A", "B", "C"):
        stub.UpsertInstansi(pb.Instansi(id=f"{INSTANSI}-{suffix}", nama=suffix, kind=pb.INSTANSI_KIND_KOTA),
                            metadata=auth, timeout=10)
    everything = stub.ListInstansi(pb.ListInstansiRequest(page_size=1000), metadata=auth, timeout=10).instansi
    paged, pages = all_pages(lambda t: stub.ListInstansi(pb.ListInstansiRequest(page_size=2, page_token=t),
                                                         metadata=auth, timeout=10), "instansi")
    assert [i.id for i in paged] == [i.id for i in everything] and pages == -(-len(everything) // 2)

    home = f"{INSTANSI}-A"
    records = [pb.ImportPegawaiRecord(unit=pb.ImportUnit(id="PG.U", nama="Unit")),
               pb.ImportPegawaiRecord(jabatan=pb.ImportJabatan(id="PG.J1", unit_id="PG.U", nama="Staf 1",
                                                               kind="pelaksana", job_group="umum")),
               pb.ImportPegawaiRecord(jabatan=pb.ImportJabatan(id="PG.J2", unit_id="PG.U", nama="Staf 2",
                                                               kind="pelaksana", job_group="umum"))]
    records += [pb.ImportPegawaiRecord(pegawai=pb.ImportPegawai(nip=nip(80000 + i), nama=f"P{i}", golongan="III/a",
                                                                 jabatan_id="PG.J1", tmt_jabatan="2024-01-01"))
                for i in range(5)]
    assert stub.ImportPegawai(iter([pb.ImportPegawaiRequest(instansi_id=home, records=records)]), metadata=auth,
                              timeout=60).failed == 0
    people, pages = all_pages(lambda t: stub.ListPegawai(pb.ListPegawaiRequest(instansi_id=home, page_size=2,
                                                                               page_token=t),
                                                         metadata=auth, timeout=10), "pegawai")
    assert [p.nip for p in people] == sorted(nip(80000 + i) for i in range(5)) and pages == 3

    who = nip(80000)
    stub.AssignJabatan(pb.AssignJabatanRequest(nip=who, jabatan_id="PG.J2", start="2025-01-01"), metadata=auth,
                       timeout=10)
    held, pages = all_pages(lambda t: stub.ListAssignments(pb.ListAssignmentsRequest(nip=who, page_size=1,
                                                                                     page_token=t),
                                                           metadata=auth, timeout=10), "assignments")
    assert [a.jabatan_id for a in held] == ["PG.J1", "PG.J2"] and pages == 2

    with pytest.raises(grpc.RpcError) as err:  # a token of one query is refused by another
        stub.ListPegawai(pb.ListPegawaiRequest(instansi_id=f"{INSTANSI}-B", page_size=2,
                                               page_token=stub.ListPegawai(pb.ListPegawaiRequest(
                                                   instansi_id=home, page_size=2), metadata=auth,
                                                   timeout=10).next_page_token), metadata=auth, timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in err.value.details()
