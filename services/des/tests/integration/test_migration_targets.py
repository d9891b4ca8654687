"""Migration 0003 on a database of the former shape: targets become 3-decimal and the split of every document des
already holds is published (`monthly_targets_set`), since recap now takes month targets only from des."""
import pytest
import sqlalchemy as sa

from ekinerja_platform import testing
from ekinerja_platform.migrate import migrate

pytestmark = pytest.mark.integration

MIGRATIONS = str(testing.REPO_ROOT / "services" / "des" / "migrations")
NIP = "198001012005011001"


def test_upgrade_publishes_the_split_of_existing_documents():
    url = testing.create_database("test_des_mig")
    engine = sa.create_engine(url)
    try:
        migrate(url, MIGRATIONS, "0002")
        with engine.begin() as conn:  # 0002's frozen shape: 2-decimal targets, no targets_revision
            conn.execute(sa.text(
                "INSERT INTO skp_documents (nip, skp_id, instansi_id, period_start, period_end, version) "
                "VALUES (:n, 's-old', 'i-1', '2025-07-01', '2025-12-31', 1)"), {"n": NIP})
            conn.execute(sa.text("INSERT INTO skp_kegiatan (nip, skp_id, kegiatan_id, nomor, nama, satuan, kuantitas) "
                                 "VALUES (:n, 's-old', 'k1', 1, 'Konsep', 'konsep', 6)"), {"n": NIP})
            conn.execute(sa.text(
                "INSERT INTO monthly_targets (nip, skp_id, kegiatan_id, tahun, bulan, kuantitas) "
                "SELECT :n, 's-old', 'k1', 2025, b, 1 FROM generate_series(7, 12) b"), {"n": NIP})
        migrate(url, MIGRATIONS)
        with engine.connect() as conn:
            [payload] = conn.execute(sa.text("SELECT payload FROM outbox WHERE event_type = 'monthly_targets_set'")
                                     ).scalars().all()
            scale = conn.execute(sa.text("SELECT numeric_scale FROM information_schema.columns "
                                         "WHERE table_name = 'monthly_targets' AND column_name = 'kuantitas'")).scalar()
        data = payload["data"]
        assert (data["skp_id"], data["nip"], data["revision"]) == ("s-old", NIP, 1)
        assert [m["kuantitas"] for m in data["kegiatan"][0]["months"]] == ["0.000"] * 6 + ["1.000"] * 6
        assert scale == 3
    finally:
        engine.dispose()
        testing.drop_database(url)
