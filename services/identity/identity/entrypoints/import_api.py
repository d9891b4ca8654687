"""Maps the `ImportPegawai` stream to `application.importer.import_stream` and its summary back: each stream
message becomes plain records, applied in its own unit of work (`adapters.unit_of_work.SqlIdentityUnitOfWork`) and
committed before the next message is read."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from ekinerja.identity.v1 import identity_pb2 as pb

from ..adapters.unit_of_work import SqlIdentityUnitOfWork
from ..application import importer


def import_pegawai(db, call, messages: Iterable[pb.ImportPegawaiRequest]) -> pb.ImportPegawaiResponse:
    done = importer.import_stream(lambda: SqlIdentityUnitOfWork(db), call.require_principal(), _plain(messages),
                                  correlation_id=call.correlation_id)
    return pb.ImportPegawaiResponse(
        received=done.received, created=done.created, updated=done.updated, unchanged=done.unchanged,
        failed=done.failed, events=done.events, messages_applied=done.messages_applied,
        errors=[pb.ImportError(line=e.line, field=e.field, message=e.message) for e in done.errors])


def _plain(messages: Iterable[pb.ImportPegawaiRequest]) -> Iterator[importer.ImportMessage]:
    """Read lazily: a message is applied before the next one arrives."""
    for message in messages:
        yield importer.ImportMessage(message.instansi_id, [(r.line, record_of(r)) for r in _records_of(message)])


def _records_of(message):
    """The records a message carries: its `records`, and the single record of the original message form."""
    yield from message.records
    if message.WhichOneof("record") is not None or not message.records:
        yield message  # same field names as ImportPegawaiRecord; a message with no record at all is reported


def record_of(message) -> importer.Record:
    """The plain record of an `ImportPegawaiRecord` (or of the single-record form of `ImportPegawaiRequest`)."""
    kind = message.WhichOneof("record")
    if kind == "pegawai":
        p = message.pegawai
        return importer.PegawaiRecord(nip=p.nip, nama=p.nama, golongan=p.golongan, status=p.status,
                                      jabatan_id=p.jabatan_id, tmt_jabatan=p.tmt_jabatan)
    if kind == "unit":
        u = message.unit
        return importer.UnitRecord(id=u.id, nama=u.nama, parent_id=u.parent_id)
    if kind == "jabatan":
        j = message.jabatan
        return importer.JabatanRecord(id=j.id, unit_id=j.unit_id, nama=j.nama, kind=j.kind, job_group=j.job_group,
                                      parent_id=j.parent_id, eselon=j.eselon, jenjang=j.jenjang,
                                      jenis_jabatan=j.jenis_jabatan)
    return None
