"""The transport patches are fenced in: exact versions checked, nothing patched on import, installed once."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ekinerja_platform import transport_patches

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[3]


def test_other_versions_are_refused_naming_what_was_found_and_what_is_expected():
    found = dict(transport_patches.EXPECTED_VERSIONS, **{"nameko-grpc": "1.4.0", "h2": None})
    with pytest.raises(transport_patches.UnsupportedTransportVersions) as refused:
        transport_patches.check_versions(found)
    message = str(refused.value)
    assert "nameko-grpc 1.4.0 (expected 1.3.0)" in message
    assert "h2 not installed (expected 4.4.1)" in message
    assert "nameko " not in message and "hpack" not in message  # only the wrong ones are named


def test_the_expected_versions_are_the_pinned_ones():
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (REPO / "constraints.txt").read_text(), re.M))
    assert {name: pins.get(name) for name in transport_patches.EXPECTED_VERSIONS} == transport_patches.EXPECTED_VERSIONS
    transport_patches.check_versions()  # and they are the ones installed here


_UPSTREAM_CHECK = """
import nameko_grpc.connection as c, nameko_grpc.streams as s, nameko_grpc.errors as e
import ekinerja_platform, ekinerja_platform.grpc_entrypoint, ekinerja_platform.service_base  # noqa
import ekinerja_platform.runner, ekinerja_platform.stream_guard, ekinerja_platform.error_details  # noqa
import ekinerja_platform.transport_patches as tp
def modules():
    return {f.__module__ for f in (s.ReceiveStream.write,
            s.SendStream.populate, s.SendStream.close, s.compress, c.ServerConnectionManager.__init__,
            c.ServerConnectionManager.on_iteration, c.ServerConnectionManager.window_updated,
            c.ServerConnectionManager.stream_reset, c.ServerConnectionManager.stop,
            e.GrpcError.as_headers)} | {c.select.__name__}
print(sorted(modules()), c.SELECT_TIMEOUT)
tp.install(max_request_bytes=1024, poll_seconds=0.005)
tp.install(max_request_bytes=2048, poll_seconds=0.003)
print(sorted(modules()), c.SELECT_TIMEOUT, tp._limits["max_request_bytes"], tp.upstream("send_close").__module__)
"""


def test_importing_the_platform_patches_nothing_and_install_patches_once():
    result = subprocess.run([sys.executable, "-c", _UPSTREAM_CHECK], capture_output=True, text=True, timeout=60,
                            cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO / "libs")))
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.splitlines()
    assert before == "['nameko_grpc.compression', 'nameko_grpc.connection', 'nameko_grpc.errors', " \
                     "'nameko_grpc.streams', 'select'] 0.01"  # upstream's own functions and 10 ms poll
    # every one replaced; a second install() only updates the limits (upstream's originals stay the originals)
    assert after == "['_WakeableSelect', 'ekinerja_platform.transport_patches'] 0.003 2048 nameko_grpc.streams"


_WRONG_VERSION_RUN = """
import importlib.metadata
real = importlib.metadata.version
importlib.metadata.version = lambda name: "1.2.0" if name == "nameko-grpc" else real(name)
from ekinerja_platform.runner import service_main
raise SystemExit(service_main("identity", "nowhere:Nothing", "", ["run"]))
"""


def test_a_service_refuses_to_start_on_other_versions_naming_them():
    env = {k: v for k, v in os.environ.items() if not k.startswith("EKINERJA_")}
    env.update(PYTHONPATH=str(REPO / "libs"), EKINERJA_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
               EKINERJA_AMQP_URI="amqp://nobody@127.0.0.1:1//", EKINERJA_NIP_HASH_KEY="k" * 32)
    result = subprocess.run([sys.executable, "-c", _WRONG_VERSION_RUN], capture_output=True, text=True, timeout=60,
                            cwd=REPO, env=env)
    assert result.returncode == 4, result.stderr
    assert "nameko-grpc 1.2.0 (expected 1.3.0)" in result.stderr


def test_the_grpc_server_refuses_to_start_without_the_patches():
    script = ("from ekinerja_platform.transport_patches import PlatformGrpcServer\n"
              "try:\n    PlatformGrpcServer().setup()\nexcept RuntimeError as exc:\n    print(exc)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO,
                            env=dict(os.environ, PYTHONPATH=str(REPO / "libs")))
    assert "install() was not called" in result.stdout, result.stderr


_IDLE_WAIT_CHECK = """
import socket
import nameko_grpc.connection as c
import ekinerja_platform.transport_patches as tp
tp.install(poll_seconds=0.002)
server_side, client_side = socket.socketpair()
manager = c.ServerConnectionManager(server_side, lambda request, response: None)
waits = []
tp._green_select.select = lambda r, w, x, timeout: (waits.append(timeout), ([], [], []))[1]
c.select.select([server_side], [], [], c.SELECT_TIMEOUT)  # no call in flight
manager.receive_streams[1] = object()
c.select.select([server_side], [], [], c.SELECT_TIMEOUT)  # a call in flight
del manager.receive_streams[1]
manager.stopped.set()  # upstream's stop waits for the loop to end
manager.stop()  # the connection's stop, as the server calls it
c.select.select([server_side], [], [], c.SELECT_TIMEOUT)  # stopping
print(waits, tp._wakers[server_side].reader.recv(8), manager.terminating)
"""


def test_an_idle_connection_waits_long_a_busy_one_polls_and_stop_wakes_it():
    """An open connection without a call used to turn its loop every poll interval (~57 ms of CPU a second each);
    it now waits `IDLE_WAIT_SECONDS`, while a call in flight or a stop keeps the short poll, and stop wakes it."""
    result = subprocess.run([sys.executable, "-c", _IDLE_WAIT_CHECK], capture_output=True, text=True, timeout=60,
                            cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO / "libs")))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"[{transport_patches.IDLE_WAIT_SECONDS}, 0.002, 0.002] b'\\x00' True"
