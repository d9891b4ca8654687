"""identity's test fixtures. Integration tests use the real PostgreSQL and RabbitMQ (per-session database and vhost)
and run identity as a real process on free ports with its own signing-key directory. Nothing outside identity is
faked: identity has no upstream service."""
import os
import sys
import uuid

import grpc
import pytest

from ekinerja_platform import testing

sys.path.insert(0, os.path.dirname(__file__))

ADMIN_PASSWORD = "admin-password-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def admin_password():
    return ADMIN_PASSWORD


@pytest.fixture(scope="session")
def identity_db():
    url = testing.migrated_database("identity")
    yield url
    testing.drop_database(url)


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("signing-keys")


@pytest.fixture(scope="session")
def identity_amqp():
    """identity's own vhost: no other service's process consumes its queues, so tests can count messages there."""
    uri = testing.create_vhost()
    yield uri
    testing.delete_vhost(uri)


@pytest.fixture(scope="session")
def identity_env(identity_db, identity_amqp, key_dir):
    return testing.service_env(identity_db, identity_amqp, "", EKINERJA_SIGNING_KEY_DIR=str(key_dir),
                               EKINERJA_LOGIN_FREE_FAILURES_SAME_SOURCE=5,
                               EKINERJA_LOGIN_FREE_FAILURES_PER_SOURCE=40)


@pytest.fixture(scope="session")
def identity(identity_env, identity_db):
    from identity.bootstrap import database, ensure_account
    db = database(identity_db)
    ensure_account(db, login="admin", password=ADMIN_PASSWORD, roles=["admin_bkn"])
    db.engine.dispose()
    proc = testing.ServiceProcess("identity", identity_env).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def stub(identity):
    from ekinerja.identity.v1 import identity_pb2_grpc
    channel = grpc.insecure_channel(identity.target)
    yield identity_pb2_grpc.IdentityServiceStub(channel)
    channel.close()


@pytest.fixture(scope="session")
def pb():
    from ekinerja.identity.v1 import identity_pb2
    return identity_pb2


@pytest.fixture(scope="session")
def admin_token(stub, pb):
    return stub.Login(pb.LoginRequest(user="admin", password=ADMIN_PASSWORD), timeout=10).access_token
