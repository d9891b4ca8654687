"""The phone use cases (register, verify, status, remove) on the in-memory unit of work (identity_fakes.py): no
PostgreSQL, no broker. What they decide: who may act, the daily limits, one live code per employee, a wrong code
counted on every live code of the number, one employee per number, and what reaches the outbox and the audit log.
Checked failing: with `count_wrong_guess` skipped, with the `owner_other_than` check of `verify_phone` removed, and
with the event of `register_phone` not recorded.
"""
import datetime as dt

import pytest
from identity_fakes import FakeIdentityUnitOfWork, FakeSecrets

from ekinerja_platform.domain_errors import (
    AlreadyExists,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
)
from ekinerja_platform.tokens import Principal
from identity.application import phone
from identity.application.ports import PendingPhone
from identity.domain.phone import MAX_CODES_PER_NUMBER_PER_DAY, MAX_WRONG_ATTEMPTS

pytestmark = pytest.mark.unit

INSTANSI = "KAB-UJI"
ANI, BUDI = "199001012020012001", "199102022021011002"
NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)
VAULT = FakeSecrets()


def employee(nip):
    return Principal(subject=nip, roles=("pegawai",), instansi_id=INSTANSI, nip=nip)


BRIDGE = Principal(subject="sms-bridge", roles=("agency_client",), instansi_id="BKN", scopes=("sms:bridge",))


@pytest.fixture
def uow():
    unit = FakeIdentityUnitOfWork({ANI: INSTANSI, BUDI: INSTANSI})
    unit.phones.clock = NOW
    return unit


def register(uow, who=ANI, number="0812-3456-7890", now=NOW):
    with uow:
        return phone.register_phone(uow, employee(who), number, VAULT, now=now, correlation_id="c1")


def sent_code(uow) -> str:
    return uow.recorded("phone_verification_requested")[-1]["code"]


def test_registering_records_the_code_for_the_bridge_and_answers_only_a_masked_number(uow):
    done = register(uow)
    assert done.phone_masked.endswith("7890") and "3456" not in done.phone_masked
    assert done.expires_at == NOW + dt.timedelta(minutes=15)
    event = uow.events[-1]
    assert (event.event_type, event.nip, event.instansi_id, event.data["phone"]) == \
        ("phone_verification_requested", ANI, INSTANSI, "+6281234567890")
    assert uow.phones.pending[ANI].phone_sealed == f"sealed:{ANI}:+6281234567890"  # stored sealed, never in clear
    assert uow.audit.actions() == ["register_phone"] and uow.committed


def test_a_new_registration_replaces_the_employees_pending_code(uow):
    register(uow)
    first = sent_code(uow)
    register(uow, number="081298765432")
    assert list(uow.phones.pending) == [ANI] and uow.phones.pending[ANI].phone_hash == b"hash:+6281298765432"
    assert not phone.verify_phone(uow, BRIDGE, "081234567890", first, VAULT, now=NOW)


def test_a_number_gets_a_limited_number_of_codes_a_day(uow):
    for _ in range(MAX_CODES_PER_NUMBER_PER_DAY):
        register(uow)
    with pytest.raises(ResourceExhausted) as err, uow:
        phone.register_phone(uow, employee(ANI), "081234567890", VAULT, now=NOW)
    assert err.value.field == "phone" and uow.rolled_back
    register(uow, now=NOW + dt.timedelta(days=1, seconds=1))  # a day later the number may get a code again


@pytest.mark.parametrize(("who", "number", "error", "field"), [
    (employee(ANI), "12345", InvalidArgument, "phone"),
    (Principal(subject="199912312020011999", roles=("pegawai",), instansi_id=INSTANSI, nip="199912312020011999"),
     "081234567890", NotFound, "authorization"),
    (BRIDGE, "081234567890", PermissionDenied, None),
])
def test_a_refused_registration_names_its_field_and_records_nothing(uow, who, number, error, field):
    with pytest.raises(error) as err, uow:
        phone.register_phone(uow, who, number, VAULT, now=NOW)
    assert field is None or err.value.field == field
    assert uow.events == [] and uow.phones.pending == {} and uow.audit.records == []


def test_the_right_code_verifies_the_number_for_its_employee(uow):
    register(uow)
    with uow:
        assert phone.verify_phone(uow, BRIDGE, "+62 812 3456 7890", sent_code(uow), VAULT, now=NOW)
    assert uow.phones.verified[ANI].phone_sealed == f"sealed:{ANI}:+6281234567890"
    assert uow.phones.pending == {}
    status = phone.phone_status(uow, employee(ANI), VAULT, now=NOW)
    assert status.verified and status.phone_masked.endswith("7890")


def test_a_wrong_code_counts_and_at_the_limit_the_right_one_no_longer_works(uow):
    register(uow)
    code = sent_code(uow)
    wrong = "000000" if code != "000000" else "111111"
    for attempt in range(MAX_WRONG_ATTEMPTS):
        assert not phone.verify_phone(uow, BRIDGE, "081234567890", wrong, VAULT, now=NOW)
        assert uow.phones.pending[ANI].attempts == attempt + 1
    assert uow.audit.actions().count("verify_phone_failed") == MAX_WRONG_ATTEMPTS
    assert not phone.verify_phone(uow, BRIDGE, "081234567890", code, VAULT, now=NOW)
    assert uow.phones.verified == {}


def test_an_expired_code_does_not_verify(uow):
    register(uow)
    later = NOW + dt.timedelta(minutes=15)
    assert not phone.verify_phone(uow, BRIDGE, "081234567890", sent_code(uow), VAULT, now=later)


def test_a_number_verified_for_one_employee_is_refused_to_another(uow):
    register(uow, ANI)
    phone.verify_phone(uow, BRIDGE, "081234567890", sent_code(uow), VAULT, now=NOW)
    with pytest.raises(AlreadyExists) as err:
        register(uow, BUDI)
    assert err.value.field == "phone"
    uow.phones.save_pending(_pending_of_budi_for_anis_number())
    with pytest.raises(AlreadyExists):
        phone.verify_phone(uow, BRIDGE, "081234567890", "123456", VAULT, now=NOW)


def _pending_of_budi_for_anis_number() -> PendingPhone:
    """BUDI holding a live code for ANI's number, registered before ANI verified it."""
    registration = "0b5a4c1e-2f3d-4e5f-8a9b-0c1d2e3f4a5b"
    return PendingPhone(registration, BUDI, b"hash:+6281234567890", f"sealed:{BUDI}:+6281234567890",
                        VAULT.code_hash(registration, "123456"), NOW + dt.timedelta(minutes=5), 0)


def test_only_the_bridge_verifies(uow):
    register(uow)
    with pytest.raises(PermissionDenied):
        phone.verify_phone(uow, employee(ANI), "081234567890", sent_code(uow), VAULT, now=NOW)
    with pytest.raises(InvalidArgument) as err:
        phone.verify_phone(uow, BRIDGE, "081234567890", "12ab", VAULT, now=NOW)
    assert err.value.field == "code"


def test_status_shows_the_pending_number_first_then_the_verified_one_and_remove_clears_both(uow):
    with pytest.raises(NotFound) as err:
        phone.phone_status(uow, employee(ANI), VAULT, now=NOW)
    assert err.value.field == "phone"
    register(uow)
    phone.verify_phone(uow, BRIDGE, "081234567890", sent_code(uow), VAULT, now=NOW)
    register(uow, number="081298765432")
    pending = phone.phone_status(uow, employee(ANI), VAULT, now=NOW)
    assert not pending.verified and pending.phone_masked.endswith("5432")
    verified = phone.phone_status(uow, employee(ANI), VAULT, now=NOW + dt.timedelta(hours=1))
    assert verified.verified and verified.phone_masked.endswith("7890")
    phone.remove_phone(uow, employee(ANI))
    phone.remove_phone(uow, employee(ANI))  # removing nothing is no error, and audits nothing
    assert uow.audit.actions().count("remove_phone") == 1
    with pytest.raises(NotFound):
        phone.phone_status(uow, employee(ANI), VAULT, now=NOW)
