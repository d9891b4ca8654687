"""proto <-> domain/table values for identity's API."""
from __future__ import annotations

from ekinerja.identity.v1 import identity_pb2 as pb
from ekinerja_platform import clock
from ekinerja_platform.domain_errors import InvalidArgument
from ekinerja_rules.nip import check_nip

from ..domain.golongan import pangkat_for

INSTANSI_KINDS = {pb.INSTANSI_KIND_PUSAT: "pusat", pb.INSTANSI_KIND_PROVINSI: "provinsi",
                  pb.INSTANSI_KIND_KABUPATEN: "kabupaten", pb.INSTANSI_KIND_KOTA: "kota"}
INSTANSI_KIND_PB = {v: k for k, v in INSTANSI_KINDS.items()}
JABATAN_KINDS = {v: pb.JabatanKind.Name(v)[len("JABATAN_KIND_"):].lower() for v in pb.JabatanKind.values() if v}
JABATAN_KIND_PB = {v: k for k, v in JABATAN_KINDS.items()}
JOB_GROUPS = {v: pb.JobGroup.Name(v)[len("JOB_GROUP_"):].lower() for v in pb.JobGroup.values() if v}
JOB_GROUP_PB = {v: k for k, v in JOB_GROUPS.items()}


def enum_value(table: dict, value: int, field: str) -> str:
    try:
        return table[value]
    except KeyError:
        raise InvalidArgument(f"{field}: is required ({', '.join(table.values())})", field=field) from None


def instansi_pb(row) -> pb.Instansi:
    return pb.Instansi(id=row.id, nama=row.nama, kind=INSTANSI_KIND_PB.get(row.kind, 0))


def unit_pb(row) -> pb.Unit:
    return pb.Unit(id=row.id, instansi_id=row.instansi_id, nama=row.nama, parent_id=row.parent_id or "")


def jabatan_pb(row) -> pb.Jabatan:
    return pb.Jabatan(id=row.id, instansi_id=row.instansi_id, unit_id=row.unit_id, nama=row.nama,
                      kind=JABATAN_KIND_PB.get(row.kind, 0), job_group=JOB_GROUP_PB.get(row.job_group, 0),
                      parent_id=row.parent_id or "", eselon=row.eselon or "", jenjang=row.jenjang or "",
                      version=row.version, jenis_jabatan=row.jenis_jabatan or "")


def assignment_pb(a, jabatan_row=None) -> pb.Assignment:
    return pb.Assignment(id=str(a.id), nip=a.nip, jabatan_id=a.jabatan_id,
                         jabatan_nama=jabatan_row.nama if jabatan_row is not None else "",
                         unit_id=jabatan_row.unit_id if jabatan_row is not None else "",
                         start=a.start.isoformat(), end=a.end.isoformat() if a.end else "", acting=a.acting)


def pegawai_pb(row, current=None, jabatan_row=None) -> pb.Pegawai:
    check = check_nip(row.nip, clock.today())
    return pb.Pegawai(nip=row.nip, nama=row.nama, instansi_id=row.instansi_id, golongan=row.golongan,
                      pangkat=pangkat_for(row.golongan), status=row.status,
                      tanggal_lahir=check.tanggal_lahir.isoformat() if check.tanggal_lahir else "",
                      jenis_kelamin=check.jenis_kelamin or "",
                      current_assignment=assignment_pb(current, jabatan_row) if current is not None else None)
