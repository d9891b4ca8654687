"""The relay reads its outbox gauges on failed rounds too, and a failed reading does not stop it (issue 20.2)."""
from ekinerja_platform.relay import OutboxRelay


def _relay(rounds: int):
    relay = OutboxRelay(engine=None, amqp_uri="amqp://unused", producer="probe", batch_size=10)
    relay.gauge_interval = 0
    calls = {"rounds": 0, "gauges": 0}

    def relay_once():
        calls["rounds"] += 1
        raise ConnectionRefusedError("broker away")

    relay.relay_once = relay_once
    relay.close = lambda: None
    return relay, calls, lambda: calls["rounds"] >= rounds


def test_failed_rounds_still_update_the_gauges():
    relay, calls, done = _relay(3)

    def gauges():
        calls["gauges"] += 1

    relay.update_backlog_gauges = gauges
    slept = []
    relay.run(done, sleep=slept.append)
    assert calls["gauges"] == 3
    assert slept == [0.5, 1.0, 2.0]  # the backoff of failed rounds is unchanged


def test_a_failed_gauge_reading_does_not_stop_the_relay():
    relay, calls, done = _relay(2)

    def gauges():
        calls["gauges"] += 1
        raise OSError("database away too")

    relay.update_backlog_gauges = gauges
    relay.run(done, sleep=lambda _: None)
    assert calls == {"rounds": 2, "gauges": 2}
