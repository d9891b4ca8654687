"""Phone numbers (issue 19) without a database: the normalisation table, masking, code format and expiry, and the
vault (keyed lookup, sealing bound to the NIP)."""
import datetime as dt

import pytest
from cryptography.exceptions import InvalidTag

from identity.adapters.phone_vault import PhoneVault
from identity.domain.errors import InvalidArgument
from identity.domain.phone import (
    MAX_WRONG_ATTEMPTS,
    PendingCode,
    check_code_format,
    mask_phone,
    new_code,
    normalize_phone,
    registration_refusal,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text,e164", [
    ("081234567890", "+6281234567890"),
    ("0812-3456-7890", "+6281234567890"),
    ("0812 3456 7890", "+6281234567890"),
    ("(0812) 3456.7890", "+6281234567890"),
    ("6281234567890", "+6281234567890"),
    ("+6281234567890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("08123456789", "+628123456789"),        # 11 digits
    ("0812345678", "+62812345678"),          # 10 digits: the shortest mobile
    ("0812345678901", "+62812345678901"),    # 13 digits: the longest
    ("085712345678", "+6285712345678"),
])
def test_indonesian_mobile_numbers_become_e164(text, e164):
    assert normalize_phone(text) == e164


@pytest.mark.parametrize("text", [
    "", "   ", "12345", "081234", "08123456789012",   # empty, not a number, too short, too long
    "0215551234", "+62215551234",                     # a landline (Jakarta): no SMS
    "+14155550100", "0081234567890", "+6208123456789",  # abroad, a double prefix
    "08l2345678", "0812345678x", "+62+81234567890",
])
def test_anything_else_is_refused_naming_the_field(text):
    with pytest.raises(InvalidArgument) as err:
        normalize_phone(text)
    assert err.value.field == "phone"
    assert str(err.value).startswith("phone: ")
    assert "nomor" in str(err.value)


def test_a_masked_number_shows_the_operator_prefix_and_the_last_four_digits():
    assert mask_phone("+6281234567890") == "+62812****7890"
    assert mask_phone("+62812345678") == "+62812**5678"


def test_codes_are_six_digits_and_the_format_is_checked():
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 150
    assert check_code_format(" 012345 ") == "012345"
    for bad in ("12345", "1234567", "12a456", ""):
        with pytest.raises(InvalidArgument) as err:
            check_code_format(bad)
        assert err.value.field == "code"


def test_a_pending_code_is_usable_until_it_expires_or_is_guessed_wrong_five_times():
    now = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.timezone.utc)
    later = now + dt.timedelta(minutes=15)
    assert PendingCode(later, 0).usable(now)
    assert PendingCode(later, MAX_WRONG_ATTEMPTS - 1).usable(now)
    assert not PendingCode(later, MAX_WRONG_ATTEMPTS).usable(now)
    assert not PendingCode(later, 0).usable(later)


def test_the_vault_hashes_with_its_key_and_seals_bound_to_the_nip():
    vault = PhoneVault(b"hash-key", b"encryption-key")
    other = PhoneVault(b"another-hash-key", b"encryption-key")
    assert vault.lookup("+6281234567890") == vault.lookup("+6281234567890")
    assert vault.lookup("+6281234567890") != other.lookup("+6281234567890")
    assert b"81234567890" not in vault.lookup("+6281234567890")
    sealed = vault.seal("+6281234567890", "198609262015051001")
    assert "81234567890" not in sealed
    assert sealed != vault.seal("+6281234567890", "198609262015051001")  # a fresh nonce each time
    assert vault.open(sealed, "198609262015051001") == "+6281234567890"
    with pytest.raises(InvalidTag):
        vault.open(sealed, "199001012015031002")  # moved to another employee's row: does not open
    code_hash = vault.code_hash("reg-1", "123456")
    assert vault.code_matches(code_hash, "reg-1", "123456")
    assert not vault.code_matches(code_hash, "reg-2", "123456")
    assert not vault.code_matches(code_hash, "reg-1", "123457")


def test_daily_limits_of_codes_sent_per_employee_and_per_number():
    assert registration_refusal(by_employee=4, to_number=2) is None
    assert "5 kali" in registration_refusal(by_employee=5, to_number=0)
    assert "3 kode" in registration_refusal(by_employee=0, to_number=3)
