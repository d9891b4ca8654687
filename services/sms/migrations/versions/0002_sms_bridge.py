"""The bridge's own tables: processed messages (exactly once), per-number daily counters, reminder subscriptions,
per-instansi schedules and the reminder log (once per number, day and kind).

Revision ID: 0002_sms_bridge
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_sms_bridge"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "processed_messages",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("gammu_id", sa.BigInteger, nullable=False, unique=True),
        sa.Column("content_hash", sa.Text, nullable=False, unique=True),
        sa.Column("sender_hash", sa.Text, nullable=False),
        sa.Column("command", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("reply", sa.Text),
        sa.Column("reply_sent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.execute("CREATE INDEX processed_messages_unsent ON processed_messages (id) WHERE NOT reply_sent")
    op.execute("CREATE INDEX processed_messages_time ON processed_messages USING brin (processed_at)")
    op.create_table(
        "rate_counters",
        sa.Column("sender_hash", sa.Text, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "reminder_subscriptions",
        sa.Column("phone_hash", sa.Text, primary_key=True),
        sa.Column("phone_cipher", sa.LargeBinary, nullable=False),  # AES-GCM nonce || ciphertext: to text it
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "reminder_schedules",
        sa.Column("instansi_id", sa.Text, primary_key=True),
        sa.Column("hour", sa.Integer, nullable=False),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.CheckConstraint("hour BETWEEN 0 AND 23", name="reminder_schedules_hour"),
    )
    op.create_table(
        "reminder_log",
        sa.Column("phone_hash", sa.Text, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),  # employee, supervisor
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade():
    for table in ("reminder_log", "reminder_schedules", "reminder_subscriptions", "rate_counters",
                  "processed_messages"):
        op.drop_table(table)
