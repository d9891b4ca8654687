"""The local demo's SMS sender (issue 19): identity's demo seed gives the demo guru a verified number, found by the
keyed hash identity runs with, stored only sealed; a second seeding changes nothing."""
import pytest
import sqlalchemy as sa

from ekinerja_platform import testing
from identity.adapters.phone_vault import PhoneVault

pytestmark = pytest.mark.integration


def test_the_demo_guru_has_a_verified_number_and_seeding_twice_keeps_one(monkeypatch):
    from identity.demo import DEMO_PHONE, first_holder, seed
    monkeypatch.setenv("EKINERJA_PHONE_HASH_KEY", "demo-hash-key")
    monkeypatch.setenv("EKINERJA_PHONE_ENCRYPTION_KEY", "demo-encryption-key")
    url = testing.migrated_database("identity")
    try:
        shown = seed(url, "demo-password-1")
        assert any(DEMO_PHONE in description for _login, description in shown)
        seed(url, "demo-password-1")
        vault = PhoneVault(b"demo-hash-key", b"demo-encryption-key")
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT nip, phone_hash, phone_sealed FROM phone_number")).all()
        finally:
            engine.dispose()
        assert len(rows) == 1
        nip, phone_hash, sealed = rows[0]
        assert nip == first_holder("GURU") and bytes(phone_hash) == vault.lookup(DEMO_PHONE)
        assert DEMO_PHONE[3:] not in sealed and vault.open(sealed, nip) == DEMO_PHONE
    finally:
        testing.drop_database(url)
