"""Issue 22: the ruleset per instansi and year, the organisation's predikat per period, their audit trail, and the
employees' predikat per period (the distribution curve's input). Only new tables; existing documents keep their
``ruleset``. On a new database 0002 already created them from the current metadata (checkfirst).

Revision ID: 0008_ruleset_setting
Revises: 0007_rhk_evaluation
"""
from alembic import op

revision = "0008_ruleset_setting"
down_revision = "0007_rhk_evaluation"
branch_labels = None
depends_on = None

TABLES = ("ruleset_settings", "predikat_organisasi", "setting_audit", "employee_predikat")


def upgrade():
    from skp.adapters.tables import metadata
    for name in TABLES:
        metadata.tables[name].create(op.get_bind(), checkfirst=True)


def downgrade():
    from skp.adapters.tables import metadata
    for name in reversed(TABLES):
        metadata.tables[name].drop(op.get_bind(), checkfirst=True)
