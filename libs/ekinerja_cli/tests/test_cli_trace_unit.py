"""The CLI passes the caller's W3C trace context (`TRACEPARENT`) on as gRPC metadata, and nothing malformed."""
import pytest

from ekinerja_cli import client

pytestmark = pytest.mark.unit
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_traceparent_from_the_environment_goes_with_every_call(monkeypatch):
    monkeypatch.setenv("TRACEPARENT", TRACEPARENT)
    assert client.metadata("a-token") == [("authorization", "Bearer a-token"), ("traceparent", TRACEPARENT)]


@pytest.mark.parametrize("value", ["", "garbage", TRACEPARENT.upper(), "00-" + "0" * 32 + "-00f067aa0ba902b7-01"])
def test_no_or_a_malformed_traceparent_sends_none(monkeypatch, value):
    monkeypatch.setenv("TRACEPARENT", value)
    assert client.metadata("a-token") == [("authorization", "Bearer a-token")]
