"""Abuse at the edges of the running stack (issue 15, "Availability and abuse"). Login throttling (item 2): a
burst of wrong passwords is checked at most up to the limit, and the owner still gets in from a familiar address.
identity believes x-forwarded-for from 127.0.0.1 here (the test plays the ingress)."""
import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import grpc
import pytest

from ekinerja_testbed import figures

pytestmark = pytest.mark.fault

BURST = 40
SAME_SOURCE_LIMIT = 5      # EKINERJA_LOGIN_FREE_FAILURES_SAME_SOURCE (default)
ACCOUNT_LIMIT = 10         # EKINERJA_LOGIN_FREE_FAILURES_PER_ACCOUNT (default)


def login(stub, pb, user, password, address) -> grpc.StatusCode:
    try:
        stub.Login(pb.LoginRequest(user=user, password=password), metadata=[("x-forwarded-for", address)],
                   timeout=30)
        return grpc.StatusCode.OK
    except grpc.RpcError as err:
        return err.code()


def together(n, fn):
    """`fn(i)` for i < n, all released at once."""
    gate = Barrier(n)

    def run(i):
        gate.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


@pytest.fixture
def identity(healthy):
    from ekinerja.identity.v1 import identity_pb2, identity_pb2_grpc
    with grpc.insecure_channel(healthy.services["identity"].target) as channel:
        yield identity_pb2_grpc.IdentityServiceStub(channel), identity_pb2


def test_login_burst_checks_at_most_the_limit_and_the_owner_still_gets_in(healthy, identity):
    stub, pb = identity
    password = "Fault-" + uuid.uuid4().hex
    one, many = f"fault.one.{uuid.uuid4().hex[:6]}", f"fault.many.{uuid.uuid4().hex[:6]}"
    for user in (one, many):
        healthy.account(user, password)
    assert login(stub, pb, many, password, "192.0.2.30") == grpc.StatusCode.OK    # the owner's usual address

    from_one = together(BURST, lambda i: login(stub, pb, one, f"guess-{i}", "203.0.113.10"))
    from_many = together(BURST, lambda i: login(stub, pb, many, f"guess-{i}", f"198.51.100.{i + 1}"))
    owner = login(stub, pb, many, password, "192.0.2.30")

    checked_one = from_one.count(grpc.StatusCode.UNAUTHENTICATED)
    checked_many = from_many.count(grpc.StatusCode.UNAUTHENTICATED)
    figures.record("login burst", attempts=BURST, checked_from_one_address=checked_one,
                   checked_from_40_addresses=checked_many, owner_from_familiar_address=owner.name)
    assert checked_one == SAME_SOURCE_LIMIT, from_one
    assert checked_many == ACCOUNT_LIMIT, from_many
    assert set(from_one + from_many) == {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.RESOURCE_EXHAUSTED}
    assert owner == grpc.StatusCode.OK
