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
    # the outbox, so the relay sends them once the service runs)
    from des.application import monthly_targets
    for nip, skp_id in bind.execute(sa.text("SELECT nip, skp_id FROM skp_documents WHERE targets_revision = 0 "
                                            "ORDER BY nip, skp_id")).all():
        monthly_targets.publish(bind, nip, skp_id)


def downgrade():
    from alembic import op
    bind = op.get_bind()
    bind.execute(sa.text("ALTER TABLE skp_documents DROP COLUMN targets_revision"))
    bind.execute(sa.text("ALTER TABLE monthly_targets ALTER COLUMN kuantitas TYPE numeric(16, 2)"))
    bind.execute(sa.text("ALTER TABLE skp_kegiatan ALTER COLUMN kuantitas TYPE numeric(16, 2)"))
