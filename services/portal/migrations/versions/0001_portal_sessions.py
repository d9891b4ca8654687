"""The portal's web sessions: an opaque session id (stored only as its SHA-256) → the user's tokens, kept server-side.

Revision ID: 0001_portal_sessions
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_portal_sessions"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "portal_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("access_token", sa.Text, nullable=False),
        sa.Column("refresh_token", sa.Text, nullable=False),
        sa.Column("access_expires_at", sa.BigInteger, nullable=False),
        sa.Column("refresh_expires_at", sa.BigInteger, nullable=False),
        sa.Column("principal_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_portal_sessions_expires_at", "portal_sessions", ["expires_at"])


def downgrade():
    op.drop_table("portal_sessions")
