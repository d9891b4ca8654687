"""The authorisation matrix over gRPC: every RPC x every kind of caller on one real document. A caller outside
the rule gets PERMISSION_DENIED (and changes nothing); a caller inside it never does (the call may still fail
on the document's state)."""
from __future__ import annotations

import uuid

import grpc
import pytest
from skp_testlib import EXPECTED, new_nip, wait_for

pytestmark = pytest.mark.integration


def requests(pb, skp_id, kegiatan_id):
    return {
        "GetSkp": pb.GetSkpRequest(skp_id=skp_id),
        "ScoreSkp": pb.ScoreSkpRequest(skp_id=skp_id),
        "ExportSkp": pb.ExportSkpRequest(skp_id=skp_id, format=pb.EXPORT_FORMAT_PDF, form=pb.EXPORT_FORM_TARGETS),
        "ListAudit": pb.ListAuditRequest(skp_id=skp_id),
        "UpdateTargets": pb.UpdateTargetsRequest(skp_id=skp_id, expected_version=-1),
        "SubmitSkp": pb.SubmitSkpRequest(skp_id=skp_id),
        "EscalateSkp": pb.EscalateSkpRequest(skp_id=skp_id, note="x"),
        "ApproveSkp": pb.ApproveSkpRequest(skp_id=skp_id),
        "ReturnSkp": pb.ReturnSkpRequest(skp_id=skp_id, note="x"),
        "SetRealisasi": pb.SetRealisasiRequest(skp_id=skp_id, kegiatan_id=kegiatan_id, waktu="12"),
        "AddTugasTambahan": pb.AddTugasTambahanRequest(skp_id=skp_id, uraian="x", tanggal="2024-02-01"),
        "SetKreativitas": pb.SetKreativitasRequest(skp_id=skp_id, level="negara", uraian="x", bukti="y"),
        "SetPerilaku": pb.SetPerilakuRequest(skp_id=skp_id, perilaku=pb.PerilakuValues(integritas="80")),
        "IssueResult": pb.IssueResultRequest(skp_id=skp_id),
        "AcceptResult": pb.AcceptResultRequest(skp_id=skp_id),
        "FileKeberatan": pb.FileKeberatanRequest(skp_id=skp_id, alasan="x"),
        "DecideKeberatan": pb.DecideKeberatanRequest(skp_id=skp_id, catatan="x"),
        "AdoptSkpAsTemplate": pb.AdoptSkpAsTemplateRequest(skp_id=skp_id, reason="x"),
        "GetRencanaKinerja": pb.GetRencanaKinerjaRequest(skp_id=skp_id),
        "ListRhkAtasan": pb.ListRhkAtasanRequest(skp_id=skp_id),
        "UpdateRencanaKinerja": pb.UpdateRencanaKinerjaRequest(skp_id=skp_id, expected_version=-1),
        "SetEkspektasiPerilaku": pb.SetEkspektasiPerilakuRequest(skp_id=skp_id, ekspektasi={"loyal": "x"}),
        "SubmitRencanaKinerja": pb.SubmitRencanaKinerjaRequest(skp_id=skp_id),
        "ApproveRencanaKinerja": pb.ApproveRencanaKinerjaRequest(skp_id=skp_id),
        "ReturnRencanaKinerja": pb.ReturnRencanaKinerjaRequest(skp_id=skp_id, note="x"),
        "SetRealisasiIki": pb.SetRealisasiIkiRequest(skp_id=skp_id, periode="2024-01", iki_id="x", realisasi="1"),
        "AddUmpanBalik": pb.AddUmpanBalikRequest(skp_id=skp_id, periode="2024-01", perilaku="loyal", catatan="x"),
        "RateEvaluasi": pb.RateEvaluasiRequest(skp_id=skp_id, periode="2024-01", hasil_kerja="sesuai",
                                               perilaku="sesuai"),
        "ListEvaluasi": pb.ListEvaluasiRequest(skp_id=skp_id),
        "ExportEvaluasi": pb.ExportEvaluasiRequest(skp_id=skp_id, periode="2024-01", format=pb.EXPORT_FORMAT_PDF),
        "GetSiasnExport": pb.GetSiasnExportRequest(skp_id=skp_id, periode="2024-01"),
    }


@pytest.fixture(scope="module")
def case(stub, pb, world):
    owner, penilai, atasan, colleague, sekda = new_nip(), new_nip(), new_nip(), new_nip(), new_nip()
    world.assign(owner, "jab-matrix", "2024-01-02", penilai=penilai, atasan=atasan, heads=[penilai, atasan, sekda])
    me = world.token(owner)
    [doc] = wait_for(lambda: list(stub.ListSkp(pb.ListSkpRequest(), metadata=me, timeout=5).documents))
    callers = {
        "owner": world.token(owner),
        "penilai": world.token(penilai),
        "atasan": world.token(atasan),
        "head": world.token(sekda),  # a head up the chain above the atasan: reads, never changes
        "admin_instansi": world.token(roles=["admin_instansi"]),
        "admin_other_instansi": world.token(roles=["admin_instansi"], instansi="inst-2"),
        "colleague": world.token(colleague),
        "admin_bkn": world.token(roles=["admin_bkn"]),
        "operator": world.token(roles=["operator"]),
        "agency_client": world.token(roles=["agency_client"], scope="skp:read skp:write"),
        "owner_nip_without_pegawai_role": world.token(owner, roles=["operator"]),
    }
    return doc, callers


@pytest.mark.parametrize("rpc", sorted(EXPECTED))
def test_every_rpc_for_every_caller(stub, pb, case, rpc):
    doc, callers = case
    if rpc == "ListSkp":  # outside the rule: PERMISSION_DENIED, never an empty list (issue 16.5)
        for caller, auth in callers.items():
            try:
                seen = [d.skp_id for d in stub.ListSkp(pb.ListSkpRequest(nip=doc.nip), metadata=auth,
                                                       timeout=5).documents]
            except grpc.RpcError as error:
                assert caller not in EXPECTED[rpc], (caller, error.details())
                assert error.code() == grpc.StatusCode.PERMISSION_DENIED, caller
                continue
            assert caller in EXPECTED[rpc] and doc.skp_id in seen, caller
        return
    request = requests(pb, doc.skp_id, doc.kegiatan[0].kegiatan_id)[rpc]
    for caller, auth in callers.items():
        metadata = auth + [("x-idempotency-key", uuid.uuid4().hex)]
        try:
            getattr(stub, rpc)(request, metadata=metadata, timeout=10)
            code = grpc.StatusCode.OK
        except grpc.RpcError as error:
            code = error.code()
        if caller in EXPECTED[rpc]:
            assert code != grpc.StatusCode.PERMISSION_DENIED, (rpc, caller)
        else:
            assert code == grpc.StatusCode.PERMISSION_DENIED, (rpc, caller, code)


def test_listing_an_unknown_or_foreign_employee_is_denied_not_empty(stub, pb, case):
    """`skp list --nip` of someone the caller may not read: PERMISSION_DENIED whether or not that NIP has
    documents (without the check: an empty list and exit 0)."""
    _, callers = case
    for nip in (case[0].nip, new_nip()):
        with pytest.raises(grpc.RpcError) as error:
            stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=callers["colleague"], timeout=5)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "tidak berwenang" in error.value.details()


def test_without_a_token_every_rpc_is_unauthenticated(stub, pb, case):
    doc, _ = case
    for rpc, request in requests(pb, doc.skp_id, doc.kegiatan[0].kegiatan_id).items():
        with pytest.raises(grpc.RpcError) as error:
            getattr(stub, rpc)(request, timeout=5)
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED, rpc


def test_unknown_document_and_malformed_id(stub, pb, case):
    _, callers = case
    for skp_id, code in ((str(uuid.uuid4()), grpc.StatusCode.NOT_FOUND), ("nope", grpc.StatusCode.INVALID_ARGUMENT)):
        with pytest.raises(grpc.RpcError) as error:
            stub.GetSkp(pb.GetSkpRequest(skp_id=skp_id), metadata=callers["owner"], timeout=5)
        assert error.value.code() == code and "skp_id" in error.value.details()
