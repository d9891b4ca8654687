"""Monthly targets at the SKP kuantitas scale (3 decimals) and the revision of the published monthly split.

Revision ID: 0003_monthly_targets_scale
Revises: 0002
"""
import sqlalchemy as sa

revision = "0003_monthly_targets_scale"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    from alembic import op
    bind = op.get_bind()
    bind.execute(sa.text("ALTER TABLE skp_kegiatan ALTER COLUMN kuantitas TYPE numeric(16, 3)"))
    bind.execute(sa.text("ALTER TABLE monthly_targets ALTER COLUMN kuantitas TYPE numeric(16, 3)"))
    bind.execute(sa.text("ALTER TABLE skp_documents ADD COLUMN targets_revision bigint NOT NULL "
                         "DEFAULT 0"))
    # recap now takes month targets only from des: publish the split of every document des already holds (through
    # the outbox, so the relay sends them once the service runs). Reads and writes name this revision's columns
    # only; the payload is the event's contract (des.application.monthly_targets.event, docs/events.md).
    for nip, skp_id in bind.execute(sa.text("SELECT nip, skp_id FROM skp_documents WHERE targets_revision = 0 "
                                            "ORDER BY nip, skp_id")).all():
        _publish(bind, nip, skp_id)


def _publish(bind, nip, skp_id):
    import uuid

    from sqlalchemy.dialects.postgresql import JSONB

    from des.application.monthly_targets import event
    doc = bind.execute(sa.text(
        "UPDATE skp_documents SET targets_revision = targets_revision + 1 WHERE nip = :nip AND skp_id = :skp_id "
        "RETURNING instansi_id, period_start, period_end, targets_revision"), {"nip": nip, "skp_id": skp_id}).one()
    split: dict[str, dict] = {}
    for kegiatan_id, tahun, bulan, kuantitas in bind.execute(sa.text(
            "SELECT kegiatan_id, tahun, bulan, kuantitas FROM monthly_targets WHERE nip = :nip AND skp_id = :skp_id"),
            {"nip": nip, "skp_id": skp_id}):
        split.setdefault(kegiatan_id, {})[(tahun, bulan)] = kuantitas
    kegiatan = [tuple(row) for row in bind.execute(sa.text(
        "SELECT kegiatan_id, satuan, kuantitas FROM skp_kegiatan WHERE nip = :nip AND skp_id = :skp_id "
        "ORDER BY nomor"), {"nip": nip, "skp_id": skp_id})]
    published = event(nip, skp_id, doc.instansi_id, doc.period_start, doc.period_end, int(doc.targets_revision),
                      kegiatan, split)
    bind.execute(sa.text("INSERT INTO outbox (event_id, event_type, payload) VALUES (:id, :type, :payload)")
                 .bindparams(sa.bindparam("payload", type_=JSONB)),
                 {"id": uuid.UUID(published.event_id), "type": published.event_type, "payload": published.envelope()})


def downgrade():
    from alembic import op
    bind = op.get_bind()
    bind.execute(sa.text("ALTER TABLE skp_documents DROP COLUMN targets_revision"))
    bind.execute(sa.text("ALTER TABLE monthly_targets ALTER COLUMN kuantitas TYPE numeric(16, 2)"))
    bind.execute(sa.text("ALTER TABLE skp_kegiatan ALTER COLUMN kuantitas TYPE numeric(16, 2)"))
