"""The throttle's rules without a database: free attempts, doubling waits with a cap, forgetting, all-or-nothing
charges, success, familiar sources; and which address a call comes from (trusted proxies only)."""
import datetime as dt
import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity.domain.client_address import client_address, parse_networks, source_of
from identity.domain.throttle import Backoff, Counter, Scope, ThrottlePolicy

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.timezone.utc)
RULE = Backoff(free=5, first_wait=10, max_wait=300, forget_after=3600)
POLICY = ThrottlePolicy(same_source=Backoff(5, 10, 900, 3600), account=Backoff(10, 10, 300, 3600),
                        source=Backoff(30, 10, 300, 3600))


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def fresh(familiar=False):
    return {scope: Counter() for scope in POLICY.scopes(familiar)}


def test_free_attempts_then_waits_that_double_up_to_the_cap():
    assert [RULE.wait_after(n) for n in range(1, 12)] == [0, 0, 0, 0, 10, 20, 40, 80, 160, 300, 300]
    assert RULE.wait_after(10_000) == 300  # no overflow however long an attacker keeps going


def test_a_counter_refuses_until_its_wait_is_over_and_each_wait_is_longer_than_the_last():
    counter, now, waits = Counter(), T0, []
    for _ in range(9):
        assert counter.wait(RULE, now) == 0
        counter = counter.charged(RULE, now)
        wait = counter.wait(RULE, now)
        if wait:
            assert counter.wait(RULE, now + dt.timedelta(seconds=wait - 1)) > 0  # still refused a second before
            waits.append(wait)
        now += dt.timedelta(seconds=wait)
    assert waits == [10, 20, 40, 80, 160]


def test_an_idle_counter_is_forgotten_but_not_while_an_attacker_keeps_to_the_cap():
    counter = Counter()
    for k in range(20):
        counter = counter.charged(RULE, at(k * 300))  # one attempt per longest wait keeps it counting
    assert counter.attempts == 20 and counter.wait(RULE, at(19 * 300 + 299)) > 0
    assert counter.current(RULE, at(19 * 300 + 3600)) == Counter()


def test_backoff_rejects_a_memory_shorter_than_its_longest_wait():
    with pytest.raises(ValueError):
        Backoff(free=5, first_wait=10, max_wait=900, forget_after=900)  # sitting out the cap would reset it
    with pytest.raises(ValueError):
        Backoff(free=0, first_wait=10, max_wait=900, forget_after=3600)


@given(st.integers(min_value=1, max_value=200))
def test_simultaneous_attempts_are_admitted_at_most_free_times(attempts):
    """Attempts decided one after another at one instant (what the row lock makes of concurrent ones)."""
    counters, admitted = fresh(), 0
    for _ in range(attempts):
        verdict = POLICY.admit(counters, T0)
        if verdict.admitted:
            admitted += 1
            counters = verdict.counters
    assert admitted == min(attempts, POLICY.same_source.free)


def test_a_refusal_charges_no_bucket_and_names_the_longest_wait():
    counters = fresh()
    counters[Scope.SOURCE] = Counter(40, at(120), T0)
    verdict = POLICY.admit(counters, at(60))
    assert not verdict.admitted and verdict.limited_by is Scope.SOURCE
    assert verdict.retry_after == 60 and verdict.retry_after_seconds == 60
    assert POLICY.admit(counters, at(120)).admitted


def test_retry_after_is_whole_seconds_rounded_up():
    counters = {Scope.SAME_SOURCE: Counter(6, at(0.2), T0)}
    assert POLICY.admit(counters, T0).retry_after_seconds == 1


def test_a_familiar_source_is_counted_only_for_itself():
    assert POLICY.scopes(familiar=True) == (Scope.SAME_SOURCE,)
    assert set(POLICY.scopes(familiar=False)) == {Scope.SAME_SOURCE, Scope.ACCOUNT, Scope.SOURCE}


def test_success_restarts_the_same_source_bucket_and_gives_back_only_its_own_charge_elsewhere():
    counters = {Scope.SAME_SOURCE: Counter(3, T0, T0), Scope.ACCOUNT: Counter(8, T0, T0),
                Scope.SOURCE: Counter(2, T0, T0)}
    verdict = POLICY.admit(counters, at(1))
    settled = POLICY.succeeded(verdict.counters, at(1))
    assert settled[Scope.SAME_SOURCE] == Counter()
    assert settled[Scope.ACCOUNT].attempts == 8 and settled[Scope.SOURCE].attempts == 2  # others' failures stay


def test_success_never_lengthens_a_wait():
    counters = {Scope.ACCOUNT: Counter(12, at(5), T0)}
    refunded = POLICY.succeeded(counters, at(1))[Scope.ACCOUNT]
    assert refunded.attempts == 11 and refunded.blocked_until <= at(5)


def test_the_owner_charged_last_before_the_free_attempts_ran_out_leaves_no_wait_behind():
    counters = {Scope.ACCOUNT: Counter(9, T0, T0)}  # nine failures by others; the owner's attempt is the tenth
    verdict = POLICY.admit(counters, at(1))
    assert verdict.admitted and verdict.counters[Scope.ACCOUNT].wait(POLICY.account, at(1)) == 10
    settled = POLICY.succeeded(verdict.counters, at(1))
    assert settled[Scope.ACCOUNT].wait(POLICY.account, at(1)) == 0


# -- client address -----------------------------------------------------------------------------------------------
PROXIES = parse_networks("10.0.0.0/8, 192.168.7.7, fd00::/8")


def test_the_peer_is_the_client_unless_it_is_a_trusted_proxy():
    assert client_address("203.0.113.5", ["198.51.100.1"], PROXIES) == ipaddress.ip_address("203.0.113.5")
    assert client_address("203.0.113.5", ["198.51.100.1"], ()) == ipaddress.ip_address("203.0.113.5")


def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client():
    # the client wrote "1.1.1.1" itself; our ingress (10.1.2.3) appended the real peer 203.0.113.9
    assert client_address("10.1.2.3", ["1.1.1.1, 203.0.113.9"], PROXIES) == ipaddress.ip_address("203.0.113.9")
    # two trusted hops (a load balancer in front of the ingress), header given twice
    assert client_address("10.1.2.3", ["1.1.1.1, 203.0.113.9", "192.168.7.7"], PROXIES) == \
        ipaddress.ip_address("203.0.113.9")
    assert client_address("10.1.2.3", [], PROXIES) == ipaddress.ip_address("10.1.2.3")  # the proxy's own call


def test_garbage_in_the_header_stops_at_the_last_good_hop():
    assert client_address("10.1.2.3", ["not-an-ip"], PROXIES) == ipaddress.ip_address("10.1.2.3")
    assert client_address("10.1.2.3", ["203.0.113.9:5555"], PROXIES) == ipaddress.ip_address("203.0.113.9")
    assert client_address("10.1.2.3", ["[2001:db8::7]:443"], PROXIES) == ipaddress.ip_address("2001:db8::7")


def test_sources_are_ipv4_addresses_and_ipv6_slash_64_networks():
    assert source_of(ipaddress.ip_address("203.0.113.9")) == "203.0.113.9"
    assert source_of(ipaddress.ip_address("2001:db8:1:2:aaaa::1")) == source_of(
        ipaddress.ip_address("2001:db8:1:2:bbbb::2")) == "2001:db8:1:2::/64"
    assert source_of(client_address("::ffff:203.0.113.9", [], ())) == "203.0.113.9"
    assert source_of(None) == "unknown"


def test_a_bad_trusted_proxy_setting_names_the_entry():
    with pytest.raises(ValueError, match="'10.0.0.300/8'"):
        parse_networks("10.0.0.0/8, 10.0.0.300/8")
