"""Issue 15.7 on the real broker: the per-service users that `broker_users.provision` makes (the test vhost of this
session is made with it, as `make run` and deploy/ do) may publish only their own events on their own exchange,
cannot pass as another user, and cannot read others' queues. Without the permissions every publish below went
through (the shared user had `.*` everywhere — checked by provisioning with `.*`)."""
import json
import uuid

import pytest
from amqp import exceptions as amqp_errors
from kombu import Connection

from ekinerja_platform import broker_users, testing, topology

pytestmark = pytest.mark.integration


def _publish(uri, exchange, routing_key, user_id=None):
    """Publish with publisher confirms; the broker's refusal closes the channel and raises here."""
    with Connection(uri, transport_options={"confirm_publish": True}, connect_timeout=5) as conn:
        channel = conn.channel()
        properties = {"delivery_mode": 2}
        if user_id is not None:
            properties["user_id"] = user_id
        message = channel.prepare_message(json.dumps({"probe": uuid.uuid4().hex}).encode(),
                                          content_type="application/json", properties=properties)
        channel.basic_publish(message, exchange=exchange, routing_key=routing_key)


def test_each_service_publishes_only_its_own_events(amqp_uri):
    for service in broker_users.SERVICES:
        uri = testing.broker_user_uri(amqp_uri, service)
        assert uri != amqp_uri, "the session vhost has per-service users"
        user = Connection(uri).userid
        for event_type in list(topology.SUBSCRIPTIONS.get(service, {}))[:1]:
            _publish(uri, f"{service}.events", event_type, user_id=user)  # its own: allowed
        for other in broker_users.SERVICES:
            if other == service or not topology.SUBSCRIPTIONS.get(other):
                continue  # a consumer-only user (the SMS bridge) has no events of its own
            other_type = next(iter(topology.SUBSCRIPTIONS[other]))
            with pytest.raises(amqp_errors.AccessRefused):
                _publish(uri, f"{other}.events", other_type, user_id=user)  # another service's exchange
            with pytest.raises(amqp_errors.AccessRefused):
                _publish(uri, f"{service}.events", other_type, user_id=user)  # another's event type, own exchange
        with pytest.raises(amqp_errors.AccessRefused):
            _publish(uri, "", "des.skp.skp_approved")  # straight into a queue through the default exchange


def test_a_service_cannot_pass_as_another_user(amqp_uri):
    des = testing.broker_user_uri(amqp_uri, "des")
    skp_user = Connection(testing.broker_user_uri(amqp_uri, "skp")).userid
    with pytest.raises(amqp_errors.PreconditionFailed):
        _publish(des, "des.events", "activity_submitted", user_id=skp_user)


def test_a_service_cannot_consume_anothers_queue(amqp_uri):
    # skp's relay declares des's queue of skp_approved (its consumers' queues); recap may not read it
    with Connection(testing.broker_user_uri(amqp_uri, "skp")) as conn:
        topology.declare(conn.default_channel, topology.queues_for_producer("skp"))
    with Connection(testing.broker_user_uri(amqp_uri, "recap")) as conn:
        with pytest.raises(amqp_errors.AccessRefused):
            conn.channel().basic_get(queue="des.skp.skp_approved")


def test_permissions_follow_the_catalogue():
    des = broker_users.permissions("des")
    import re
    assert re.fullmatch(des["write"], "des.events") and not re.fullmatch(des["write"], "skp.events")
    assert re.fullmatch(des["read"], "des.skp.skp_approved") and not re.fullmatch(des["read"], "recap.skp.skp_scored")
    assert re.fullmatch(des["configure"], "recap.des.plan_submitted.dlq")  # a producer declares its consumers' queues
    assert not re.fullmatch(des["configure"], "skp.events")  # it binds to, but may not declare or delete, skp's
    topic = broker_users.topic_permission("skp")
    assert re.fullmatch(topic["write"], "skp_approved") and not re.fullmatch(topic["write"], "activity_reviewed")
    assert broker_users.topic_permission("des")["exchange"] == "des.events"
