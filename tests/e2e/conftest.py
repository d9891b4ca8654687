"""The five services as real processes for the end-to-end suite (one stack per test session, started on first use).

identity issues the tokens; skp, des, recap and snowman verify them with identity's JWKS over HTTP. Each service
has its own freshly migrated database; all share a RabbitMQ vhost of their own (services started by other suites
in the same pytest session consume the same queue names and would take these events).
Tracing is on: every service exports its spans to the session's OTLP receiver (`otlp`, test_e2e_trace.py).
Set `E2E_LOGS=1` to print the services' log tails after the run.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from e2e_lib import Des, Identity, Skp, Stack  # noqa: E402

from ekinerja_platform import testing  # noqa: E402


@pytest.fixture(scope="session")
def e2e_amqp_uri():
    uri = testing.create_vhost()
    yield uri
    testing.delete_vhost(uri)


@pytest.fixture(scope="session")
def otlp():
    """Where every service of the stack sends its spans (tracing is on in this suite: test_e2e_trace.py)."""
    receiver = testing.OtlpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def stack(e2e_amqp_uri, tmp_path_factory, otlp):
    started = Stack(e2e_amqp_uri, tmp_path_factory.mktemp("identity-keys"), env=otlp.env())
    try:
        started.start()
    except BaseException:
        print(started.logs())
        started.stop()
        raise
    yield started
    if os.environ.get("E2E_LOGS"):
        print(started.logs())
    started.stop()


@pytest.fixture(scope="session")
def identity(stack):
    return Identity(stack)


@pytest.fixture(scope="session")
def skp(stack):
    return Skp(stack)


@pytest.fixture(scope="session")
def des(stack):
    return Des(stack)


@pytest.fixture(scope="session")
def recap(stack):
    from e2e_lib import pb
    return stack.stub("recap"), pb("recap")


@pytest.fixture(scope="session")
def snowman(stack):
    from e2e_lib import pb
    return stack.stub("snowman"), pb("snowman")
