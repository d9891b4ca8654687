"""Each month of `activities` may be split by hash of NIP (the national profile, docs/scale.md "PostgreSQL at
volume"): a month of the country is ~300 M rows, whose primary key alone (~20 GB) would outgrow a node's memory;
split 16 ways each index is ~1/16 of that, vacuumed, re-indexed and cached on its own, and a lookup by NIP (every
des read and write names one) touches one sub-partition.

The number of sub-partitions is a setting of the database (`activity_partitioning.hash_partitions`), read by
`des_ensure_activity_partition` when it makes a new month. This migration takes it from
EKINERJA_DES_ACTIVITY_HASH_PARTITIONS (default 1: plain monthly partitions, as before; the demo and the tests keep
36 small tables, not 36 x 16) and rewrites the existing months to it, keeping every row. Changing the setting later
affects the months made afterwards; `SELECT des_split_activity_month('<month>', n)` rewrites one existing month
(it locks `activities` while it copies: a maintenance-window operation for a full month).

Revision ID: 0010_activity_hash_subpartitions
Revises: 0009_partition_function_definer
"""
import os

from alembic import op

revision = "0010_activity_hash_subpartitions"
down_revision = "0009_partition_function_definer"
branch_labels = None
depends_on = None

SETTING = "EKINERJA_DES_ACTIVITY_HASH_PARTITIONS"
MAX_PARTITIONS = 256

CREATE_MONTH = """
CREATE OR REPLACE FUNCTION des_create_activity_month(first date, n integer) RETURNS void
LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
  part text := 'activities_' || to_char(first, 'YYYYMM');
BEGIN
  IF n <= 1 THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF activities FOR VALUES FROM (%L) TO (%L)',
                   part, first, (first + interval '1 month')::date);
    RETURN;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF activities FOR VALUES FROM (%L) TO (%L) PARTITION BY HASH (nip)',
                 part, first, (first + interval '1 month')::date);
  FOR r IN 0 .. n - 1 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                   part || '_h' || lpad(r::text, 3, '0'), part, n, r);
  END LOOP;
END $$;
"""

ENSURE_MONTH = """
CREATE OR REPLACE FUNCTION des_ensure_activity_partition(d date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  first date := date_trunc('month', d)::date;
  part text := 'activities_' || to_char(d, 'YYYYMM');
BEGIN
  IF to_regclass(part) IS NULL THEN
    PERFORM pg_advisory_xact_lock(hashtext(part));
    IF to_regclass(part) IS NULL THEN
      PERFORM des_create_activity_month(first, (SELECT hash_partitions FROM activity_partitioning));
    END IF;
  END IF;
END $$;
"""

# Rewrites one month to `n` sub-partitions (1: a plain table): the month is detached and renamed (its
# sub-partitions too), made again, its rows copied back through `activities` (so each lands in its hash
# partition) and the old table dropped. All in the caller's transaction: a failure leaves the month as it was.
SPLIT_MONTH = """
CREATE OR REPLACE FUNCTION des_split_activity_month(d date, n integer) RETURNS void
LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
  first date := date_trunc('month', d)::date;
  part text := 'activities_' || to_char(d, 'YYYYMM');
  old text := part || '_old';
  now_parts integer;
  cols text;
  child text;
BEGIN
  IF n < 1 OR n > """ + str(MAX_PARTITIONS) + """ THEN
    RAISE EXCEPTION 'hash partitions must be 1..""" + str(MAX_PARTITIONS) + """, got %', n;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext(part));
  IF to_regclass(part) IS NULL THEN
    PERFORM des_create_activity_month(first, n);
    RETURN;
  END IF;
  SELECT count(*) INTO now_parts FROM pg_inherits WHERE inhparent = part::regclass;
  IF greatest(now_parts, 1) = n THEN
    RETURN;
  END IF;
  EXECUTE format('ALTER TABLE activities DETACH PARTITION %I', part);
  FOR child IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = part::regclass LOOP
    EXECUTE format('ALTER TABLE %I RENAME TO %I', child, child || '_old');
  END LOOP;
  EXECUTE format('ALTER TABLE %I RENAME TO %I', part, old);
  PERFORM des_create_activity_month(first, n);
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
  FROM pg_attribute WHERE attrelid = 'activities'::regclass AND attnum > 0 AND NOT attisdropped;
  EXECUTE format('INSERT INTO activities (%s) SELECT %s FROM %I', cols, cols, old);
  EXECUTE format('DROP TABLE %I', old);
END $$;
"""

# every month partition of `activities`, oldest first
# the function as 0002 made it (plain months), put back on downgrade
PLAIN_MONTHS = """
CREATE OR REPLACE FUNCTION des_ensure_activity_partition(d date) RETURNS void AS $$
DECLARE
  first date := date_trunc('month', d)::date;
  part text := 'activities_' || to_char(d, 'YYYYMM');
BEGIN
  IF to_regclass(part) IS NULL THEN
    PERFORM pg_advisory_xact_lock(hashtext(part));
    IF to_regclass(part) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF activities FOR VALUES FROM (%L) TO (%L)',
                     part, first, (first + interval '1 month')::date);
    END IF;
  END IF;
END $$ LANGUAGE plpgsql;
"""

_MONTHS = ("SELECT to_date(substr(c.relname, 12, 6), 'YYYYMM') FROM pg_inherits i JOIN pg_class c "
           "ON c.oid = i.inhrelid WHERE i.inhparent = 'activities'::regclass ORDER BY 1")


def hash_partitions() -> int:
    raw = os.environ.get(SETTING, "").strip() or "1"
    try:
        n = int(raw)
    except ValueError:
        raise SystemExit(f"setting {SETTING} must be an integer, got {raw!r}") from None
    if not 1 <= n <= MAX_PARTITIONS:
        raise SystemExit(f"setting {SETTING} must be 1..{MAX_PARTITIONS}, got {n}")
    return n


def _split_every_month(n: int) -> None:
    import sqlalchemy as sa
    bind = op.get_bind()
    for month in bind.execute(sa.text(_MONTHS)).scalars().all():  # listed first: the loop changes the list
        bind.execute(sa.text("SELECT des_split_activity_month(:m, :n)"), {"m": month, "n": n})


def upgrade():
    n = hash_partitions()
    op.execute("CREATE TABLE activity_partitioning (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
               f"hash_partitions smallint NOT NULL CHECK (hash_partitions BETWEEN 1 AND {MAX_PARTITIONS}))")
    op.execute(f"INSERT INTO activity_partitioning (hash_partitions) VALUES ({n})")
    op.execute(CREATE_MONTH)
    op.execute(SPLIT_MONTH)
    op.execute(ENSURE_MONTH)
    _split_every_month(n)


def downgrade():
    _split_every_month(1)
    op.execute(PLAIN_MONTHS)  # 0002's function, with 0009's rights
    op.execute("ALTER FUNCTION des_ensure_activity_partition(date) SECURITY DEFINER SET search_path = public")
    op.execute("DROP FUNCTION des_split_activity_month(date, integer)")
    op.execute("DROP FUNCTION des_create_activity_month(date, integer)")
    op.execute("DROP TABLE activity_partitioning")
