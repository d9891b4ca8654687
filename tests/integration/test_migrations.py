"""Migrations with history (issue 17 item 8). Each service's revisions, run on a fresh database, build exactly what
its models describe (alembic's autogenerate comparison finds no difference), so a model that gains a column
without a revision fails here; and a database migrated before the shared platform chain existed upgrades with
nothing to do."""
import importlib
import importlib.util
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from ekinerja_platform import testing
from ekinerja_platform.db import platform_metadata
from ekinerja_platform.migrate import alembic_config, code_heads, migrate

pytestmark = pytest.mark.integration

# the models of each service's database (the platform's tables are in every one but portal's)
MODELS = {
    "des": ("des.adapters.tables",),
    "identity": ("identity.adapters.tables",),
    "recap": ("recap.adapters.tables",),
    "skp": ("skp.adapters.tables", "skp.adapters.rhk_tables"),  # one MetaData; rhk_tables adds the 6/2022 tables
    "snowman": ("snowman.adapters.tables",),
    "sms": (),
    "portal": ("portal.adapters.sessions",),
}
WITHOUT_PLATFORM_TABLES = {"portal"}

# What the migrations make that no model describes, on purpose (autogenerate compares tables, columns, types,
# nullability, server defaults, indexes, unique and foreign keys; never functions, triggers, extensions or EXCLUDE):
#  - indexes named *_brin: retention's time indexes (ekinerja_platform/retention.py), only ever made by migrations;
#  - des: the month partitions of `activities` (activities_YYYYMM, their hash sub-partitions _hNNN) and
#    `activity_partitioning`, made and read by des's partition functions (0002, 0010); `outbox.lane` and
#    `outbox_unsent_lane`, des's relay lanes on the shared outbox (0005);
#  - sms: its own tables, which its adapters write in SQL without a model (0002_sms_bridge).
NOT_IN_MODELS_TABLES = {
    "des": ("activity_partitioning",),
    "sms": ("processed_messages", "rate_counters", "reminder_subscriptions", "reminder_schedules", "reminder_log"),
}
NOT_IN_MODELS_COLUMNS = {"des": (("outbox", "lane"),)}
NOT_IN_MODELS_INDEXES = {"des": ("outbox_unsent_lane",)}

LEGACY_COMMIT = "34e8031"  # main before the platform chain: revisions that built today's tables with create_all


def migrations(service: str) -> str:
    return str(testing.REPO_ROOT / "services" / service / "migrations")


def metadata_of(service: str) -> list[sa.MetaData]:
    models = list({id(m): m for m in (importlib.import_module(name).metadata for name in MODELS[service])}.values())
    return models if service in WITHOUT_PLATFORM_TABLES else [platform_metadata, *models]


def _wanted(service: str):
    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return not (name in NOT_IN_MODELS_TABLES.get(service, ()) or _is_partition(service, name))
        if type_ == "column":
            return (obj.table.name, name) not in NOT_IN_MODELS_COLUMNS.get(service, ())
        if type_ == "index":
            return not (name.endswith("_brin") or name in NOT_IN_MODELS_INDEXES.get(service, ()))
        return True
    return include


def _is_partition(service: str, name: str) -> bool:
    return service == "des" and name.startswith("activities_") and name[len("activities_"):][:6].isdigit()


def differences(url: str, service: str, models: list[sa.MetaData]) -> list:
    """alembic's autogenerate diff between the database at `url` and `models`, without the objects listed above."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": True, "include_object": _wanted(service)})
            return compare_metadata(context, models)
    finally:
        engine.dispose()


def versions(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def shape(url: str) -> tuple[list, list]:
    """Every column (type, default, nullability) and every index definition of the public schema."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            columns = conn.execute(sa.text(
                "SELECT table_name, column_name, data_type, numeric_precision, numeric_scale, column_default, "
                "is_nullable FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2")).all()
            indexes = conn.execute(sa.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")).all()
        return [tuple(c) for c in columns], [tuple(i) for i in indexes]
    finally:
        engine.dispose()


@pytest.fixture
def database():
    url = testing.create_database("test_migrations")
    yield url
    testing.drop_database(url)


@pytest.mark.parametrize("service", sorted(MODELS))
def test_a_fresh_database_at_head_is_what_the_models_describe(database, service):
    migrate(database, migrations(service))
    assert differences(database, service, metadata_of(service)) == []
    script = ScriptDirectory.from_config(alembic_config(database, migrations(service)))
    assert versions(database) == sorted(code_heads(script))


def test_a_model_column_without_a_revision_is_a_difference(database):
    migrate(database, migrations("identity"))
    grown = sa.MetaData()
    for models in metadata_of("identity"):
        for table in models.tables.values():
            table.to_metadata(grown)
    grown.tables["pegawai"].append_column(sa.Column("nickname", sa.Text))
    found = differences(database, "identity", [grown])
    assert [(d[0], d[2], d[3].name) for d in found] == [("add_column", "pegawai", "nickname")]


def test_a_database_from_before_a_platform_revision_gets_it_on_upgrade(database):
    """identity at 0005: platform tables without the retention BRIN indexes and the outbox's trace context (as a
    database of that release has them); upgrading runs platform_0002 and platform_0003 where identity needs them."""
    migrate(database, migrations("identity"), "0005_jenis_jabatan")
    assert versions(database) == ["0005_jenis_jabatan"]
    columns, indexes = shape(database)
    assert ("outbox", "trace_context") not in {c[:2] for c in columns}
    assert "outbox_created_at_brin" not in {i[0] for i in indexes}

    migrate(database, migrations("identity"))
    assert versions(database) == ["0008_outbox_trace_context"]
    assert differences(database, "identity", metadata_of("identity")) == []
    columns, indexes = shape(database)
    assert ("outbox", "trace_context") in {c[:2] for c in columns}
    assert {"outbox_created_at_brin", "login_failure_at_brin"} <= {i[0] for i in indexes}


LEGACY_MODELS = {"des": ("tables",), "identity": ("tables",), "recap": ("tables",), "skp": ("tables", "rhk_tables"),
                 "snowman": ("tables",), "sms": ()}


def _legacy_migrations(service: str, into: Path) -> str:
    """The service's migrations and models as main had them before the platform chain (from git; skipped without
    that history)."""
    archive = into / "legacy.tar"
    paths = [f"services/{service}/migrations",
             *(f"services/{service}/{service}/adapters/{name}.py" for name in LEGACY_MODELS[service])]
    try:
        subprocess.run(["git", "archive", "-o", str(archive), LEGACY_COMMIT, *paths],
                       cwd=testing.REPO_ROOT, check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"main's history before the platform chain is not available here: {exc}")
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return str(into / "services" / service / "migrations")


def _use_legacy_code(patch: pytest.MonkeyPatch, service: str, legacy_root: Path) -> None:
    """Run main's old revisions as they ran then: with main's models (they built tables with create_all of them) and
    what they imported that the code no longer has."""
    from ekinerja_platform import db, retention

    def create_platform_tables(op):
        platform_metadata.create_all(op.get_bind(), checkfirst=True)

    def create_time_indexes(op, indexes):
        for table, column in indexes:
            op.execute(f"CREATE INDEX IF NOT EXISTS {table}_{column}_brin ON {table} USING brin ({column})")
    patch.setattr(db, "create_platform_tables", create_platform_tables, raising=False)
    platform_time_indexes = (("outbox", "created_at"), ("inbox", "processed_at"), ("idempotency_keys", "created_at"))
    patch.setattr(retention, "PLATFORM_TIME_INDEXES", platform_time_indexes, raising=False)
    patch.setattr(retention, "create_time_indexes", create_time_indexes, raising=False)
    patch.setattr(retention, "drop_time_indexes", None, raising=False)
    for name in LEGACY_MODELS[service]:
        module_name = f"{service}.adapters.{name}"
        spec = importlib.util.spec_from_file_location(
            module_name, legacy_root / "services" / service / service / "adapters" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        patch.setitem(sys.modules, module_name, module)
        spec.loader.exec_module(module)
        if name == "tables" and service == "des":
            module.PARTITION_FUNCTION = _frozen_partition_function()


def _frozen_partition_function() -> str:
    """des's month-making function as revision 0002 froze it (main's old models created this one, not today's)."""
    path = Path(migrations("des"), "versions", "0002_des.py")
    spec = importlib.util.spec_from_file_location("des_0002_des", path)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    return revision.PARTITION_FUNCTION


# des 0003 added targets_revision with DEFAULT 0, as every database upgraded through it has; main's create_all of
# today's model wrote DEFAULT '0'::bigint on fresh databases. Same value; the frozen history gives the former.
KNOWN_DEFAULTS = {("skp_documents", "targets_revision", "'0'::bigint"): "0"}


def _same_default(column: tuple) -> tuple:
    default = KNOWN_DEFAULTS.get((column[0], column[1], column[5]), column[5])
    return (*column[:5], default, *column[6:])


@pytest.mark.parametrize("service", ["des", "identity", "recap", "skp", "snowman", "sms"])
def test_a_database_at_head_before_the_platform_chain_needs_nothing(database, service):
    """Migrated by main's revisions (before the chain), then upgraded by these: the revision ids are the same, nothing
    of them runs again (only revisions written since, e.g. skp 0009), and the schema is the one a fresh database gets
    from the frozen revisions."""
    with tempfile.TemporaryDirectory() as tmp:
        legacy = _legacy_migrations(service, Path(tmp))
        with pytest.MonkeyPatch.context() as patch:
            _use_legacy_code(patch, service, Path(tmp))
            command.upgrade(alembic_config(database, legacy), "head")
        before, shape_before = versions(database), shape(database)
        legacy_ids = {m[1] for f in Path(legacy, "versions").glob("*.py")  # read, not imported (old imports)
                      if (m := re.search(r'^revision = "([^"]+)"', f.read_text(encoding="utf-8"), re.M))}

        migrate(database, migrations(service))
    added = set(versions(database)) - set(before)
    assert not added & legacy_ids, "only revisions written after main's legacy head may run"
    if not added:
        assert shape(database) == shape_before
    shape_before = shape(database)  # with the newer revisions applied: what a fresh database must equal
    assert differences(database, service, metadata_of(service)) == []

    fresh = testing.create_database("test_migrations_fresh")
    try:
        migrate(fresh, migrations(service))
        columns, indexes = shape(fresh)
        legacy_columns, legacy_indexes = shape_before
        assert [_same_default(c) for c in legacy_columns] == [_same_default(c) for c in columns]
        assert legacy_indexes == indexes
    finally:
        testing.drop_database(fresh)
