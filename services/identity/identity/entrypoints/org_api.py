"""Maps the organisation, employee and assignment RPCs to `application.org` and back: one unit of work per call
(`adapters.unit_of_work.SqlIdentityUnitOfWork`), the writes idempotent per key (`run_once_in`)."""
from __future__ import annotations

from ekinerja.identity.v1 import identity_pb2 as pb
from ekinerja_platform.idempotency import run_once_in

from ..adapters.unit_of_work import SqlIdentityUnitOfWork
from ..application import org
from . import mapping


def _pegawai_pb(view: org.PegawaiView) -> pb.Pegawai:
    return mapping.pegawai_pb(view.row, view.current, view.jabatan)


class OrgApi:
    def __init__(self, db, call):
        self.db, self.call = db, call

    @property
    def principal(self):
        return self.call.require_principal()

    def _unit(self) -> SqlIdentityUnitOfWork:
        return SqlIdentityUnitOfWork(self.db)

    def _once(self, rpc: str, request, response_cls, work):
        return run_once_in(self._unit(), self.call, f"identity.{rpc}", request, response_cls, work)

    def who_am_i(self) -> pb.WhoAmIResponse:
        p = self.principal
        response = pb.WhoAmIResponse(
            principal=pb.Principal(subject=p.subject, roles=list(p.roles), instansi_id=p.instansi_id or "",
                                   nip=p.nip or "", scopes=list(p.scopes), kelompok=list(p.kelompok)),
            account=p.subject)
        if p.nip:
            with self._unit() as uow:
                view = org.who_am_i(uow, p)
            if view is not None:
                response.pegawai.CopyFrom(_pegawai_pb(view))
        return response

    # -- instansi, units, positions --------------------------------------------------------------------------------
    def upsert_instansi(self, request: pb.Instansi) -> pb.Instansi:
        principal = self.principal

        def work(uow):
            instansi_id, nama = org.upsert_instansi(uow, principal, request.id, request.nama,
                                                    mapping.INSTANSI_KINDS.get(request.kind),
                                                    correlation_id=self.call.correlation_id)
            return pb.Instansi(id=instansi_id, nama=nama, kind=request.kind)
        return self._once("UpsertInstansi", request, pb.Instansi, work)

    def list_instansi(self, request: pb.ListInstansiRequest) -> pb.ListInstansiResponse:
        with self._unit() as uow:
            rows, token = org.list_instansi(uow, request.page_size, request.page_token)
        return pb.ListInstansiResponse(instansi=[mapping.instansi_pb(r) for r in rows], next_page_token=token)

    def upsert_unit(self, request: pb.Unit) -> pb.Unit:
        principal = self.principal

        def work(uow):
            unit_id, instansi_id, nama, parent_id = org.upsert_unit(
                uow, principal, request.instansi_id, request.id, request.nama, request.parent_id,
                correlation_id=self.call.correlation_id)
            return pb.Unit(id=unit_id, instansi_id=instansi_id, nama=nama, parent_id=parent_id or "")
        return self._once("UpsertUnit", request, pb.Unit, work)

    def upsert_jabatan(self, request: pb.Jabatan) -> pb.Jabatan:
        principal = self.principal
        instansi_id = org.authorize_jabatan(principal, request.instansi_id)
        spec = org.jabatan_spec(id=request.id, unit_id=request.unit_id, nama=request.nama,
                                kind=mapping.JABATAN_KINDS.get(request.kind),
                                job_group=mapping.JOB_GROUPS.get(request.job_group), parent_id=request.parent_id,
                                eselon=request.eselon, jenjang=request.jenjang, jenis_jabatan=request.jenis_jabatan)
        return self._once("UpsertJabatan", request, pb.Jabatan, lambda uow: mapping.jabatan_pb(
            org.upsert_jabatan(uow, principal, instansi_id, spec, correlation_id=self.call.correlation_id)))

    def organisation(self, request: pb.GetOrganisationRequest) -> pb.Organisation:
        with self._unit() as uow:
            chart = org.organisation(uow, self.principal, request.instansi_id, request.on)
        return pb.Organisation(
            instansi=mapping.instansi_pb(chart.instansi), units=[mapping.unit_pb(u) for u in chart.units],
            positions=[pb.PositionView(jabatan=mapping.jabatan_pb(jrow), holders=[
                pb.Holder(nip=h.nip, nama=h.nama, acting=h.acting) for h in holders])
                for jrow, holders in chart.positions],
            pegawai_count=chart.pegawai_count)

    # -- pegawai ------------------------------------------------------------------------------------------------------
    def register_pegawai(self, request: pb.Pegawai) -> pb.Pegawai:
        principal = self.principal
        instansi_id, spec = org.pegawai_spec(principal, request.instansi_id, request.nip, request.nama,
                                             request.golongan, request.status)
        return self._once("RegisterPegawai", request, pb.Pegawai, lambda uow: _pegawai_pb(
            org.register_pegawai(uow, principal, instansi_id, spec, correlation_id=self.call.correlation_id)))

    def get_pegawai(self, request: pb.GetPegawaiRequest) -> pb.Pegawai:
        with self._unit() as uow:
            return _pegawai_pb(org.get_pegawai(uow, self.principal, request.nip))

    def list_pegawai(self, request: pb.ListPegawaiRequest) -> pb.ListPegawaiResponse:
        with self._unit() as uow:
            rows, total, token = org.list_pegawai(uow, self.principal, request.instansi_id, request.unit_id,
                                                  request.page_size, request.page_token)
        return pb.ListPegawaiResponse(pegawai=[mapping.pegawai_pb(r) for r in rows], total=total,
                                      next_page_token=token)

    def set_status(self, request: pb.SetPegawaiStatusRequest) -> pb.Pegawai:
        principal = self.principal
        nip, status, effective, end = org.status_request(request.nip, request.status, request.effective_date,
                                                         request.end_date)
        return self._once("SetPegawaiStatus", request, pb.Pegawai, lambda uow: _pegawai_pb(
            org.set_status(uow, principal, nip, status, effective, end, correlation_id=self.call.correlation_id)))

    # -- assignments -----------------------------------------------------------------------------------------------
    def assign(self, request: pb.AssignJabatanRequest) -> pb.Assignment:
        principal = self.principal
        nip, jabatan_id, start, end = org.assignment_request(request.nip, request.jabatan_id, request.start,
                                                             request.end, request.acting)

        def work(uow):
            a, jrow = org.assign(uow, principal, nip, jabatan_id, start, end, request.acting,
                                 correlation_id=self.call.correlation_id)
            return mapping.assignment_pb(a, jrow)
        return self._once("AssignJabatan", request, pb.Assignment, work)

    def end_assignment(self, request: pb.EndAssignmentRequest) -> pb.Assignment:
        principal = self.principal
        assignment_id = org.parse_assignment_id(request.assignment_id)
        end = org.parse_date(request.end, "end")

        def work(uow):
            a, jrow = org.end_assignment(uow, principal, assignment_id, end, correlation_id=self.call.correlation_id)
            return mapping.assignment_pb(a, jrow)
        return self._once("EndAssignment", request, pb.Assignment, work)

    def list_assignments(self, request: pb.ListAssignmentsRequest) -> pb.ListAssignmentsResponse:
        with self._unit() as uow:
            items, token = org.list_assignments(uow, self.principal, request.nip, request.page_size,
                                                request.page_token)
        return pb.ListAssignmentsResponse(next_page_token=token, assignments=[
            mapping.assignment_pb(a, jrow) for a, jrow in items])

    def supervisor_chain(self, request: pb.GetSupervisorChainRequest) -> pb.SupervisorChain:
        with self._unit() as uow:
            answer = org.supervisor_chain(uow, self.principal, request.nip, request.on)
        chain = answer.chain

        def holder(h):
            return pb.Holder(nip=h.nip, nama=answer.names.get(h.nip, ""), acting=h.acting) if h else None

        return pb.SupervisorChain(
            nip=answer.nip, on=answer.on.isoformat(), jabatan_id=chain.jabatan_id,
            pejabat_penilai=holder(chain.pejabat_penilai), atasan_pejabat_penilai=holder(chain.atasan_pejabat_penilai),
            penilai_jabatan_id=chain.pejabat_penilai.jabatan_id if chain.pejabat_penilai else "",
            atasan_penilai_jabatan_id=(chain.atasan_pejabat_penilai.jabatan_id
                                       if chain.atasan_pejabat_penilai else ""),
            heads=[holder(h) for h in chain.heads])
