"""Positions and template versions on PostgreSQL (`application.ports.Templates`)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..application import ports
from . import tables as t

_VERSION_COLUMNS = ("jabatan_id", "version", "instansi_id", "source", "reason", "author", "kegiatan", "pendekatan",
                    "rhk", "created_at")


def _position(row) -> ports.Position:
    return ports.Position(jabatan_id=row["jabatan_id"], instansi_id=row["instansi_id"], nama=row["nama"],
                          kind=row["kind"], job_group=row["job_group"], jenis_jabatan=row["jenis_jabatan"])


def _version(row) -> ports.TemplateVersion:
    return ports.TemplateVersion(**{c: row[c] for c in _VERSION_COLUMNS})


class SqlTemplates(ports.Templates):
    def __init__(self, session):
        self.session = session

    def position(self, jabatan_id, *, lock=False):
        query = sa.select(t.positions).where(t.positions.c.jabatan_id == jabatan_id)
        row = self.session.execute(query.with_for_update() if lock else query).mappings().first()
        return None if row is None else _position(row)

    def penilai_of_position(self, jabatan_id):
        a = t.assignments
        rows = self.session.execute(sa.select(a.c.data["penilai_nip"].astext).where(
            a.c.jabatan_id == jabatan_id, ~a.c.acting)).scalars()
        return frozenset(nip for nip in rows if nip)

    def current_version(self, jabatan_id):
        v = t.template_versions
        row = self.session.execute(sa.select(v).where(v.c.jabatan_id == jabatan_id).order_by(v.c.version.desc())
                                   .limit(1)).mappings().first()
        return None if row is None else _version(row)

    def versions(self, jabatan_id):
        v = t.template_versions
        return [_version(r) for r in self.session.execute(
            sa.select(v).where(v.c.jabatan_id == jabatan_id).order_by(v.c.version)).mappings()]

    def add_version(self, version):
        values = {c: getattr(version, c) for c in _VERSION_COLUMNS if c != "created_at"}
        row = self.session.execute(pg_insert(t.template_versions).values(**values).on_conflict_do_nothing()
                                   .returning(*t.template_versions.c)).mappings().first()
        return None if row is None else _version(row)
