"""The SKP belongs to the position (issue 16, part 1), across identity and skp through their public APIs.

An agency labels its positions with their jenis jabatan in identity. Its admin_instansi copies the Pranata
Komputer catalogue into the position's template and edits it (versions 1 and 2, audited). A, a general staff
member, has a draft SKP for Subbagian TU that is not yet approved when identity moves A to Pranata Komputer: skp
closes the draft at the move (still open for agreement), and drafts A's new document from the position's template
version 2, prorated. A then agrees the closed document for the months served with the old penilai and the new one
with the new penilai; both count in the year's score. The new penilai makes the approved targets the position's
next template version ("jadikan template jabatan"), and the next holder of the position is drafted from it.
"""
from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pytest
from e2e_lib import Calendar, auth, eventually, months_between, rpc_error

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def jabatan(identity, inst, jid, unit, nama, kind, group, jenis, parent=""):
    pb = identity.pb
    identity.stub.UpsertJabatan(pb.Jabatan(
        id=f"{inst}.{jid}", instansi_id=inst, unit_id=f"{inst}.{unit}", nama=nama,
        kind=getattr(pb, f"JABATAN_KIND_{kind.upper()}"), job_group=getattr(pb, f"JOB_GROUP_{group.upper()}"),
        parent_id=f"{inst}.{parent}" if parent else "", jenis_jabatan=jenis), metadata=identity.admin(), timeout=20)


def test_position_template_move_new_document_approve_and_jadikan_template(identity, skp):
    cal = Calendar.now()
    move = cal.move_date
    inst = "E2E-TPL-" + uuid.uuid4().hex[:6].upper()
    identity.instansi(inst, "Pemerintah Kabupaten Uji Template")
    identity.unit(inst, f"{inst}.SET", "Sekretariat")
    identity.unit(inst, f"{inst}.TU", "Subbagian Tata Usaha", f"{inst}.SET")
    identity.unit(inst, f"{inst}.TI", "Subbagian Data dan Informasi", f"{inst}.SET")
    jabatan(identity, inst, "SEKDA", "SET", "Sekretaris Daerah", "struktural_jpt", "umum", "struktural_jpt")
    jabatan(identity, inst, "KASUBAG-TU", "TU", "Kepala Subbagian Tata Usaha", "struktural_pengawas", "umum",
            "struktural_pengawas", "SEKDA")
    jabatan(identity, inst, "KASUBAG-TI", "TI", "Kepala Subbagian Data dan Informasi", "struktural_pengawas",
            "umum", "struktural_pengawas", "SEKDA")
    jabatan(identity, inst, "STAF", "TU", "Pengadministrasi Umum", "pelaksana", "umum", "pelaksana", "KASUBAG-TU")
    jabatan(identity, inst, "PRAKOM", "TI", "Pranata Komputer Ahli Pertama", "fungsional_tertentu", "fungsional",
            "pranata_komputer", "KASUBAG-TI")
    T = identity.pegawai(inst, "Sekda Uji", "IV/c")
    R = identity.pegawai(inst, "Rina Kasubag TU", "III/d", gender=2)
    Q = identity.pegawai(inst, "Qomar Kasubag TI", "III/d")
    A = identity.pegawai(inst, "Andi Staf", "II/c")
    B = identity.pegawai(inst, "Bayu Pranata", "III/a")
    for person, jid in ((T, "SEKDA"), (R, "KASUBAG-TU"), (Q, "KASUBAG-TI"), (A, "STAF")):
        identity.assign(person.nip, f"{inst}.{jid}", cal.year_start)
    admin = auth(identity.admin_instansi(inst))
    stub, pb = skp.stub, skp.pb
    prakom = f"{inst}.PRAKOM"

    # -- the position's template: the fitting catalogue, copied (v1) and edited (v2) by the agency's admin -------
    shown = eventually(lambda: stub.GetTemplate(pb.GetTemplateRequest(jabatan_id=prakom), metadata=admin,
                                                timeout=20), what="skp learns the position from identity")
    assert (shown.version, shown.jenis_jabatan, shown.catalogue) == (0, "pranata_komputer", "pranata_komputer")
    v1 = stub.CopyCatalogueToTemplate(pb.CopyCatalogueToTemplateRequest(jabatan_id=prakom, expected_version=0),
                                      metadata=admin + [("x-idempotency-key", uuid.uuid4().hex)], timeout=20)
    assert (v1.version, v1.source) == (1, "catalogue:pranata_komputer")
    kegiatan = [pb.TemplateKegiatanInput(nama=k.nama, satuan=k.satuan, kuantitas=k.kuantitas, waktu=k.waktu,
                                         biaya=k.biaya, angka_kredit=k.angka_kredit) for k in v1.kegiatan[:2]]
    kegiatan.append(pb.TemplateKegiatanInput(nama="Mengelola keamanan informasi SPBE", satuan="laporan",
                                             kuantitas="12", waktu="12", angka_kredit="0.600"))
    v2 = stub.UpdateTemplate(pb.UpdateTemplateRequest(jabatan_id=prakom, expected_version=1, kegiatan=kegiatan,
                                                      reason="SPBE kabupaten"),
                             metadata=admin + [("x-idempotency-key", uuid.uuid4().hex)], timeout=20)
    assert v2.version == 2
    assert rpc_error(lambda: stub.UpdateTemplate(pb.UpdateTemplateRequest(
        jabatan_id=prakom, expected_version=2, kegiatan=kegiatan, reason="x"), metadata=A.md(True),
        timeout=20)).code() == grpc.StatusCode.PERMISSION_DENIED

    # -- A's first document, from the pelaksana catalogue, is still a draft when A moves ------------------------
    [first] = skp.documents(A, cal.year_start.year)
    assert first.penilai_nip == R.nip and first.status == "draft"
    identity.assign(A.nip, prakom, move)

    def moved():
        docs = {d.jabatan_id: d for d in stub.ListSkp(pb.ListSkpRequest(nip=A.nip, year=move.year),
                                                      metadata=A.md(), timeout=20).documents}
        assert prakom in docs and docs[f"{inst}.STAF"].closed_reason == "moved"
        return docs[f"{inst}.STAF"], docs[prakom]
    old, new = eventually(moved, what="skp closes A's draft at the move and drafts the Pranata Komputer SKP")
    assert (old.status, old.period_end) == ("draft", (move - dt.timedelta(days=1)).isoformat())
    assert (new.status, new.period_start, new.penilai_nip) == ("draft", move.isoformat(), Q.nip)
    # drafted from the position's template version 2, prorated to the months of the period (whole numbers)
    months = months_between(move, dt.date(move.year, 12, 31))
    assert [k.nama for k in new.kegiatan] == [k.nama for k in v2.kegiatan]
    assert new.kegiatan[2].kuantitas == str(months)  # 12 laporan a year x months/12

    # -- the document closed before approval is still agreed for the months served, and counts in the year -----
    stub.SubmitSkp(pb.SubmitSkpRequest(skp_id=old.skp_id), metadata=A.md(True), timeout=20)
    agreed = stub.ApproveSkp(pb.ApproveSkpRequest(skp_id=old.skp_id), metadata=R.md(True), timeout=20).document
    assert (agreed.status, agreed.closed_reason, agreed.approved_once) == ("closed", "moved", True)
    stub.SubmitSkp(pb.SubmitSkpRequest(skp_id=new.skp_id), metadata=A.md(True), timeout=20)
    approved = stub.ApproveSkp(pb.ApproveSkpRequest(skp_id=new.skp_id), metadata=Q.md(True), timeout=20).document
    assert approved.status == "approved"
    year = stub.ScoreSkp(pb.ScoreSkpRequest(skp_id=new.skp_id), metadata=A.md(), timeout=20)
    assert [d.skp_id for d in year.skp] == [old.skp_id, new.skp_id]

    # -- jadikan template jabatan: the new penilai makes the agreed targets the position's next version ----------
    adopt = pb.AdoptSkpAsTemplateRequest(skp_id=new.skp_id, reason="target yang disepakati")
    assert rpc_error(lambda: stub.AdoptSkpAsTemplate(adopt, metadata=A.md(True), timeout=20)).code() == \
        grpc.StatusCode.PERMISSION_DENIED
    v3 = stub.AdoptSkpAsTemplate(adopt, metadata=Q.md(True), timeout=20)
    assert (v3.version, v3.source, v3.author) == (3, f"skp:{new.skp_id}", Q.nip)
    versions = stub.ListTemplateVersions(pb.ListTemplateVersionsRequest(jabatan_id=prakom), metadata=admin,
                                         timeout=20).versions
    assert [(v.version, v.source) for v in versions] == [(1, "catalogue:pranata_komputer"), (2, "edit"),
                                                         (3, f"skp:{new.skp_id}")]

    # -- the next holder of the position gets the position's SKP: drafted from version 3 -----------------------
    identity.assign(B.nip, prakom, move)
    [b_doc] = skp.documents(B, move.year)
    assert [k.nama for k in b_doc.kegiatan] == [k.nama for k in v3.kegiatan]
    drafted = [e.detail_json for e in stub.ListAudit(pb.ListAuditRequest(skp_id=b_doc.skp_id), metadata=B.md(),
                                                     timeout=20).entries if e.action == "drafted"]
    assert '"source": "template:3"' in drafted[0]
