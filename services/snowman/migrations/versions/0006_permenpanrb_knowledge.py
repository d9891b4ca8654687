"""Reload the curated knowledge base for the PermenPANRB 6/2022 entries and the ruleset tags of the existing ones.

The seed is idempotent: new entries are created, retagged ones get a new version (published when the published
one is the seed's own, a draft for the experts otherwise), unchanged ones are left alone.

Revision ID: 0006_permenpanrb_knowledge
Revises: 0005_outbox_trace_context
"""
from alembic import op

revision = "0006_permenpanrb_knowledge"
down_revision = "0005_outbox_trace_context"
branch_labels = None
depends_on = None


def upgrade():
    from sqlalchemy.orm import Session

    from snowman.seed import seed_from_file
    session = Session(bind=op.get_bind())
    seed_from_file(session)
    session.flush()


def downgrade():
    pass
