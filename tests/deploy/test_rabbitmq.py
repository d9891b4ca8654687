"""Broker definitions (deploy/rabbitmq): consistent with the platform's topology, secret-free, importable.

The last test imports the rendered definitions into the machine's RabbitMQ (under a scratch vhost and scratch user
names, removed afterwards) and logs in with a rendered password, when rabbitmqctl and the broker are there.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.deploy

RABBIT = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq"
SERVICES = ("identity", "skp", "des", "recap", "snowman", "sms")


@pytest.fixture(scope="module")
def definitions() -> dict:
    return json.loads((RABBIT / "definitions.json").read_text())


@pytest.fixture(scope="module")
def render(load):
    return load("ekinerja_deploy_render_definitions", RABBIT / "render_definitions.py")


def env_for(definitions, render) -> dict[str, str]:
    return {render.env_name(u["name"]): secrets.token_hex(12) for u in definitions["users"]}


def test_no_password_in_the_committed_definitions(definitions):
    for user in definitions["users"]:
        assert user["password_hash"] == "", f"{user['name']}: the hash is rendered from deploy/local.env"
        assert "password" not in user


def test_vhost_users_and_permissions(definitions):
    assert [v["name"] for v in definitions["vhosts"]] == ["ekinerja"]
    users = {u["name"] for u in definitions["users"]}
    assert set(SERVICES) <= users
    permitted = {p["user"] for p in definitions["permissions"] if p["vhost"] == "ekinerja"}
    assert permitted == users
    assert {r.get("vhost") for k in ("policies", "exchanges") for r in definitions[k]} == {"ekinerja"}


def test_dead_lettering_matches_the_platform_topology(definitions, topology):
    exchanges = {e["name"]: e for e in definitions["exchanges"]}
    dlx = exchanges[topology.DEAD_LETTER_EXCHANGE]
    assert dlx["type"] == topology.dead_letter_exchange().type and dlx["durable"]
    for producer in SERVICES:
        exchange = exchanges[f"{producer}.events"]
        declared = topology.event_exchange(producer)
        # the services declare these too: a different type or durability would fail their declaration
        assert (exchange["type"], exchange["durable"], exchange["auto_delete"]) == \
            (declared.type, declared.durable, declared.auto_delete)

    [policy] = definitions["policies"]
    assert policy["definition"]["delivery-limit"] == topology.DELIVERY_LIMIT
    assert policy["definition"]["dead-letter-exchange"] == topology.DEAD_LETTER_EXCHANGE
    assert policy["definition"]["dead-letter-strategy"] == "at-least-once"
    assert policy["definition"]["overflow"] == "reject-publish", "required by at-least-once dead-lettering"
    pattern = re.compile(policy["pattern"])
    queues = [q for producer in SERVICES for q in topology.queues_for_producer(producer)]
    assert queues, "the topology declares queues"
    for queue in queues:
        matched = bool(pattern.search(queue.name))
        assert matched == (not queue.name.endswith(".dlq")), queue.name
        if not queue.name.endswith(".dlq"):
            assert queue.queue_arguments["x-queue-type"] == "quorum"
    assert not pattern.search("rpc.reply-des-1234") and not pattern.search("probe.probe.probe_happened")


def test_definitions_are_generated_from_the_platform(definitions):
    """deploy/rabbitmq/definitions.json is `python -m ekinerja_platform.broker_users definitions --admin-user
    ekinerja-admin` (one user per service, permissions and topic permissions from the event catalogue): a change
    of the catalogue needs the file regenerated."""
    from ekinerja_platform import broker_users
    assert definitions == json.loads(json.dumps(broker_users.definitions("ekinerja", admin_users=["ekinerja-admin"])))
    for permission in definitions["permissions"]:
        if permission["user"] in SERVICES:
            assert permission["write"] != ".*" and permission["read"] != ".*", permission["user"]
    assert {t["user"] for t in definitions["topic_permissions"]} == set(SERVICES)


def test_broker_configuration_files():
    conf = (RABBIT / "rabbitmq.conf").read_text()
    assert re.search(r"^load_definitions = /etc/rabbitmq/rendered/definitions.json$", conf, flags=re.M)
    assert re.search(r"^prometheus.tcp.port = 15692$", conf, flags=re.M)
    plugins = (RABBIT / "enabled_plugins").read_text()
    assert re.fullmatch(r"\[[a-z_,]+\]\.\s*", plugins)
    assert {"rabbitmq_prometheus", "rabbitmq_management", "rabbitmq_shovel"} <= set(plugins.strip()[1:-2].split(","))


def test_the_plugins_the_topology_needs_are_enabled_everywhere(topology):
    """The partitioned streams use the consistent-hash exchange type (a plugin shipped with RabbitMQ): compose's
    broker, the CI machine's (scripts/system-deps.sh) and the testbed's private nodes enable it."""
    root = RABBIT.parents[1]
    assert topology.REQUIRED_PLUGINS == ("rabbitmq_consistent_hash_exchange",)
    plugins = set((RABBIT / "enabled_plugins").read_text().strip()[1:-2].split(","))
    assert set(topology.REQUIRED_PLUGINS) <= plugins
    deps = (root / "scripts" / "system-deps.sh").read_text()
    for plugin in topology.REQUIRED_PLUGINS:
        assert plugin in deps
    from ekinerja_testbed.servers import enabled_plugins  # the file the fault and scale suites' nodes start with
    assert enabled_plugins() == "[rabbitmq_consistent_hash_exchange].\n"


def test_rendered_hashes_are_rabbitmq_sha256(definitions, render):
    env = env_for(definitions, render)
    rendered = render.render(definitions, env)
    for user in rendered["users"]:
        raw = base64.b64decode(user["password_hash"])
        salt, digest = raw[:4], raw[4:]
        password = env[render.env_name(user["name"])]
        assert digest == hashlib.sha256(salt + password.encode()).digest()
        assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    assert definitions["users"][0]["password_hash"] == "", "the template is not modified"


def test_render_refuses_a_missing_password(definitions, render):
    env = env_for(definitions, render)
    env.pop("RABBITMQ_PASSWORD_DES")
    with pytest.raises(SystemExit, match="RABBITMQ_PASSWORD_DES"):
        render.render(definitions, env)


def test_compose_passes_every_password(definitions, render, deploy_dir):
    import yaml
    compose = yaml.safe_load((deploy_dir / "docker-compose.yml").read_text())
    env = compose["services"]["rabbitmq-definitions"]["environment"]
    assert set(env) == {render.env_name(u["name"]) for u in definitions["users"]}


def _rabbitmqctl_works() -> bool:
    if shutil.which("rabbitmqctl") is None:
        return False
    try:
        return subprocess.run(["rabbitmqctl", "-q", "status"], capture_output=True, timeout=30).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def test_definitions_import_into_a_real_broker(definitions, render):
    if not _rabbitmqctl_works():
        pytest.skip("no local RabbitMQ reachable with rabbitmqctl")
    from kombu import Connection

    scratch = f"ekinerja-deploytest-{secrets.token_hex(4)}"
    data = json.loads(json.dumps(definitions).replace('"ekinerja"', json.dumps(scratch)))
    for user in data["users"]:
        user["name"] = f"{scratch}-{user['name']}"
    for permission in data["permissions"] + data["topic_permissions"]:
        permission["user"] = f"{scratch}-{permission['user']}"
    env = env_for(data, render)
    # rabbitmqctl reads the file as the broker's own user (Debian's wrapper switches to it), which cannot enter
    # pytest's private temporary directories, and its "-" for stdin does not survive that wrapper.
    directory = Path(tempfile.mkdtemp(prefix="ekinerja-deploytest-"))
    directory.chmod(0o755)
    path = directory / "definitions.json"
    path.write_text(json.dumps(render.render(data, env)))
    path.chmod(0o644)
    try:
        result = subprocess.run(["rabbitmqctl", "-q", "import_definitions", str(path)], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        policies = subprocess.run(["rabbitmqctl", "-q", "list_policies", "-p", scratch, "--formatter", "json"],
                                  capture_output=True, text=True, timeout=60, check=True).stdout
        [policy] = json.loads(policies)
        assert policy["name"] == "ekinerja-event-queues"
        user = f"{scratch}-des"
        with Connection(f"amqp://{user}:{env[render.env_name(user)]}@127.0.0.1:5672/{scratch}",
                        connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)
            channel = conn.channel()
            channel.exchange_declare("ekinerja.dead-letter", "direct", durable=True, passive=True)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", scratch], capture_output=True, timeout=60)
        for user in data["users"]:
            subprocess.run(["rabbitmqctl", "-q", "delete_user", user["name"]], capture_output=True, timeout=60)
