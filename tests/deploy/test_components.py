"""The data tier as code (deploy/k8s/components, issue 20 items 4, 7 and 8): generated from the catalogue,
valid against the operators' CRD schemas (tests/deploy/crds, strict), wired to the services, ordered for GitOps.

Renders with tests/deploy/kustomize_lite.py, and checks it against `kubectl kustomize` where kubectl is installed.
"""
from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

pytestmark = pytest.mark.deploy

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
COMPONENTS = K8S / "components"
CRDS = Path(__file__).resolve().parent / "crds"
OVERLAYS = {name: K8S / "overlays" / name for name in ("dev", "prod", "prod-operators", "prod-replica-site")}
DATABASES = ("identity", "skp", "des", "recap", "snowman", "portal")
BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"
RUNBOOKS = ("database-failover", "broker-quorum-loss", "restore-from-backup", "credential-rotation", "retention")
# groups served by Kubernetes itself (validated by test_kubernetes.py); everything else needs a CRD schema here
BUILTIN_GROUPS = {"", "apps", "batch", "policy", "autoscaling", "networking.k8s.io", "rbac.authorization.k8s.io"}
# the edge's objects (components/gateway*, in dev and prod) have their own schemas and checks: test_gateway.py
EDGE_GROUPS = {"gateway.networking.k8s.io", "cert-manager.io", "gateway.envoyproxy.io"}
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
WAVE = "argocd.argoproj.io/sync-wave"


# -- fixtures --------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rendered(kustomize_lite) -> dict[str, list[dict]]:
    return {name: kustomize_lite.render(path) for name, path in OVERLAYS.items()}


@pytest.fixture(scope="module")
def generator(load):
    return load("ekinerja_deploy_generate_components", K8S / "generate_components.py")


@pytest.fixture(scope="module")
def broker_users():
    from ekinerja_platform import broker_users
    return broker_users


def _strict(schema):
    """A CRD's structural schema as JSON Schema with unknown fields rejected (kubectl --validate=strict)."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
        out.setdefault("additionalProperties", False)
    return out


def load_schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> strict JSON schema, from every CRD file in tests/deploy/crds."""
    out = {}
    for path in sorted(CRDS.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            assert crd["kind"] == "CustomResourceDefinition", path
            for version in crd["spec"]["versions"]:
                key = (f"{crd['spec']['group']}/{version['name']}", crd["spec"]["names"]["kind"])
                out[key] = _strict(version["schema"]["openAPIV3Schema"])
    return out


SCHEMAS = load_schemas()


def custom_resources(resources: list[dict]) -> list[dict]:
    return [r for r in resources if r["apiVersion"].split("/")[0] not in BUILTIN_GROUPS | EDGE_GROUPS
            and "/" in r["apiVersion"]]


def validation_errors(resource: dict) -> list[str]:
    schema = SCHEMAS.get((resource["apiVersion"], resource["kind"]))
    if schema is None:
        return [f"no CRD schema for {resource['apiVersion']} {resource['kind']} in tests/deploy/crds"]
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(resource)]
    meta = resource.get("metadata", {})
    name = meta.get("name", "")
    if not (DNS_SUBDOMAIN.match(name) and len(name) <= 253):
        errors.append(f"metadata.name {name!r} is not a DNS subdomain")
    if not meta.get("namespace"):
        errors.append("metadata.namespace missing (components must not rely on an overlay's namespace)")
    return errors


def of_kind(resources: list[dict], kind: str) -> dict[str, dict]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def wave(resource: dict) -> int:
    return int((resource["metadata"].get("annotations") or {}).get(WAVE, "0"))


# -- generated, and valid --------------------------------------------------------------------------------------------
def test_committed_components_equal_the_generator_output(generator):
    expected = generator.rendered()
    for path, text in expected.items():
        assert path.exists(), f"{path.relative_to(REPO)} missing: run deploy/k8s/generate_components.py"
        assert path.read_text() == text, f"{path.relative_to(REPO)} is stale: run deploy/k8s/generate_components.py"
    for component in ("cnpg", "cnpg-replica-site", "rabbitmq"):
        extra = set((COMPONENTS / component).iterdir()) - set(expected)
        assert not extra, f"files the generator does not write: {sorted(map(str, extra))}"


def test_generator_check_mode_reports_a_stale_file(generator, tmp_path, monkeypatch):
    monkeypatch.setattr(generator, "COMPONENTS", tmp_path)
    assert generator.main(["--check"]) == 1  # nothing written yet: everything is stale
    assert not any(tmp_path.iterdir())
    assert generator.main([]) == 0 and generator.main(["--check"]) == 0


@pytest.mark.parametrize("overlay", ["prod-operators", "prod-replica-site"])
def test_every_custom_resource_is_valid_against_its_crd(rendered, overlay):
    resources = custom_resources(rendered[overlay])
    assert resources
    problems = {f"{r['kind']}/{r['metadata']['name']}": validation_errors(r) for r in resources}
    assert not {k: v for k, v in problems.items() if v}


def test_crd_validation_is_strict(rendered):
    cluster = copy.deepcopy(of_kind(rendered["prod-operators"], "Cluster")["des-pg"])
    assert not validation_errors(cluster)
    cluster["spec"]["storage"]["sise"] = "1Gi"  # misspelt field
    assert any("sise" in e for e in validation_errors(cluster))
    pooler = copy.deepcopy(of_kind(rendered["prod-operators"], "Pooler")["des-pooler-rw"])
    pooler["spec"]["pgbouncer"]["poolMode"] = "statement"  # not an enum value
    assert validation_errors(pooler)
    queue = copy.deepcopy(of_kind(rendered["prod-operators"], "Queue")["des.identity.employee-registered"])
    del queue["spec"]["rabbitmqClusterReference"]
    assert validation_errors(queue)
    assert validation_errors({"apiVersion": "example.com/v1", "kind": "Unknown", "metadata": {"name": "x"}})


def test_only_the_operator_overlays_hold_custom_resources(rendered):
    """dev and prod stay plain Kubernetes (validated by test_kubernetes.py) plus the edge (test_gateway.py); the
    operators' objects come only with the components."""
    assert not custom_resources(rendered["dev"]) and not custom_resources(rendered["prod"])


# -- PostgreSQL ------------------------------------------------------------------------------------------------------
def test_a_cloudnativepg_cluster_pooler_and_plugin_backup_per_database(rendered):
    resources = rendered["prod-operators"]
    clusters, poolers = of_kind(resources, "Cluster"), of_kind(resources, "Pooler")
    backups, stores = of_kind(resources, "ScheduledBackup"), of_kind(resources, "ObjectStore")
    assert set(clusters) == {f"{db}-pg" for db in DATABASES}
    for db in DATABASES:
        cluster = clusters[f"{db}-pg"]["spec"]
        assert cluster["instances"] == 3
        assert "backup" not in cluster, "the in-tree barmanObjectStore is deprecated: the Barman Cloud plugin archives"
        [archiver] = [p for p in cluster["plugins"] if p.get("isWALArchiver")]
        assert archiver["name"] == BARMAN_PLUGIN and archiver["parameters"]["barmanObjectName"] in stores
        assert cluster["bootstrap"]["initdb"]["database"] == db
        assert cluster["postgresql"]["parameters"]["statement_timeout"], "the pooler drops the services' options"
        pooler = poolers[f"{db}-pooler-rw"]["spec"]
        assert pooler["cluster"]["name"] == f"{db}-pg" and pooler["type"] == "rw"
        assert pooler["pgbouncer"]["poolMode"] == "transaction"
        assert "options" in pooler["pgbouncer"]["parameters"]["ignore_startup_parameters"]
        [backup] = [b["spec"] for b in backups.values() if b["spec"]["cluster"]["name"] == f"{db}-pg"]
        assert backup["method"] == "plugin" and backup["pluginConfiguration"]["name"] == BARMAN_PLUGIN
        store = stores[archiver["parameters"]["barmanObjectName"]]["spec"]
        assert store["retentionPolicy"] and store["configuration"]["destinationPath"].endswith(f"/{db}")
        assert not store["configuration"].get("serverName"), "the plugin parameter serverName is used instead"


def test_services_reach_the_poolers_and_primaries_of_the_components(rendered):
    resources = rendered["prod-operators"]
    services = of_kind(resources, "Service")

    def target(name):
        return services[name]["spec"]["externalName"]

    for db in DATABASES:
        pooler = of_kind(resources, "Pooler")[f"{db}-pooler-rw"]["metadata"]
        cluster = of_kind(resources, "Cluster")[f"{db}-pg"]["metadata"]
        assert target(f"{db}-postgresql") == f"{pooler['name']}.{pooler['namespace']}.svc.cluster.local"
        assert target(f"{db}-postgresql-direct") == f"{cluster['name']}-rw.{cluster['namespace']}.svc.cluster.local"
        policy = of_kind(resources, "NetworkPolicy")[db]
        peers = [peer.get("podSelector", {}).get("matchLabels")
                 for rule in policy["spec"]["egress"] for peer in rule.get("to", [])]
        assert {"cnpg.io/poolerName": pooler["name"]} in peers and {"cnpg.io/cluster": cluster["name"]} in peers
    [broker] = of_kind(resources, "RabbitmqCluster").values()
    assert target("rabbitmq") == f"{broker['metadata']['name']}.{broker['metadata']['namespace']}.svc.cluster.local"


def test_recap_reads_the_standbys_through_a_read_only_pooler(rendered):
    """EKINERJA_DATABASE_READ_URL (docs/scale.md): recap's views go to a `type: ro` pooler, which CloudNativePG
    points at the cluster's `-ro` Service (the standbys); the NetworkPolicy lets recap reach it."""
    resources = rendered["prod-operators"]
    pooler = of_kind(resources, "Pooler")["recap-pooler-ro"]
    assert pooler["spec"]["type"] == "ro" and pooler["spec"]["cluster"]["name"] == "recap-pg"
    assert pooler["spec"]["pgbouncer"]["poolMode"] == "transaction"
    service = of_kind(resources, "Service")["recap-postgresql-ro"]
    assert service["spec"]["externalName"] == "recap-pooler-ro.postgres-system.svc.cluster.local"
    peers = [peer.get("podSelector", {}).get("matchLabels")
             for rule in of_kind(resources, "NetworkPolicy")["recap"]["spec"]["egress"] for peer in rule.get("to", [])]
    assert {"cnpg.io/poolerName": "recap-pooler-ro"} in peers
    config = of_kind(resources, "ConfigMap")["recap-config"]["data"]
    assert config["EKINERJA_DATABASE_READ_URL_FILE"] == "/run/secrets/recap-secrets/EKINERJA_DATABASE_READ_URL"
    # the national profile splits des's months by NIP hash (migration 0010, read by the migration Job)
    assert of_kind(resources, "ConfigMap")["des-config"]["data"]["EKINERJA_DES_ACTIVITY_HASH_PARTITIONS"] == "16"


def test_the_second_site_replays_the_primary_sites_archive(rendered):
    primary, replica = rendered["prod-operators"], rendered["prod-replica-site"]
    primary_clusters, primary_stores = of_kind(primary, "Cluster"), of_kind(primary, "ObjectStore")
    replica_stores = of_kind(replica, "ObjectStore")
    clusters = of_kind(replica, "Cluster")
    assert set(clusters) == {f"{db}-pg-dr" for db in DATABASES}
    for db in DATABASES:
        spec = clusters[f"{db}-pg-dr"]["spec"]
        source = primary_clusters[f"{db}-pg"]
        assert spec["replica"] == {"enabled": True, "source": source["metadata"]["name"]}
        assert spec["bootstrap"]["recovery"]["source"] == source["metadata"]["name"]
        [external] = [c for c in spec["externalClusters"] if c["name"] == spec["replica"]["source"]]
        assert external["plugin"]["name"] == BARMAN_PLUGIN
        assert external["plugin"]["parameters"]["serverName"] == source["metadata"]["name"]
        [archiver] = [p for p in source["spec"]["plugins"] if p.get("isWALArchiver")]
        read_from = replica_stores[external["plugin"]["parameters"]["barmanObjectName"]]["spec"]["configuration"]
        written_to = primary_stores[archiver["parameters"]["barmanObjectName"]]["spec"]["configuration"]
        assert read_from["destinationPath"] == written_to["destinationPath"], "it reads what the primary writes"
        [own] = [p for p in spec["plugins"] if p.get("isWALArchiver")]
        own_path = replica_stores[own["parameters"]["barmanObjectName"]]["spec"]["configuration"]["destinationPath"]
        assert own_path != written_to["destinationPath"], "a promoted site must not archive over the primary's WAL"
        for same in ("instances", "storage", "walStorage", "postgresql"):
            assert spec[same] == source["spec"][same], same
        assert spec.get("imageName") == source["spec"].get("imageName"), "same PostgreSQL major on both sites"


# -- RabbitMQ --------------------------------------------------------------------------------------------------------
def test_dead_letter_queues_are_quorum(topology):
    """A classic dead-letter queue lives on one node: losing it lost the dead letters (issue 20 item 4)."""
    queue = topology.dead_letter_queue("recap", "des", "activity_submitted")
    assert queue.queue_arguments == {"x-queue-type": "quorum"} and queue.durable


def test_broker_objects_follow_the_catalogue(rendered, topology, broker_users):
    resources = rendered["prod-operators"]
    [cluster] = of_kind(resources, "RabbitmqCluster").values()
    assert cluster["spec"]["replicas"] == 3
    topology_objects = [r for r in custom_resources(resources)
                        if r["apiVersion"].startswith("rabbitmq.com/") and r["kind"] != "RabbitmqCluster"]
    for obj in topology_objects:
        assert obj["spec"]["rabbitmqClusterReference"] == {"name": cluster["metadata"]["name"]}
        assert obj["metadata"]["namespace"] == cluster["metadata"]["namespace"], "the operator's requirement"

    queues = {q["spec"]["name"]: q["spec"] for q in of_kind(resources, "Queue").values()}
    expected = [q for producer in broker_users.SERVICES for q in topology.queues_for_producer(producer)]
    assert set(queues) == {q.name for q in expected}
    for declared in expected:
        spec = queues[declared.name]
        assert spec["type"] == "quorum", declared.name
        # the services redeclare these queues: any other argument fails their declaration (PRECONDITION_FAILED)
        assert {"x-queue-type": spec["type"], **spec.get("arguments", {})} == declared.queue_arguments
        assert spec["durable"] == declared.durable and spec["vhost"] == "ekinerja"
    bindings = {(b["spec"]["source"], b["spec"]["destination"], b["spec"]["destinationType"], b["spec"]["routingKey"])
                for b in of_kind(resources, "Binding").values()}
    partitioned = [b for producer in broker_users.SERVICES for b in topology.exchange_bindings(producer)]
    assert partitioned, "des's events reach recap through a partitioned exchange"
    assert bindings == {(q.exchange.name, q.name, "queue", q.routing_key) for q in expected} | {
        (source.name, destination.name, "exchange", key) for source, destination, key in partitioned}
    exchanges = {e["spec"]["name"]: e["spec"] for e in of_kind(resources, "Exchange").values()}
    for _, destination, _ in partitioned:  # the relay redeclares it: same type and arguments
        spec = exchanges[destination.name]
        assert (spec["type"], spec["arguments"]) == ("x-consistent-hash", {"hash-header": topology.PARTITION_HEADER})
    # the consistent-hash exchange type is a plugin: the operator's nodes enable what the topology needs
    assert set(topology.REQUIRED_PLUGINS) <= set(cluster["spec"]["rabbitmq"]["additionalPlugins"])

    users = {p["spec"]["user"]: p["spec"] for p in of_kind(resources, "Permission").values()}
    assert set(users) == set(broker_users.SERVICES)
    for service in broker_users.SERVICES:
        assert users[service]["permissions"] == broker_users.permissions(service)
    topic = {t["spec"]["user"]: t["spec"]["permissions"] for t in of_kind(resources, "TopicPermission").values()}
    assert topic == {s: broker_users.topic_permission(s) for s in broker_users.SERVICES}
    secrets = {u["spec"]["importCredentialsSecret"]["name"] for u in of_kind(resources, "User").values()}
    assert secrets == {f"{s}-rabbitmq-user" for s in broker_users.SERVICES}


def test_policies_cover_event_queues_and_dead_letter_queues_apart(rendered, topology, broker_users):
    policies = {p["spec"]["name"]: p["spec"] for p in of_kind(rendered["prod-operators"], "Policy").values()}
    [event_policy] = broker_users.definitions("ekinerja")["policies"]
    assert policies[event_policy["name"]]["definition"] == event_policy["definition"]
    dead_letter = policies["ekinerja-dead-letter-queues"]
    assert dead_letter["definition"]["overflow"] == "reject-publish"
    queues = [q.name for producer in broker_users.SERVICES for q in topology.queues_for_producer(producer)]
    for name in queues:
        matching = [p for p in policies.values() if re.search(p["pattern"], name)]
        # RabbitMQ applies one policy per queue: overlapping patterns would silently drop one of them
        assert len(matching) == 1, (name, [p["name"] for p in matching])
        assert (matching[0] is dead_letter) == name.endswith(".dlq"), name


# -- GitOps order ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", ["dev", "prod", "prod-operators"])
def test_migrations_run_after_what_they_need_and_before_the_deployments(rendered, overlay):
    resources = rendered[overlay]
    jobs = {name: job for name, job in of_kind(resources, "Job").items() if name.endswith("-migrate")}
    deployments = of_kind(resources, "Deployment")
    assert set(jobs) == {f"{name}-migrate" for name in deployments}
    first_deployment = min(wave(d) for d in deployments.values())
    for name, job in jobs.items():
        annotations = job["metadata"]["annotations"]
        assert wave(job) < first_deployment, f"{name} must finish before any Deployment rolls"
        # a hook is deleted and created again on each sync: a new image re-runs its migration
        assert annotations["argocd.argoproj.io/hook"] == "Sync"
        assert annotations["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
        pod = job["spec"]["template"]["spec"]
        needed = [("ServiceAccount", pod["serviceAccountName"])]
        for container in pod["containers"]:
            needed += [("ConfigMap", s["configMapRef"]["name"]) for s in container.get("envFrom", [])
                       if "configMapRef" in s]
        service = name.removesuffix("-migrate")
        needed += [("Service", f"{service}-postgresql-direct"), ("NetworkPolicy", service)]
        for kind, dependency in needed:
            assert wave(of_kind(resources, kind)[dependency]) < wave(job), f"{kind}/{dependency} after {name}"
    data_tier = custom_resources(resources)
    if data_tier:
        assert max(wave(r) for r in data_tier) < min(wave(j) for j in jobs.values())
        assert max(wave(r) for r in data_tier) < min(wave(r) for r in resources if r not in data_tier)


# -- rendering, docs -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", ["prod-operators", "prod-replica-site"])
def test_renderer_matches_kubectl_kustomize(rendered, overlay):
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl not installed: the overlays are checked with kustomize_lite only")
    out = subprocess.run(["kubectl", "kustomize", str(OVERLAYS[overlay])], capture_output=True, text=True,
                         timeout=120)
    if out.returncode != 0 and "unknown command" in out.stderr:
        pytest.skip("kubectl without kustomize")
    assert out.returncode == 0, out.stderr

    def key(r):
        return (r["apiVersion"], r["kind"], r["metadata"].get("namespace", ""), r["metadata"]["name"])

    theirs = {key(r): r for r in yaml.safe_load_all(out.stdout) if r}
    ours = {key(r): r for r in rendered[overlay]}
    assert ours == theirs


def test_kustomize_lite_refuses_component_features_it_does_not_implement(kustomize_lite, tmp_path):
    (tmp_path / "component").mkdir()
    (tmp_path / "component" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: x-\n")
    (tmp_path / "kustomization.yaml").write_text("components: [component]\n")
    with pytest.raises(kustomize_lite.Unsupported):
        kustomize_lite.render(tmp_path)


def test_runbooks_exist_and_operations_links_each():
    operations = (REPO / "docs" / "operations.md").read_text()
    for name in RUNBOOKS:
        path = REPO / "docs" / "runbooks" / f"{name}.md"
        assert path.is_file(), path
        assert f"runbooks/{name}.md" in operations, f"docs/operations.md does not link {name}"
    restore = (REPO / "docs" / "runbooks" / "restore-from-backup.md").read_text()
    for needed in ("bootstrap:", "recovery:", "recoveryTarget", "targetTime", BARMAN_PLUGIN, "externalClusters"):
        assert needed in restore, needed
    failover = (REPO / "docs" / "runbooks" / "database-failover.md").read_text()
    assert "replica:" in failover and "enabled: false" in failover


def _rabbitmqctl_works() -> bool:
    if shutil.which("rabbitmqctl") is None:
        return False
    try:
        return subprocess.run(["rabbitmqctl", "-q", "status"], capture_output=True, timeout=30).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def test_the_broker_objects_are_what_the_services_declare_in_a_real_broker(rendered, topology, broker_users):
    """The generated exchanges, policies, queues and bindings, imported into the machine's RabbitMQ (scratch vhost),
    become quorum queues under the right policy, and the services' own declarations of the same queues succeed
    (a different argument would fail them with PRECONDITION_FAILED)."""
    if not _rabbitmqctl_works():
        pytest.skip("no local RabbitMQ reachable with rabbitmqctl")
    import json
    import secrets
    import tempfile

    from kombu import Connection

    resources = rendered["prod-operators"]
    vhost, user, password = (f"ekinerja-components-{secrets.token_hex(4)}", f"components-{secrets.token_hex(4)}",
                             secrets.token_hex(12))
    specs = {kind: [r["spec"] for r in resources if r["kind"] == kind]
             for kind in ("Exchange", "Policy", "Queue", "Binding")}
    definitions = {
        "vhosts": [{"name": vhost}],
        "users": [{"name": user, "password_hash": broker_users.password_hash(password),
                   "hashing_algorithm": broker_users.HASHING, "tags": []}],
        "permissions": [{"user": user, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}],
        "exchanges": [{"name": e["name"], "vhost": vhost, "type": e["type"], "durable": e["durable"],
                       "auto_delete": e["autoDelete"], "internal": False, "arguments": {}}
                      for e in specs["Exchange"]],
        "policies": [{"vhost": vhost, "name": p["name"], "pattern": p["pattern"], "apply-to": p["applyTo"],
                      "priority": p["priority"], "definition": p["definition"]} for p in specs["Policy"]],
        "queues": [{"name": q["name"], "vhost": vhost, "durable": q["durable"], "auto_delete": q["autoDelete"],
                    "arguments": {"x-queue-type": q["type"], **q.get("arguments", {})}} for q in specs["Queue"]],
        "bindings": [{"source": b["source"], "vhost": vhost, "destination": b["destination"],
                      "destination_type": b["destinationType"], "routing_key": b["routingKey"], "arguments": {}}
                     for b in specs["Binding"]],
    }
    directory = Path(tempfile.mkdtemp(prefix="ekinerja-components-"))  # readable by the broker's own user
    directory.chmod(0o755)
    path = directory / "definitions.json"
    path.write_text(json.dumps(definitions))
    path.chmod(0o644)
    try:
        result = subprocess.run(["rabbitmqctl", "-q", "import_definitions", str(path)], capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        listed = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type", "policy",
                                 "--formatter", "json"], capture_output=True, text=True, timeout=120, check=True)
        queues = {q["name"]: q for q in json.loads(listed.stdout)}
        assert set(queues) == {q["name"] for q in specs["Queue"]}
        for name, queue in queues.items():
            assert queue["type"] == "quorum", name
            expected = "ekinerja-dead-letter-queues" if name.endswith(".dlq") else "ekinerja-event-queues"
            assert queue["policy"] == expected, name
        with Connection(f"amqp://{user}:{password}@127.0.0.1:5672/{vhost}", connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)
            for producer in broker_users.SERVICES:
                topology.declare(conn.channel(), topology.queues_for_producer(producer))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=60)
        subprocess.run(["rabbitmqctl", "-q", "delete_user", user], capture_output=True, timeout=60)
