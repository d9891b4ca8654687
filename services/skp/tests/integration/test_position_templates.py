"""Position templates through the running skp service (gRPC, real PostgreSQL and RabbitMQ): the catalogue that
fits the position, versions made by the agency's admin and the position's penilai (each audited with author and
reason, immutable, against the version seen), refusals that change nothing, the next holder drafted from the
current version, and "jadikan template jabatan" from an approved SKP. Then, on a database of its own, the rule for
a document closed by a move before approval."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import grpc
import pytest
from skp_testlib import new_nip, wait_for
from sqlalchemy.orm import sessionmaker

from ekinerja_platform.db import DatabaseAccess, make_engine
from ekinerja_platform.domain_errors import FailedPrecondition
from ekinerja_platform.events import apply_once
from ekinerja_platform.tokens import Principal
from skp.adapters import repository as repo
from skp.adapters.unit_of_work import in_session, on_unit
from skp.application import consumers, handlers
from skp.application.year_score import year_documents

pytestmark = pytest.mark.integration


def key():
    return [("x-idempotency-key", uuid.uuid4().hex)]


def code_of(call) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as error:
        call()
    return error.value.code()


def documents(stub, pb, auth, nip, count=1):
    return wait_for(lambda: (lambda docs: docs if len(docs) >= count else None)(
        list(stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=auth, timeout=5).documents)))


def template(stub, pb, auth, jabatan_id, version=None):
    def ready():
        try:
            found = stub.GetTemplate(pb.GetTemplateRequest(jabatan_id=jabatan_id), metadata=auth, timeout=5)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return found if version is None or found.version == version else None
    return wait_for(ready)


def test_catalogues_are_listed_and_read(stub, pb, world):
    me = world.token(new_nip())
    listed = {c.jenis_jabatan: c for c in stub.ListCatalogues(pb.ListCataloguesRequest(), metadata=me,
                                                              timeout=5).catalogues}
    assert {"struktural_jpt", "bidan", "apoteker", "pranata_komputer", "kepala_sekolah"} <= set(listed)
    bidan = stub.GetCatalogue(pb.GetCatalogueRequest(jenis_jabatan="bidan"), metadata=me, timeout=5)
    assert bidan.kind == "fungsional_tertentu" and any(k.satuan == "persalinan" for k in bidan.kegiatan)
    assert len(bidan.kegiatan) == listed["bidan"].kegiatan_count
    assert code_of(lambda: stub.GetCatalogue(pb.GetCatalogueRequest(jenis_jabatan="astronot"), metadata=me,
                                             timeout=5)) == grpc.StatusCode.NOT_FOUND
    assert code_of(lambda: stub.ListCatalogues(pb.ListCataloguesRequest(), metadata=world.token(
        roles=["operator"]), timeout=5)) == grpc.StatusCode.PERMISSION_DENIED


def test_versions_authorisation_audit_and_the_next_holder(stub, pb, world):
    jabatan = f"jab-bidan-{uuid.uuid4().hex[:6]}"
    holder, penilai, atasan, colleague = new_nip("2"), new_nip(), new_nip(), new_nip()
    admin, admin_other = world.token(roles=["admin_instansi"]), world.token(roles=["admin_instansi"],
                                                                               instansi="inst-2")
    world.position(jabatan, "Bidan Terampil", kind="fungsional_tertentu", job_group="kesehatan", jenis="bidan")
    world.assign(holder, jabatan, "2024-01-02", penilai=penilai, atasan=atasan, kind="fungsional_tertentu",
                 job_group="kesehatan", nama="Bidan Terampil")

    # no template yet: the bidan catalogue (not the doctor's list), version 0; the holder's draft is made from it
    shown = template(stub, pb, world.token(holder), jabatan)
    assert (shown.version, shown.jenis_jabatan, shown.source) == (0, "bidan", "catalogue:bidan")
    [first_doc] = documents(stub, pb, world.token(holder), holder)
    assert [k.nama for k in first_doc.kegiatan] == [k.nama for k in shown.kegiatan]

    # the admin copies a catalogue (version 1), the position's penilai edits it (version 2)
    v1 = stub.CopyCatalogueToTemplate(pb.CopyCatalogueToTemplateRequest(jabatan_id=jabatan, expected_version=0),
                                      metadata=admin + key(), timeout=5)
    assert (v1.version, v1.source, v1.reason) == (1, "catalogue:bidan", "salinan katalog Bidan")
    edited = [pb.TemplateKegiatanInput(nama=k.nama, satuan=k.satuan, kuantitas=k.kuantitas, waktu=k.waktu,
                                       biaya=k.biaya, angka_kredit=k.angka_kredit) for k in v1.kegiatan[:2]]
    edited.append(pb.TemplateKegiatanInput(nama="Melaksanakan kelas ibu hamil", satuan="kelas", kuantitas="24",
                                           waktu="12", angka_kredit="0.480"))
    v2 = stub.UpdateTemplate(pb.UpdateTemplateRequest(jabatan_id=jabatan, expected_version=1, kegiatan=edited,
                                                      reason="program kelas ibu hamil puskesmas"),
                             metadata=world.token(penilai) + key(), timeout=5)
    assert (v2.version, v2.source, v2.author) == (2, "edit", penilai)
    assert [k.nama for k in v2.kegiatan][-1] == "Melaksanakan kelas ibu hamil"

    # refusals change nothing: a stale version, bad input, callers who do not manage the position
    update = pb.UpdateTemplateRequest(jabatan_id=jabatan, expected_version=1, kegiatan=edited, reason="x")
    assert code_of(lambda: stub.UpdateTemplate(update, metadata=admin + key(), timeout=5)) == \
        grpc.StatusCode.FAILED_PRECONDITION
    bad = pb.UpdateTemplateRequest(jabatan_id=jabatan, expected_version=2, reason="x", kegiatan=[
        pb.TemplateKegiatanInput(nama="x", satuan="x", kuantitas="banyak", waktu="12")])
    with pytest.raises(grpc.RpcError) as error:
        stub.UpdateTemplate(bad, metadata=admin + key(), timeout=5)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "kegiatan[0].kuantitas" in error.value.details()
    update.expected_version = 2
    for caller in (world.token(holder), world.token(colleague), admin_other, world.token(atasan),
                   world.token(roles=["admin_bkn"])):
        assert code_of(lambda caller=caller: stub.UpdateTemplate(update, metadata=caller + key(), timeout=5)) == \
            grpc.StatusCode.PERMISSION_DENIED
        assert code_of(lambda caller=caller: stub.CopyCatalogueToTemplate(pb.CopyCatalogueToTemplateRequest(
            jabatan_id=jabatan, expected_version=2), metadata=caller + key(), timeout=5)) == \
            grpc.StatusCode.PERMISSION_DENIED
    assert code_of(lambda: stub.ListTemplateVersions(pb.ListTemplateVersionsRequest(jabatan_id=jabatan),
                                                     metadata=admin_other, timeout=5)) == \
        grpc.StatusCode.PERMISSION_DENIED
    versions = stub.ListTemplateVersions(pb.ListTemplateVersionsRequest(jabatan_id=jabatan),
                                         metadata=world.token(colleague), timeout=5).versions
    assert [(v.version, v.reason) for v in versions] == [(1, "salinan katalog Bidan"),
                                                         (2, "program kelas ibu hamil puskesmas")]
    assert versions[0].author.startswith("user-") and versions[1].author == penilai  # the callers' subject / NIP
    assert [k.nama for k in versions[0].kegiatan] == [k.nama for k in v1.kegiatan]  # version 1 never changed

    # the next holder (a move into the position) is drafted from version 2, prorated to the months served
    nxt = new_nip("2")
    world.assign(nxt, jabatan, "2024-07-01", penilai=penilai, atasan=atasan, kind="fungsional_tertentu",
                 job_group="kesehatan", nama="Bidan Terampil")
    [doc] = documents(stub, pb, world.token(nxt), nxt)
    assert [(k.nama, k.kuantitas) for k in doc.kegiatan][-1] == ("Melaksanakan kelas ibu hamil", "12")
    drafted = [e for e in stub.ListAudit(pb.ListAuditRequest(skp_id=doc.skp_id), metadata=world.token(nxt),
                                         timeout=5).entries if e.action == "drafted"]
    assert '"source": "template:2"' in drafted[0].detail_json

    # jadikan template jabatan: only the approved document's penilai, only once approved
    adopt = pb.AdoptSkpAsTemplateRequest(skp_id=doc.skp_id, reason="target yang disepakati 2024")
    assert code_of(lambda: stub.AdoptSkpAsTemplate(adopt, metadata=world.token(penilai) + key(), timeout=5)) == \
        grpc.StatusCode.FAILED_PRECONDITION
    stub.SubmitSkp(pb.SubmitSkpRequest(skp_id=doc.skp_id), metadata=world.token(nxt) + key(), timeout=5)
    stub.ApproveSkp(pb.ApproveSkpRequest(skp_id=doc.skp_id), metadata=world.token(penilai) + key(), timeout=5)
    for caller in (world.token(nxt), admin, world.token(atasan)):
        assert code_of(lambda caller=caller: stub.AdoptSkpAsTemplate(adopt, metadata=caller + key(), timeout=5)) == \
            grpc.StatusCode.PERMISSION_DENIED
    v3 = stub.AdoptSkpAsTemplate(adopt, metadata=world.token(penilai) + key(), timeout=5)
    assert (v3.version, v3.source, v3.author) == (3, f"skp:{doc.skp_id}", penilai)
    # six months approved (12 kelas) -> yearly again (24)
    assert [(k.nama, k.kuantitas, k.waktu) for k in v3.kegiatan][-1] == ("Melaksanakan kelas ibu hamil", "24", "12")
    assert template(stub, pb, admin, jabatan, version=3).source == f"skp:{doc.skp_id}"
    assert any(e.action == "adopted_as_template" for e in stub.ListAudit(
        pb.ListAuditRequest(skp_id=doc.skp_id), metadata=world.token(penilai), timeout=5).entries)


# --- a document closed by a move before approval ------------------------------------------------------------------


@pytest.fixture
def db(database_factory):
    engine = make_engine(database_factory("skp"), pool_size=2)
    yield DatabaseAccess(engine, sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


def _assign(db, nip, jabatan_id, start, penilai, version=1, assignment_id=None):
    assignment_id = assignment_id or f"asg-{uuid.uuid4().hex[:8]}"
    apply_once(db, "skp", {"event_id": str(uuid.uuid4()), "data": {
        "assignment_id": assignment_id, "nip": nip, "instansi_id": "inst-1", "acting": False,
        "effective_date": start, "old": None, "penilai_nip": penilai, "atasan_penilai_nip": None,
        "version": version, "new": {"jabatan_id": jabatan_id, "jabatan_nama": "Jabatan uji", "unit_id": "u",
                                    "unit_nama": "U", "kind": "pelaksana", "job_group": "umum", "start": start,
                                    "end": None}}}, on_unit(consumers.assignment_changed))


def _who(nip) -> Principal:
    return Principal(subject=nip, roles=("pegawai",), instansi_id="inst-1", nip=nip)


def test_a_document_closed_by_a_move_before_approval_is_still_agreed_and_counts(db):
    nip, p1, p2 = new_nip(), new_nip(), new_nip()
    _assign(db, nip, "jab-a", "2024-01-02", p1)
    _assign(db, nip, "jab-b", "2024-06-01", p2)
    with db.transaction() as session:
        old, new = repo.documents_of(session, nip)
    assert (old["status"], old["closed_reason"], old["period_end"]) == ("draft", "moved", dt.date(2024, 5, 31))
    with db.transaction() as session:  # the next move does not touch it again; it is not "running"
        assert [d["skp_id"] for d in repo.open_documents_of(session, nip)] == [new["skp_id"]]

    # the employee still submits it (with the targets of the months served) and the old penilai approves it
    with db.transaction() as session:
        handlers.submit_skp(in_session(session), _who(nip), str(old["skp_id"]))
    with db.transaction() as session:
        approved = handlers.approve_skp(in_session(session), _who(p1), str(old["skp_id"]))
    assert (approved["status"], approved["closed_reason"]) == ("closed", "moved")
    assert [k["kuantitas"] for k in approved["approved_targets"]] == ["500", "100", "5"]  # x 5/12
    with db.transaction() as session:  # the year's result is not issued on it, but it counts in the year
        with pytest.raises(FailedPrecondition):
            handlers.issue_result(in_session(session), _who(p1), str(old["skp_id"]), dt.date(2025, 1, 5))
    with db.transaction() as session:
        handlers.submit_skp(in_session(session), _who(nip), str(new["skp_id"]))
        handlers.approve_skp(in_session(session), _who(p2), str(new["skp_id"]))
    with db.transaction() as session:
        counted = year_documents(in_session(session), repo.get_document(session, new["skp_id"]))
    assert [d["skp_id"] for d in counted] == [old["skp_id"], new["skp_id"]]


def test_the_demo_seed_gives_each_demo_position_its_template_once(db):
    from skp import demo
    url = db.engine.url.render_as_string(hide_password=False)
    assert demo.seed(url) == len(demo.demo_templates()) and demo.seed(url) == 0
    nip = new_nip()
    apply_once(db, "skp", {"event_id": str(uuid.uuid4()), "data": {
        "assignment_id": "asg-demo-pjok", "nip": nip, "instansi_id": demo.INSTANSI, "acting": False,
        "effective_date": "2026-01-02", "old": None, "penilai_nip": None, "atasan_penilai_nip": None, "version": 1,
        "new": {"jabatan_id": "KAB-DEMO.GURU-PJOK", "jabatan_nama": "Guru Pendidikan Jasmani", "unit_id": "u",
                "unit_nama": "SD", "kind": "fungsional_tertentu", "job_group": "pendidik", "start": "2026-01-02",
                "end": None}}}, on_unit(consumers.assignment_changed))
    with db.transaction() as session:
        [doc] = repo.documents_of(session, nip)
        names = [k["nama"] for k in repo.active_kegiatan(session, doc["skp_id"])]
    assert names[1] == "Melaksanakan pembelajaran PJOK tatap muka"


def test_migration_0004_makes_each_earlier_template_version_1():
    """A database at 0003 with a template made the old way (one per position, from the job-group catalogue):
    after 0004 that template is the position's version 1, kegiatan in order, exact decimals."""
    import sqlalchemy as sa

    from ekinerja_platform import testing
    from ekinerja_platform.migrate import migrate
    migrations = str(testing.REPO_ROOT / "services" / "skp" / "migrations")
    url = testing.create_database("test_skp_mig")
    engine = sa.create_engine(url)
    try:
        migrate(url, migrations, "0003")
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO positions (jabatan_id, instansi_id, nama, kind, job_group, version) "
                                 "VALUES ('j-old', 'inst-1', 'Pengadministrasi', 'pelaksana', 'umum', 1)"))
            conn.execute(sa.text("INSERT INTO templates (jabatan_id, catalogue) VALUES ('j-old', 'umum/pelaksana')"))
            conn.execute(sa.text(
                "INSERT INTO template_kegiatan (jabatan_id, nomor, nama, satuan, kuantitas, kualitas, waktu, biaya) "
                "VALUES ('j-old', 2, 'Mengolah data', 'data', 240, 100, 12, NULL), "
                "('j-old', 1, 'Mengagendakan surat', 'surat', 1200.5, 100, 12, 1500000)"))
        migrate(url, migrations)
        with engine.begin() as conn:
            row = conn.execute(sa.text("SELECT * FROM template_versions")).mappings().one()
        assert (row["jabatan_id"], row["version"], row["instansi_id"], row["source"], row["author"]) == (
            "j-old", 1, "inst-1", "starter:umum/pelaksana", "system")
        from skp.domain.template import from_json
        items = from_json(row["kegiatan"])
        assert [(i.nama, str(i.kuantitas), i.biaya) for i in items] == [
            ("Mengagendakan surat", "1200.5", Decimal(1500000)), ("Mengolah data", "240", None)]
    finally:
        engine.dispose()
        testing.drop_database(url)
