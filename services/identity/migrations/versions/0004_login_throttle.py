"""Login throttle buckets and familiar sources (growing waits instead of a lockout; see domain/throttle.py).

Counting moves from `login_failure` rows to one row per bucket; `login_failure` stays as the record of failed
checks (time-indexed by `at`, purgeable).

Revision ID: 0004_login_throttle
Revises: 0003
"""
from alembic import op

revision = "0004_login_throttle"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE login_throttle (
            bucket text PRIMARY KEY,
            attempts integer NOT NULL DEFAULT 0,
            blocked_until timestamptz,
            last_attempt_at timestamptz)""")
    op.execute("CREATE INDEX login_throttle_last_attempt ON login_throttle (last_attempt_at)")
    op.execute("""
        CREATE TABLE login_familiar_source (
            pair text PRIMARY KEY,
            last_success_at timestamptz NOT NULL DEFAULT now())""")
    op.execute("CREATE INDEX login_familiar_source_last_success "
               "ON login_familiar_source (last_success_at)")


def downgrade():
    op.execute("DROP TABLE login_familiar_source")
    op.execute("DROP TABLE login_throttle")
