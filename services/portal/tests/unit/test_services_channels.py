"""`EKINERJA_PORTAL_GRPC_CHANNELS`: the portal's calls to a service go over that many connections, in turn.

Several des processes behind one address (SO_REUSEPORT on one machine, a Service across pods) each get a share of
the portal's calls only if the portal holds several connections: an HTTP/2 connection stays on the process that
accepted it. The server here records the peer (client address and port: one per TCP connection) of every call."""
import asyncio
import threading

import grpc
import pytest
from portal.adapters.services import Services, pb

from ekinerja_platform import testing

pytestmark = pytest.mark.unit


def run(coroutine):
    """On a loop of its own in a thread (the browser tests in the same process keep the main thread's loop)."""
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("value", asyncio.run(coroutine)))
    worker.start()
    worker.join(60)
    return result["value"]


async def peers_of_calls(channels: int, calls: int) -> tuple[list[str], list[str]]:
    """The peer of each GetDay call made through `Services(channels=...)`, and the tokens the server saw."""
    des = pb("des")
    peers, tokens = [], []

    async def get_day(request, context):
        peers.append(context.peer())
        tokens.append(dict(context.invocation_metadata()).get("authorization", ""))
        return des.GetDayResponse(skp_id="skp-1")

    server = grpc.aio.server()
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("ekinerja.des.v1.DesService", {
        "GetDay": grpc.unary_unary_rpc_method_handler(get_day, request_deserializer=des.GetDayRequest.FromString,
                                                      response_serializer=des.GetDayResponse.SerializeToString)})])
    port = testing.free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    services = Services({name: f"127.0.0.1:{port}" for name in ("identity", "skp", "des", "recap", "snowman")},
                        timeout=10, channels=channels)
    try:
        for _ in range(calls):
            reply = await services.call("des", "GetDay", {"tanggal": "2026-12-07"}, "token-a")
            assert reply.skp_id == "skp-1"
    finally:
        await services.close()
        await server.stop(None)
    return peers, tokens


def test_calls_take_the_channels_in_turn():
    peers, tokens = run(peers_of_calls(channels=3, calls=6))
    assert len(set(peers)) == 3, peers            # three TCP connections, not one shared by grpc
    assert peers[:3] == peers[3:], peers          # in turn: each connection gets every third call
    assert tokens == ["Bearer token-a"] * 6       # the user's own token on every connection


def test_one_channel_by_default():
    peers, _ = run(peers_of_calls(channels=1, calls=4))
    assert len(set(peers)) == 1, peers
