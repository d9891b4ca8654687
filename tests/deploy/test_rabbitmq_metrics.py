"""The RabbitMQ series the alerts query (EkinerjaDeadLetters, EkinerjaConsumerLag, the alarm and consumer alerts)
are really exported by the broker's built-in plugin on the endpoint the scrape jobs use: a RabbitMQ node of the
test's own, with deploy/rabbitmq/enabled_plugins, holding messages in a dead-letter queue."""
from __future__ import annotations

import re
import shutil
import urllib.request
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.deploy

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture(scope="module")
def node():
    from ekinerja_testbed import servers
    if not (servers.RABBIT_BIN / "rabbitmq-server").exists() and shutil.which("rabbitmq-server") is None:
        pytest.skip("rabbitmq-server is not installed (deploy/apt-packages.txt)")
    node = servers.RabbitNode()
    node.prometheus_port = servers.free_port()
    (node.root / "enabled_plugins").write_text((DEPLOY / "rabbitmq" / "enabled_plugins").read_text()
                                               .replace("rabbitmq_management,", "").replace("rabbitmq_shovel,", "")
                                               .replace(",rabbitmq_shovel_management", ""))
    with open(node.root / "rabbitmq.conf", "a") as conf:
        conf.write(f"prometheus.tcp.port = {node.prometheus_port}\nprometheus.tcp.ip = 127.0.0.1\n"
                   "collect_statistics_interval = 1000\n")
    node.start()
    yield node
    node.destroy()


def scrape(node, path: str = "/metrics/per-object") -> str:
    return urllib.request.urlopen(f"http://127.0.0.1:{node.prometheus_port}{path}", timeout=10).read().decode()


def broker_paths(config: str = "prometheus.yml") -> list[str]:
    """The paths the scrape jobs read from the broker's port 15692."""
    data = yaml.safe_load((DEPLOY / "prometheus" / config).read_text())
    return [job.get("metrics_path", "/metrics") for job in data["scrape_configs"]
            if any(t.endswith(":15692") for s in job["static_configs"] for t in s["targets"])]


def test_both_configurations_scrape_the_same_broker_paths():
    assert sorted(broker_paths("prometheus.yml")) == sorted(broker_paths("prometheus.compose.yml"))
    assert "/metrics/per-object" in broker_paths(), "per-queue series"
    assert "rabbitmq_prometheus" in (DEPLOY / "rabbitmq" / "enabled_plugins").read_text()


def test_dead_letter_depth_and_the_other_queried_series_are_exported(node, load):
    import kombu

    from ekinerja_platform import testing
    catalogue = load("ekinerja_deploy_metrics_catalogue", Path(__file__).with_name("metrics_catalogue.py"))
    queue_name = "recap.des.activity_submitted.dlq"
    with kombu.Connection(f"amqp://guest:guest@127.0.0.1:{node.port}//") as connection:
        queue = kombu.Queue(queue_name, durable=True, queue_arguments={"x-queue-type": "quorum"})
        producer = connection.Producer()
        for i in range(3):
            producer.publish({"n": i}, routing_key=queue_name, declare=[queue], delivery_mode=2)

    ready = re.compile(r'^rabbitmq_queue_messages_ready\{[^}]*queue="' + re.escape(queue_name) + r'"[^}]*\} (\S+)$',
                       re.M)

    def three_ready():
        match = ready.search(scrape(node))
        return match is not None and float(match.group(1)) == 3

    testing.wait_for(three_ready, timeout=60, interval=0.5)
    text = "\n".join(scrape(node, path) for path in broker_paths())
    exported = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}
    queried = {name for name in catalogue.EXTERNAL_METRICS if name.startswith("rabbitmq_")}
    assert queried <= exported, f"queried but not exported: {queried - exported}"
