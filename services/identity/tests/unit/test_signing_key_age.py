"""The active signing key's age comes from the time in its id, not from the file's time (a Secret volume rewrites
files at each pod start, which would make an old key look new)."""
import os
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ekinerja_platform.tokens import private_key_to_pem
from identity.adapters.keys import KeyRing, kid_time, new_kid

pytestmark = pytest.mark.unit
DAY = 86400


def write_key(directory, kid):
    (directory / f"{kid}.pem").write_bytes(private_key_to_pem(Ed25519PrivateKey.generate()))


def test_age_of_an_old_key_just_mounted_is_its_real_age(tmp_path):
    now = time.time()
    write_key(tmp_path, new_kid(now - 100 * DAY))  # the file itself is brand new
    ring = KeyRing(tmp_path, access_ttl_seconds=900)
    assert ring.active_age_seconds(now) == pytest.approx(100 * DAY, abs=1)


def test_the_newest_key_counts(tmp_path):
    now = time.time()
    write_key(tmp_path, new_kid(now - 100 * DAY))
    write_key(tmp_path, new_kid(now - 2 * DAY))
    assert KeyRing(tmp_path, 900).active_age_seconds(now) == pytest.approx(2 * DAY, abs=1)


def test_a_key_id_without_a_time_falls_back_to_the_file_time(tmp_path):
    write_key(tmp_path, "legacy")
    made = time.time() - 5 * DAY
    os.utime(tmp_path / "legacy.pem", (made, made))
    assert KeyRing(tmp_path, 900).active_age_seconds(made + 5 * DAY) == pytest.approx(5 * DAY, abs=1)


def test_kid_time_reads_the_documented_form():
    assert kid_time("k20260101T000000Z-0a1b2c3d") == 1767225600
    assert kid_time("k2026-01-01") is None and kid_time("legacy") is None
