"""A RabbitMQ node lost under load (issue 21 item 1): the services run on a private three-node cluster (quorum
queues replicated on every node, a kombu failover list as AMQP URI). 2,000 des submits; after 400 are acknowledged
the node leading recap's `activity_submitted` queue — the node every service is connected to — is killed
(`kill -9` of its Erlang VM) and started again later. Every acknowledged submit must reach recap exactly once, recap
must keep applying events while the node is down (the services moved to the surviving nodes), and nothing may be
dead-lettered."""
import time

import pytest
from kombu import Connection

from ekinerja_platform import testing, topology
from ekinerja_testbed import figures
from ekinerja_testbed.load import SubmitLoad
from ekinerja_testbed.servers import dead_lettered

pytestmark = pytest.mark.scale

SUBMITS = 2000
FAULT_AT = 400          # acknowledged submits before the node is killed
DOWN_FOR = 400          # further acknowledged submits (or the load's end) before it is started again
PROBES = 20            # submits of other employees made while the node is down
DRAIN_LIMIT = 120.0
HOT_QUEUE = topology.partition_queue("recap", "des", 0).name  # des -> recap: one of the 8 partition queues


def catalogue_queues() -> list[str]:
    """Every queue and dead-letter queue of the services' event catalogue (the test-only probe left out)."""
    return sorted(queue.name for producer in topology.SUBSCRIPTIONS if producer != "probe"
                  for queue in topology.queues_for_producer(producer))


def test_the_services_topology_is_quorum_queues_replicated_on_every_node(cluster_bed):
    cluster = cluster_bed.rabbit
    with Connection(cluster.uri) as conn:  # as each producer's relay declares its consumers' queues
        for producer in topology.SUBSCRIPTIONS:
            if producer != "probe":
                topology.declare(conn.default_channel, topology.queues_for_producer(producer))
    nodes = sorted(node.name for node in cluster.nodes)
    queues = cluster.queues()
    wrong = {name: (queues.get(name) or {}).get("type") for name in catalogue_queues()
             if (queues.get(name) or {}).get("type") != "quorum"
             or sorted(queues[name]["members"]) != nodes}
    figures.record("cluster topology", nodes=len(nodes), queues=len(catalogue_queues()),
                   quorum_on_every_node=len(catalogue_queues()) - len(wrong))
    assert not wrong, f"not a quorum queue on all {len(nodes)} nodes: {wrong}"


def leader_of(cluster) -> str | None:
    """The node leading the hot queue (None while the cluster elects one or is too busy to say)."""
    return (cluster.queue(HOT_QUEUE) or {}).get("leader") or None


def test_a_node_killed_under_load_loses_and_doubles_nothing(cluster_bed):
    bed, cluster = cluster_bed, cluster_bed.rabbit
    dead_before = dead_lettered(cluster)
    load = SubmitLoad(bed, bed.employees(20), total=SUBMITS).start()
    load.wait_acked(FAULT_AT, timeout=240)
    leader = testing.wait_for(lambda: leader_of(cluster), timeout=240)
    victim = cluster.node(leader)
    struck, acked_before = time.monotonic(), len(load.acked)
    victim.kill_beam()
    new_leader = testing.wait_for(lambda: (found := leader_of(cluster)) not in (None, leader) and found, timeout=120)
    # while the node is down: new employees' SKPs (skp -> des) and their submits (des -> recap) still flow, so
    # publishers and consumers moved to the surviving nodes (with one URI they would wait for the node to return)
    probe = SubmitLoad(bed, bed.employees(2), total=PROBES, threads=2).start().join()
    probe_s = probe.drain(DRAIN_LIMIT)
    testing.wait_for(lambda: len(load.acked) >= min(acked_before + DOWN_FOR, SUBMITS), timeout=240)
    acked_down = len(load.acked) - acked_before
    cluster.start()  # the killed node boots on its own data and rejoins
    outage = time.monotonic() - struck
    load.join()
    load_s = load.seconds
    try:
        drain = load.drain(DRAIN_LIMIT)
    except AssertionError as exc:
        drain = f"over {DRAIN_LIMIT:.0f} s ({exc})"
    back = testing.wait_for(lambda: len((cluster.queue(HOT_QUEUE) or {}).get("online", ())) == len(cluster.nodes),
                            timeout=120)
    exited = [svc for svc, proc in bed.services.items() if proc.process.poll() is not None]
    dead = {q: n - dead_before.get(q, 0) for q, n in dead_lettered(cluster).items() if n > dead_before.get(q, 0)}
    counts = load.recap_counts()
    figures.record("node killed", submits=SUBMITS, acknowledged=len(load.acked), load_s=load_s,
                   submits_per_s=len(load.acked) / load_s if load_s else 0.0,
                   retried_answers=sum(load.errors.values()),
                   answers=",".join(f"{k}:{v}" for k, v in sorted(load.errors.items())) or "-",
                   killed_leader=leader.split("@")[0], new_leader=str(new_leader).split("@")[0],
                   node_down_s=outage, acknowledged_while_down=acked_down,
                   probe_submits_applied_while_down=probe.recap_counts()["facts"], probe_applied_s=probe_s,
                   converge_s=drain, recap_facts=counts["facts"], recap_logged=counts["logged"],
                   replicas_online_after=len((cluster.queue(HOT_QUEUE) or {}).get("online", ())),
                   dead_lettered=sum(dead.values()), services_exited=",".join(exited) or "-")
    assert not exited, f"services exited: {exited}\n{bed.logs()}"
    assert new_leader, f"no new leader for {HOT_QUEUE} after {leader} was killed"
    probe.assert_exactly_once()
    assert isinstance(drain, float), f"{drain}\n{bed.logs('des', 'recap')}"
    assert back, f"{HOT_QUEUE} not back on every node: {cluster.queue(HOT_QUEUE)}"
    assert not dead, f"dead-lettered: {dead}"
    load.assert_exactly_once()
