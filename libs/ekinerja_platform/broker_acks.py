"""Settling a delivery (ack or requeue) whose AMQP connection has died.

nameko ignores only amqp's own ConnectionError there; a socket error (ConnectionResetError, BrokenPipeError) from a
broker that stopped or died escaped into the worker and left the consumer stuck — recap stopped applying events
until restarted (fault suite, broker stop/kill). The broker has already taken back every unsettled delivery of
that connection and redelivers it; the inbox (`apply_once`) makes the second delivery a no-op. So such an error is
logged and dropped here.
"""
from __future__ import annotations

import logging

from amqp.exceptions import ConnectionError as AmqpConnectionError

log = logging.getLogger(__name__)

LOST_CONNECTION = (OSError, AmqpConnectionError)


def settle(settle_delivery, *args) -> bool:
    """Call `settle_delivery(*args)`; False when the connection was gone (the broker redelivers the message)."""
    try:
        settle_delivery(*args)
        return True
    except LOST_CONNECTION as exc:
        log.warning("delivery not settled: broker connection lost (%s); the broker redelivers it",
                    type(exc).__name__)
        return False
