"""identity's tables (one MetaData); the schema is created by migration 0002."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = sa.MetaData()
_now = sa.func.now()

instansi = sa.Table(
    "instansi", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
)

unit = sa.Table(
    "unit", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("instansi_id", sa.Text, sa.ForeignKey("instansi.id"), nullable=False, index=True),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("parent_id", sa.Text),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
)

jabatan = sa.Table(
    "jabatan", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("instansi_id", sa.Text, sa.ForeignKey("instansi.id"), nullable=False, index=True),
    sa.Column("unit_id", sa.Text, sa.ForeignKey("unit.id"), nullable=False),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("job_group", sa.Text, nullable=False),
    sa.Column("parent_id", sa.Text),  # checked by the application (an import may name a parent sent later)
    sa.Column("eselon", sa.Text),
    sa.Column("jenjang", sa.Text),
    sa.Column("jenis_jabatan", sa.Text),  # e.g. guru, bidan: which SKP starter catalogue fits (skp)
    sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Index("jabatan_parent", "parent_id"),  # the recursive CTE loading a subtree walks it downwards (0003)
)

pegawai = sa.Table(
    "pegawai", metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("instansi_id", sa.Text, sa.ForeignKey("instansi.id"), nullable=False, index=True),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("golongan", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("status_since", sa.Date),
    sa.Column("status_until", sa.Date),
    # monotonic per NIP: the `version` of this person's assignment_changed events
    sa.Column("assignment_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
)

assignment = sa.Table(
    "assignment", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("nip", sa.String(18), sa.ForeignKey("pegawai.nip"), nullable=False, index=True),
    sa.Column("jabatan_id", sa.Text, sa.ForeignKey("jabatan.id"), nullable=False, index=True),
    sa.Column("instansi_id", sa.Text, nullable=False, index=True),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date),
    sa.Column("acting", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.UniqueConstraint("nip", "jabatan_id", "start", name="assignment_once"),
)

account = sa.Table(
    "account", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("login", sa.Text, nullable=False, unique=True),
    sa.Column("nip", sa.String(18), unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("roles", ARRAY(sa.Text), nullable=False),
    sa.Column("instansi_id", sa.Text),
    sa.Column("kelompok", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
)

api_client = sa.Table(
    "api_client", metadata,
    sa.Column("client_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("instansi_id", sa.Text, sa.ForeignKey("instansi.id"), nullable=False),
    sa.Column("scopes", ARRAY(sa.Text), nullable=False),
    sa.Column("secret_hash", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
)

refresh_token = sa.Table(
    "refresh_token", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("account.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.LargeBinary, nullable=False, unique=True),  # sha256 of the secret part
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
)

login_failure = sa.Table(
    "login_failure", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("account_key", sa.Text, nullable=False),  # keyed hash of the login as typed, never the NIP itself
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Index("login_failure_account", "account_key", "at"),
    sa.Index("login_failure_source", "source", "at"),
)

# One row per throttle bucket (domain/throttle.py): kind and keyed hash, never a login or an address in clear. A row
# whose last_attempt_at is older than EKINERJA_LOGIN_FORGET_AFTER_SECONDS counts as empty and may be deleted.
login_throttle = sa.Table(
    "login_throttle", metadata,
    sa.Column("bucket", sa.Text, primary_key=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("blocked_until", sa.DateTime(timezone=True)),
    sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
    sa.Index("login_throttle_last_attempt", "last_attempt_at"),
)

# (account or API client, source) pairs that logged in successfully: such a source is familiar to that account for
# EKINERJA_LOGIN_FAMILIAR_DAYS after last_success_at; older rows may be deleted.
login_familiar_source = sa.Table(
    "login_familiar_source", metadata,
    sa.Column("pair", sa.Text, primary_key=True),  # keyed hash of (account key, source)
    sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Index("login_familiar_source_last_success", "last_success_at"),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("target", sa.Text),
    sa.Column("source", sa.Text),
    sa.Column("correlation_id", sa.Text),
    sa.Column("detail", JSONB, nullable=False, server_default="{}"),
)

# An employee's verified mobile number (issue 19): one per employee, one employee per number. Never in clear: a keyed
# hash to find it, an AES-GCM ciphertext to send to it (adapters/phone_vault.py).
phone_number = sa.Table(
    "phone_number", metadata,
    sa.Column("nip", sa.String(18), sa.ForeignKey("pegawai.nip"), primary_key=True),
    sa.Column("phone_hash", sa.LargeBinary, nullable=False, unique=True),
    sa.Column("phone_sealed", sa.Text, nullable=False),
    sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
)

# A number waiting for its one-time code (one pending per employee; a new registration replaces it). The code is
# stored as a keyed hash; a row expired or with MAX_WRONG_ATTEMPTS wrong guesses no longer verifies anything.
phone_verification = sa.Table(
    "phone_verification", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),  # the registration id of the event
    sa.Column("nip", sa.String(18), sa.ForeignKey("pegawai.nip"), nullable=False, unique=True),
    sa.Column("phone_hash", sa.LargeBinary, nullable=False, index=True),
    sa.Column("phone_sealed", sa.Text, nullable=False),
    sa.Column("code_hash", sa.LargeBinary, nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
)

# Every code sent (employee, keyed hash of the number, when): the daily limits of domain/phone.py count here; rows are
# purged after a day (settings.retention_rules).
phone_code_sent = sa.Table(
    "phone_code_sent", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("nip", sa.String(18), nullable=False),
    sa.Column("phone_hash", sa.LargeBinary, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Index("phone_code_sent_nip", "nip", "at"),
    sa.Index("phone_code_sent_phone", "phone_hash", "at"),
)
