"""Migration 0010: months of `activities` split by hash of NIP (the national profile), keeping every row, and back.

The split is chosen at migration time (EKINERJA_DES_ACTIVITY_HASH_PARTITIONS); months made later by
`des_ensure_activity_partition` follow the database's `activity_partitioning` setting."""
import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from alembic import command

from ekinerja_platform import testing
from ekinerja_platform.migrate import alembic_config, migrate

pytestmark = pytest.mark.integration

MIGRATIONS = str(testing.REPO_ROOT / "services" / "des" / "migrations")
MONTHS = (dt.date(2090, 1, 1), dt.date(2090, 2, 1))
NIPS = [f"19800101200501{i:04d}" for i in range(1, 41)]
SETTING = "EKINERJA_DES_ACTIVITY_HASH_PARTITIONS"


def _rows(conn):
    return conn.execute(sa.text(
        "SELECT nip, tanggal, activity_id, uraian, kuantitas, state, version FROM activities "
        "WHERE tanggal >= '2090-01-01' ORDER BY nip, tanggal, activity_id")).all()


def _children(conn, table):
    return conn.execute(sa.text(
        "SELECT c.relname, c.relkind FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:t) ORDER BY 1"), {"t": table}).all()


def _insert(conn, nip, tanggal, uraian="Menyusun laporan"):
    conn.execute(sa.text(
        "INSERT INTO activities (nip, tanggal, activity_id, instansi_id, jenis, uraian, kuantitas, satuan, state, "
        "version, source) VALUES (:nip, :tanggal, :id, 'i-1', 'skp', :uraian, 1.5, 'laporan', 'submitted', 1, 'web')"),
        {"nip": nip, "tanggal": tanggal, "id": uuid.uuid4(), "uraian": uraian})


def _leaves_scanned(conn, nip, tanggal) -> int:
    plan = conn.execute(sa.text("EXPLAIN (FORMAT JSON) SELECT * FROM activities WHERE nip = :nip AND tanggal = :t"),
                        {"nip": nip, "t": tanggal}).scalar()
    text = str(plan)
    return text.count("'Relation Name': 'activities_")


@pytest.fixture
def database():
    url = testing.create_database("test_des_subpart")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    yield url, engine
    engine.dispose()
    testing.drop_database(url)


def test_months_are_split_by_nip_hash_keeping_every_row_and_joined_back_on_downgrade(database, monkeypatch):
    url, engine = database
    migrate(url, MIGRATIONS, "0009_partition_function_definer")
    with engine.begin() as conn:
        for month in MONTHS:
            conn.execute(sa.text("SELECT des_ensure_activity_partition(:d)"), {"d": month})
        for i, nip in enumerate(NIPS):
            _insert(conn, nip, MONTHS[i % 2] + dt.timedelta(days=i % 28), uraian=f"Kegiatan {i}")
        before = _rows(conn)

    monkeypatch.setenv(SETTING, "4")
    migrate(url, MIGRATIONS)
    with engine.begin() as conn:
        assert _rows(conn) == before  # nothing lost, nothing doubled
        assert conn.execute(sa.text("SELECT hash_partitions FROM activity_partitioning")).scalar() == 4
        children = _children(conn, "activities_209001")
        assert [name for name, _ in children] == [f"activities_209001_h{r:03d}" for r in range(4)]
        counts = [conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar() for name, _ in children]
        assert sum(counts) == 20 and sum(1 for c in counts if c) > 1  # the rows are spread by NIP
        # a lookup by NIP and day reads one leaf table, not the month's four
        assert _leaves_scanned(conn, NIPS[0], MONTHS[0]) == 1
        # the primary key still holds within a month (one NIP always lands in the same sub-partition)
        row = before[0]
        with pytest.raises(sa.exc.IntegrityError):
            with conn.begin_nested():
                conn.execute(sa.text(
                    "INSERT INTO activities (nip, tanggal, activity_id, instansi_id, jenis, uraian, kuantitas, "
                    "satuan, state, version, source) SELECT nip, tanggal, activity_id, instansi_id, jenis, uraian, "
                    "kuantitas, satuan, state, version, source FROM activities WHERE activity_id = :id"),
                    {"id": row.activity_id})
        # a month made later follows the setting
        conn.execute(sa.text("SELECT des_ensure_activity_partition('2091-05-17')"))
        assert len(_children(conn, "activities_209105")) == 4
        _insert(conn, NIPS[3], dt.date(2091, 5, 17))

    command.downgrade(alembic_config(url, MIGRATIONS), "0009_partition_function_definer")
    with engine.begin() as conn:
        after = _rows(conn)
        assert [r for r in after if r.tanggal < dt.date(2091, 1, 1)] == before
        assert len(after) == len(before) + 1
        assert _children(conn, "activities_209001") == []  # a plain table again
        assert conn.execute(sa.text("SELECT relkind FROM pg_class WHERE relname = 'activities_209001'")
                            ).scalar() == "r"
        conn.execute(sa.text("SELECT des_ensure_activity_partition('2092-03-01')"))
        assert conn.execute(sa.text("SELECT relkind FROM pg_class WHERE relname = 'activities_209203'")
                            ).scalar() == "r"
        assert conn.execute(sa.text("SELECT to_regclass('activity_partitioning')")).scalar() is None


def test_without_the_setting_months_stay_plain_tables(database, monkeypatch):
    url, engine = database
    monkeypatch.delenv(SETTING, raising=False)
    migrate(url, MIGRATIONS)
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT hash_partitions FROM activity_partitioning")).scalar() == 1
        conn.execute(sa.text("SELECT des_ensure_activity_partition('2090-01-09')"))
        assert conn.execute(sa.text("SELECT relkind FROM pg_class WHERE relname = 'activities_209001'")
                            ).scalar() == "r"
        # an existing month is split on demand, keeping its rows
        _insert(conn, NIPS[0], dt.date(2090, 1, 9))
        _insert(conn, NIPS[1], dt.date(2090, 1, 10))
        conn.execute(sa.text("SELECT des_split_activity_month('2090-01-01', 2)"))
        assert len(_children(conn, "activities_209001")) == 2
        assert len(_rows(conn)) == 2


def test_a_row_is_found_by_its_id_alone_inside_and_outside_its_ids_month_range(database, monkeypatch):
    """`activity_row` reads the range the uuid7 id allows first, then the whole table (imported history)."""
    from sqlalchemy.orm import Session

    from des.adapters import repository
    from ekinerja_platform.ids import uuid7
    url, engine = database
    monkeypatch.setenv(SETTING, "2")
    migrate(url, MIGRATIONS)
    today = dt.date.today()
    recent, old = uuid7(), uuid7()
    with engine.begin() as conn:
        for activity_id, tanggal in ((recent, today), (old, today.replace(day=1) - dt.timedelta(days=200))):
            conn.execute(sa.text("SELECT des_ensure_activity_partition(:d)"), {"d": tanggal})
            conn.execute(sa.text(
                "INSERT INTO activities (nip, tanggal, activity_id, instansi_id, jenis, uraian, kuantitas, satuan, "
                "state, version, source) VALUES (:nip, :t, :id, 'i-1', 'skp', 'x', 1, 'd', 'submitted', 1, 'sync')"),
                {"nip": NIPS[0], "t": tanggal, "id": activity_id})
    with Session(engine) as session:
        assert repository.activity_row(session, recent).tanggal == today
        assert repository.activity_row(session, old, for_update=True).tanggal < today.replace(day=1)
        assert repository.activity_row(session, str(uuid.uuid4())) is None
