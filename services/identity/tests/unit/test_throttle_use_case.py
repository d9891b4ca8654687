"""The login throttle's use-case steps (admit, succeeded, failed) on the in-memory store (identity_fakes.py): the
bucket arithmetic is the domain's (test_login_throttle_policy.py); here, what the steps store and when they refuse.
Checked failing: with `store.write` skipped in `admit` (nothing is ever charged) and with `remember_familiar`
removed from `succeeded` (a familiar address stays counted for the account).
"""
import datetime as dt

import pytest
from identity_fakes import FakeIdentityUnitOfWork

from ekinerja_platform.domain_errors import TooManyAttempts
from identity.application.throttle import LoginThrottle
from identity.domain.throttle import Backoff, Scope, ThrottlePolicy

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)
POLICY = ThrottlePolicy(same_source=Backoff(free=2, first_wait=30, max_wait=600, forget_after=3600),
                        account=Backoff(free=5, first_wait=30, max_wait=900, forget_after=3600),
                        source=Backoff(free=20, first_wait=30, max_wait=900, forget_after=3600))


@pytest.fixture
def uow():
    return FakeIdentityUnitOfWork(now=NOW)


def throttle(uow):
    return LoginThrottle(lambda: uow, POLICY, b"test-hash-key", "Login")


def test_each_admitted_attempt_is_charged_in_every_bucket_under_keyed_names(uow):
    ticket = throttle(uow).admit("199001012020012001", "10.0.0.7")
    assert set(ticket.buckets) == {Scope.SAME_SOURCE, Scope.ACCOUNT, Scope.SOURCE}
    assert {c.attempts for c in uow.throttle.buckets.values()} == {1}
    assert not any("199001012020012001" in key or "10.0.0.7" in key for key in uow.throttle.buckets)
    assert uow.committed and uow.throttle.locks == 1


def test_after_the_free_failures_the_next_attempt_is_refused_with_its_wait_and_charges_nothing(uow):
    gate = throttle(uow)
    for _ in range(POLICY.same_source.free):
        gate.failed(uow.throttle, gate.admit("199001012020012001", "10.0.0.7"))
    before = dict(uow.throttle.buckets)
    with pytest.raises(TooManyAttempts) as err:
        gate.admit("199001012020012001", "10.0.0.7")
    assert err.value.retry_after_seconds == 30
    assert uow.throttle.buckets == before
    gate.admit("199001012020012001", "10.0.0.8")  # the same account from elsewhere still gets its own tries
    uow.throttle.now = NOW + dt.timedelta(seconds=31)
    gate.admit("199001012020012001", "10.0.0.7")  # the wait is over


def test_a_failure_reports_the_wait_the_next_attempt_will_have(uow):
    gate = throttle(uow)
    assert gate.failed(uow.throttle, gate.admit("a", "10.0.0.7")) == 0
    assert gate.failed(uow.throttle, gate.admit("a", "10.0.0.7")) == 30


def test_a_success_clears_its_own_place_and_makes_the_address_familiar(uow):
    gate = throttle(uow)
    gate.failed(uow.throttle, gate.admit("a", "10.0.0.7"))
    ticket = gate.admit("a", "10.0.0.7")
    gate.succeeded(uow.throttle, ticket)
    assert uow.throttle.buckets[ticket.buckets[Scope.SAME_SOURCE]].attempts == 0
    assert uow.throttle.buckets[ticket.buckets[Scope.ACCOUNT]].attempts == 1  # its own charge given back
    familiar = gate.admit("a", "10.0.0.7")
    assert set(familiar.buckets) == {Scope.SAME_SOURCE}  # the owner's place no longer counts for the account
