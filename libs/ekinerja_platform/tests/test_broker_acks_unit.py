"""An event consumer survives settling a delivery on a connection the broker dropped (fault suite: broker stop/kill
left recap's consumer stuck)."""
import pytest

from ekinerja_platform.events import EventSubscriber

pytestmark = pytest.mark.unit


class DeadConnectionConsumer:
    """nameko's consumer whose socket the broker reset: nameko itself only ignores amqp's ConnectionError."""

    def __init__(self, error):
        self.error = error
        self.calls = []

    def ack_message(self, message):
        self.calls.append(("ack", message))
        raise self.error

    def requeue_message(self, message):
        self.calls.append(("requeue", message))
        raise self.error


@pytest.mark.parametrize("error", [ConnectionResetError(104, "Connection reset by peer"), BrokenPipeError(32, "pipe")])
@pytest.mark.parametrize("failed", [False, True])
def test_ack_or_requeue_on_a_dead_connection_does_not_escape(error, failed):
    subscriber = EventSubscriber.__new__(EventSubscriber)   # no container: only the settling path is exercised
    subscriber.consumer = DeadConnectionConsumer(error)
    (subscriber._requeue if failed else subscriber._ack)("delivery")
    assert subscriber.consumer.calls == [("requeue" if failed else "ack", "delivery")]


def test_other_errors_still_escape():
    subscriber = EventSubscriber.__new__(EventSubscriber)
    subscriber.consumer = DeadConnectionConsumer(ValueError("a bug, not a lost connection"))
    with pytest.raises(ValueError):
        subscriber._ack("delivery")
