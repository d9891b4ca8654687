"""Load the curated knowledge base (snowman/knowledge/entries.yaml) as published version 1 of each entry.

The same loader is `python -m snowman seed`, which adds a version only where the file's content changed.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
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
