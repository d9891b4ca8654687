"""Employees' mobile numbers for SMS (issue 19): verified numbers and pending one-time codes, never in clear
(a keyed hash for lookup, an AES-GCM ciphertext; see identity/adapters/phone_vault.py).

A fresh database already has both tables (0002 creates today's tables), so everything here is IF NOT EXISTS.

Revision ID: 0007_phone_numbers
Revises: 0006_retention_brin
"""
from alembic import op

revision = "0007_phone_numbers"
down_revision = "0006_retention_brin"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE IF NOT EXISTS phone_number (
            nip varchar(18) PRIMARY KEY REFERENCES pegawai (nip),
            phone_hash bytea NOT NULL CONSTRAINT phone_number_phone_hash_key UNIQUE,
            phone_sealed text NOT NULL,
            verified_at timestamptz NOT NULL DEFAULT now())""")
    op.execute("""
        CREATE TABLE IF NOT EXISTS phone_verification (
            id uuid PRIMARY KEY,
            nip varchar(18) NOT NULL REFERENCES pegawai (nip) CONSTRAINT phone_verification_nip_key UNIQUE,
            phone_hash bytea NOT NULL,
            phone_sealed text NOT NULL,
            code_hash bytea NOT NULL,
            expires_at timestamptz NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now())""")
    op.execute("CREATE INDEX IF NOT EXISTS ix_phone_verification_phone_hash ON phone_verification (phone_hash)")


def downgrade():
    op.execute("DROP TABLE IF EXISTS phone_verification")
    op.execute("DROP TABLE IF EXISTS phone_number")
