"""Login and ClientToken throttling against a real identity process, directly and through a trusted proxy.

The proxy is a plain TCP relay whose connections to identity come from 127.0.0.2, the one address the process
trusts (`EKINERJA_TRUSTED_PROXIES`); a client behind it names its address in `x-forwarded-for`, as the ingress
does. Direct connections come from 127.0.0.1, which is not trusted. Waits are short here (3 s doubling to 12 s from
one address, to 6 s elsewhere) yet long enough that no test's burst outlives a wait. Password checks are counted by
the process's own metric and its failure rows. Each test uses its own accounts and addresses.
"""
import re
import socket
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from google.rpc.error_details_pb2 import RetryInfo
from google.rpc.status_pb2 import Status
from identity_testlib import scalar
from prometheus_client.parser import text_string_to_metric_families

from ekinerja_platform import testing

pytestmark = pytest.mark.integration
PASSWORD = "right-password-123"
PROXY = "127.0.0.2"


class TcpRelay:
    """A layer-4 proxy: accepts on 127.0.0.1, connects to the target from `source`, copies bytes both ways."""

    def __init__(self, target_port: int, source: str):
        self.target_port, self.source = target_port, source
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port), source_address=(self.source, 0))
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.close()
        for s in self.sockets:
            s.close()


@pytest.fixture(scope="module")
def service(identity_amqp, tmp_path_factory):
    from identity.bootstrap import database, ensure_account
    url = testing.migrated_database("identity")
    db = database(url)
    ensure_account(db, login="admin", password=PASSWORD, roles=["admin_bkn"])
    for login in ("owner.one", "owner.two", "owner.three", "owner.four", "office.user", "slow.one", "real.user"):
        ensure_account(db, login=login, password=PASSWORD, roles=["operator"])
    db.engine.dispose()
    env = testing.service_env(
        url, identity_amqp, "", EKINERJA_SIGNING_KEY_DIR=str(tmp_path_factory.mktemp("throttle-keys")),
        EKINERJA_TRUSTED_PROXIES=f"{PROXY}/32, 10.0.0.0/8", EKINERJA_LOGIN_FIRST_WAIT_SECONDS=3,
        EKINERJA_LOGIN_MAX_WAIT_SECONDS=6, EKINERJA_LOGIN_MAX_WAIT_SAME_SOURCE_SECONDS=12,
        EKINERJA_LOGIN_FORGET_AFTER_SECONDS=120)
    proc = testing.ServiceProcess("identity", env).start()
    relay = TcpRelay(proc.grpc_port, PROXY)
    yield proc, relay, url
    relay.close()
    proc.stop()
    testing.drop_database(url)


@pytest.fixture(scope="module")
def stubs(service, pb):
    from ekinerja.identity.v1 import identity_pb2_grpc
    proc, relay, _ = service
    direct = grpc.insecure_channel(proc.target)
    proxied = grpc.insecure_channel(f"127.0.0.1:{relay.port}")
    yield identity_pb2_grpc.IdentityServiceStub(direct), identity_pb2_grpc.IdentityServiceStub(proxied)
    direct.close()
    proxied.close()


@pytest.fixture(scope="module")
def db_url(service):
    return service[2]


def forwarded(address):
    return [("x-forwarded-for", address)] if address else []


def login(stub, pb, user, password, client=None):
    """The status code of one Login (the error itself for a refusal)."""
    try:
        stub.Login(pb.LoginRequest(user=user, password=password), metadata=forwarded(client), timeout=20)
        return grpc.StatusCode.OK
    except grpc.RpcError as err:
        return err if err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED else err.code()


def code(result):
    return result.code() if isinstance(result, grpc.RpcError) else result


def retry_delay(err) -> float:
    """The wait in the refusal's google.rpc.RetryInfo (and the `retry-after` trailer says the same)."""
    trailers = dict(err.trailing_metadata())
    status = Status.FromString(trailers["grpc-status-details-bin"])
    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0] and status.message == err.details()
    info = RetryInfo()
    assert any(detail.Unpack(info) for detail in status.details if detail.Is(RetryInfo.DESCRIPTOR))
    seconds = info.retry_delay.seconds + info.retry_delay.nanos / 1e9
    assert trailers["retry-after"] == str(int(seconds))
    assert f"try again in {int(seconds)} seconds" in err.details()
    return seconds


def checks(service, rpc="Login") -> float:
    """Passwords (or secrets) the process has checked with Argon2 so far, from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{service[0].http_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "ekinerja_identity_password_checks_total" and sample.labels.get("rpc") == rpc)


def failure_rows(db_url, source) -> int:
    return scalar(db_url, "SELECT count(*) FROM login_failure WHERE source = :s", s=source)


def all_failure_rows(db_url) -> int:
    return scalar(db_url, "SELECT count(*) FROM login_failure")


def together(n, fn):
    """Run fn(i) for i < n in n threads released at one moment."""
    gate = threading.Barrier(n)

    def run(i):
        gate.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_forty_concurrent_wrong_passwords_check_at_most_the_limit(service, stubs, pb, db_url):
    """Fails without counting the attempt before the check (the old check-then-insert let 8-20 through) — checked."""
    _, proxied = stubs
    before, rows_before = checks(service), all_failure_rows(db_url)
    results = together(40, lambda i: login(proxied, pb, "owner.one", f"guess-{i}", "203.0.113.10"))
    assert all_failure_rows(db_url) - rows_before == 5
    assert checks(service) - before == 5 and failure_rows(db_url, "203.0.113.10") == 5
    assert sorted(code(r).name for r in results) == ["RESOURCE_EXHAUSTED"] * 35 + ["UNAUTHENTICATED"] * 5


def test_forty_concurrent_guesses_from_forty_addresses_check_at_most_the_account_limit(service, stubs, pb, db_url):
    """Fails without the account bucket (each address would get its own 5: 40 checks) — checked."""
    _, proxied = stubs
    before = checks(service)
    results = together(40, lambda i: login(proxied, pb, "owner.two", f"guess-{i}", f"198.51.100.{i + 1}"))
    assert checks(service) - before == 10  # EKINERJA_LOGIN_FREE_FAILURES_PER_ACCOUNT
    assert sum(code(r) == grpc.StatusCode.UNAUTHENTICATED for r in results) == 10


def test_the_owner_logs_in_from_another_address_after_an_attack(service, stubs, pb):
    """Fails with the old per-account lockout (the owner got RESOURCE_EXHAUSTED for 15 minutes) — checked."""
    direct, proxied = stubs
    attacker = [code(login(proxied, pb, "owner.three", f"guess-{i}", "203.0.113.11")) for i in range(12)]
    assert attacker == [grpc.StatusCode.UNAUTHENTICATED] * 5 + [grpc.StatusCode.RESOURCE_EXHAUSTED] * 7
    assert login(proxied, pb, "owner.three", PASSWORD, "192.0.2.20") == grpc.StatusCode.OK  # through the ingress
    assert login(direct, pb, "owner.three", PASSWORD) == grpc.StatusCode.OK  # straight to the service


def test_the_owner_at_a_familiar_address_is_not_slowed_by_a_distributed_attack(service, stubs, pb):
    """Fails without familiar sources (the owner would share the account bucket the attack filled) — checked."""
    _, proxied = stubs
    assert login(proxied, pb, "owner.four", PASSWORD, "192.0.2.30") == grpc.StatusCode.OK  # its usual address
    together(40, lambda i: login(proxied, pb, "owner.four", f"guess-{i}", f"198.51.100.{i + 101}"))
    refused = login(proxied, pb, "owner.four", PASSWORD, "192.0.2.31")  # a new address waits like the attackers
    assert code(refused) == grpc.StatusCode.RESOURCE_EXHAUSTED and 0 < retry_delay(refused) <= 3
    assert login(proxied, pb, "owner.four", PASSWORD, "192.0.2.30") == grpc.StatusCode.OK


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(service, stubs, pb, db_url):
    """Fails when the header is believed from any peer (each spoofed address would get fresh attempts) — checked."""
    direct, _ = stubs
    results = [code(login(direct, pb, "spoof.target", "wrong-password", f"192.0.2.{100 + i}")) for i in range(7)]
    assert results == [grpc.StatusCode.UNAUTHENTICATED] * 5 + [grpc.StatusCode.RESOURCE_EXHAUSTED] * 2
    assert scalar(db_url, "SELECT count(*) FROM login_failure WHERE source LIKE '192.0.2.1%'") == 0
    assert failure_rows(db_url, "127.0.0.1") >= 5


def test_failures_from_one_address_behind_the_proxy_do_not_refuse_other_addresses(service, stubs, pb, db_url):
    """Fails when the proxy's address is taken as the client's (everyone behind it refused after 30) — checked."""
    _, proxied = stubs
    stuffer = [code(login(proxied, pb, f"nobody-{k}", "wrong-password", "203.0.113.66")) for k in range(31)]
    assert stuffer == [grpc.StatusCode.UNAUTHENTICATED] * 30 + [grpc.StatusCode.RESOURCE_EXHAUSTED]
    assert failure_rows(db_url, "203.0.113.66") == 30
    assert login(proxied, pb, "office.user", PASSWORD, "203.0.113.67") == grpc.StatusCode.OK
    assert login(proxied, pb, "nobody-x", "wrong-password", "203.0.113.68") == grpc.StatusCode.UNAUTHENTICATED


def test_waits_grow_and_stop_growing_at_the_cap(service, stubs, pb, db_url):
    """Fails with a fixed lockout window (one constant wait, no RetryInfo) — checked.

    The first wait is sat out for real; later ones are fast-forwarded by ending the waiting rows' waits in the
    database (what the clock would do), so the test need not sleep 3 + 6 + 12 seconds."""
    _, proxied = stubs
    client = "203.0.113.80"
    assert [login(proxied, pb, "slow.one", "wrong", client) for _ in range(5)] == [grpc.StatusCode.UNAUTHENTICATED] * 5
    waits = []
    for step in range(4):
        refused = login(proxied, pb, "slow.one", PASSWORD, client)  # even the right password waits its turn
        assert code(refused) == grpc.StatusCode.RESOURCE_EXHAUSTED
        waits.append(retry_delay(refused))
        if step == 0:
            time.sleep(waits[-1] + 0.2)
        else:
            scalar(db_url, "UPDATE login_throttle SET blocked_until = now() WHERE blocked_until > now() RETURNING 1")
        assert login(proxied, pb, "slow.one", "wrong", client) == grpc.StatusCode.UNAUTHENTICATED
    assert waits == [3, 6, 12, 12]  # doubling from EKINERJA_LOGIN_FIRST_WAIT_SECONDS to ..._MAX_WAIT_SAME_SOURCE
    scalar(db_url, "UPDATE login_throttle SET blocked_until = now() WHERE blocked_until > now() RETURNING 1")
    assert login(proxied, pb, "slow.one", PASSWORD, client) == grpc.StatusCode.OK


def test_refusals_do_not_tell_whether_the_account_exists(service, stubs, pb):
    """Fails if unknown names were refused (or answered) differently from real ones — checked by comparing."""
    _, proxied = stubs
    seen = {}
    for user, client in (("real.user", "203.0.113.90"), ("ghost.user", "203.0.113.91")):
        results = [login(proxied, pb, user, "wrong", client) for _ in range(6)]
        seen[user] = [code(r).name for r in results] + [re.sub(r"\d+", "N", results[-1].details())]
    assert seen["real.user"] == seen["ghost.user"]
    assert seen["ghost.user"][-2:] == ["RESOURCE_EXHAUSTED", "too many failed attempts; try again in N seconds"]


def test_client_token_is_throttled_the_same_way(service, stubs, pb, db_url):
    """Fails without the throttle on ClientToken (the old one raced like Login's) — checked."""
    direct, proxied = stubs
    admin = direct.Login(pb.LoginRequest(user="admin", password=PASSWORD), timeout=20).access_token
    auth = testing.bearer(admin)
    direct.UpsertInstansi(pb.Instansi(id="KAB-THROTTLE", nama="Kab Throttle", kind=pb.INSTANSI_KIND_KABUPATEN),
                          metadata=auth, timeout=10)
    secret = direct.CreateApiClient(pb.CreateApiClientRequest(client_id="siasn-throttle", instansi_id="KAB-THROTTLE",
                                                              scopes=["pegawai:read"]),
                                    metadata=auth, timeout=10).client_secret

    def client_token(client_secret, client):
        try:
            proxied.ClientToken(pb.ClientTokenRequest(client_id="siasn-throttle", client_secret=client_secret),
                                metadata=forwarded(client), timeout=20)
            return grpc.StatusCode.OK
        except grpc.RpcError as err:
            return err if err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED else err.code()

    before, rows_before = checks(service, "ClientToken"), all_failure_rows(db_url)
    results = together(40, lambda i: client_token(f"wrong-{i}", "203.0.113.120"))
    assert all_failure_rows(db_url) - rows_before == 5
    assert failure_rows(db_url, "203.0.113.120") == 5 and checks(service, "ClientToken") - before == 5
    assert sum(code(r) == grpc.StatusCode.UNAUTHENTICATED for r in results) == 5
    refused = client_token(secret, "203.0.113.120")
    assert code(refused) == grpc.StatusCode.RESOURCE_EXHAUSTED and retry_delay(refused) >= 1
    assert client_token(secret, "203.0.113.121") == grpc.StatusCode.OK
