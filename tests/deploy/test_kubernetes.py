"""Kubernetes manifests (deploy/k8s): schema-valid, rendered overlays equal to kustomize's, hardened, consistent.

Schemas: the ones bundled by the PyPI package kubernetes-validate, strict (unknown fields are errors), for the
oldest Kubernetes the manifests support (1.30: the preStop `sleep` action) and a recent one.
Rendering: tests/deploy/kustomize_lite.py; where `kubectl` (with its built-in kustomize) is installed, its output
must be identical.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

pytestmark = pytest.mark.deploy

K8S_VERSIONS = ("1.30.0", "1.33.0")
SERVICES = {"identity": (50051, 9101), "skp": (50052, 9102), "des": (50053, 9103), "recap": (50054, 9104),
            "snowman": (50055, 9105)}
K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
TARGETS = {"base": K8S / "base", "dev": K8S / "overlays" / "dev", "prod": K8S / "overlays" / "prod"}
OVERLAYS = ("dev", "prod")


def manifest_files() -> list[Path]:
    """Every file holding whole resources: base, overlays' resources and the secret templates, not patches (the
    operators' custom resources in components/ are checked against their CRDs by test_components.py)."""
    return sorted(p for p in K8S.rglob("*.yaml")
                  if p.name != "kustomization.yaml" and "patches" not in p.relative_to(K8S).parts
                  and "components" not in p.relative_to(K8S).parts)


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@pytest.fixture(scope="module")
def rendered(kustomize_lite) -> dict[str, list[dict]]:
    return {name: kustomize_lite.render(path) for name, path in TARGETS.items()}


def by_kind(resources: list[dict], kind: str) -> dict[str, dict]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


# Custom resources (the edge's Gateway API, cert-manager and Envoy Gateway objects) are checked against their own
# schemas in test_gateway.py; kubernetes-validate knows only the built-in kinds.
CUSTOM_GROUPS = {"gateway.networking.k8s.io", "cert-manager.io", "gateway.envoyproxy.io"}


def validate(resource: dict, version: str) -> None:
    if resource["apiVersion"].split("/")[0] in CUSTOM_GROUPS:
        return
    try:
        kubernetes_validate.validate(resource, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path)
        pytest.fail(f"{resource['kind']}/{resource['metadata']['name']} invalid for Kubernetes {version}: "
                    f"{path}: {exc.message}")


# -- schemas ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_file_is_valid(path, version):
    docs = documents(path)
    assert docs, f"{path} holds no resource"
    for resource in docs:
        validate(resource, version)


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("target", list(TARGETS))
def test_rendered_output_is_valid(rendered, target, version):
    assert rendered[target]
    for resource in rendered[target]:
        validate(resource, version)


def test_kubernetes_validate_ships_the_versions_used():
    from kubernetes_validate import utils
    shipped = {utils.major_minor(v) for v in utils.all_versions()}
    assert {utils.major_minor(v) for v in K8S_VERSIONS} <= shipped


# -- rendering -------------------------------------------------------------------------------------------------------
def _kubectl_kustomize_version() -> str | None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    out = subprocess.run([kubectl, "version", "--client"], capture_output=True, text=True, timeout=60).stdout
    match = re.search(r"Kustomize Version: v(\d+)\.", out)
    return match.group(0) if match and int(match.group(1)) >= 5 else None


@pytest.mark.parametrize("target", list(TARGETS))
def test_renderer_matches_kubectl_kustomize(rendered, target):
    if _kubectl_kustomize_version() is None:
        pytest.skip("kubectl with kustomize v5 not installed: the overlays are checked with kustomize_lite only")
    out = subprocess.run(["kubectl", "kustomize", str(TARGETS[target])], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    theirs = {(r["apiVersion"], r["kind"], r["metadata"]["name"]): r for r in yaml.safe_load_all(out) if r}
    ours = {(r["apiVersion"], r["kind"], r["metadata"]["name"]): r for r in rendered[target]}
    assert sorted(ours) == sorted(theirs)
    for key in ours:
        assert ours[key] == theirs[key], f"{key} differs from kubectl kustomize"


def test_renderer_rejects_features_it_does_not_implement(kustomize_lite, tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: []\nnamePrefix: x-\n")
    with pytest.raises(kustomize_lite.Unsupported):
        kustomize_lite.render(tmp_path)


# -- what every service gets -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", list(TARGETS))
def test_every_service_has_its_objects(rendered, target):
    resources = rendered[target]
    for svc in SERVICES:
        assert svc in by_kind(resources, "Deployment")
        assert svc in by_kind(resources, "ServiceAccount")
        assert svc in by_kind(resources, "PodDisruptionBudget")
        assert svc in by_kind(resources, "NetworkPolicy")
        assert f"{svc}-config" in by_kind(resources, "ConfigMap")
        assert f"{svc}-migrate" in by_kind(resources, "Job")
        hpa = by_kind(resources, "HorizontalPodAutoscaler")[svc]
        assert hpa["apiVersion"] == "autoscaling/v2"
        services = by_kind(resources, "Service")
        assert services[svc]["spec"]["type"] == "ClusterIP"
        assert services[f"{svc}-postgresql"]["spec"]["type"] == "ExternalName"
        assert services[f"{svc}-postgresql-direct"]["spec"]["type"] == "ExternalName"
    assert by_kind(resources, "Service")["rabbitmq"]["spec"]["type"] == "ExternalName"
    assert not by_kind(resources, "Secret"), "secrets are created out of band, never rendered from the repository"


def pod_specs(resources):
    for r in resources:
        if r["kind"] in ("Deployment", "Job"):
            yield r, r["spec"]["template"]["spec"]


@pytest.mark.parametrize("target", list(TARGETS))
def test_security_context_of_every_pod(rendered, target):
    for workload, pod in pod_specs(rendered[target]):
        where = f"{workload['kind']}/{workload['metadata']['name']}"
        psc = pod.get("securityContext", {})
        assert psc.get("runAsNonRoot") is True, where
        assert psc.get("runAsUser", 0) != 0, where
        assert psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        assert pod.get("automountServiceAccountToken") is False, where
        assert pod.get("hostNetwork") is not True and pod.get("hostPID") is not True, where
        for container in pod["containers"] + pod.get("initContainers", []):
            csc = container.get("securityContext", {})
            what = f"{where} container {container['name']}"
            assert csc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, what
            assert csc.get("readOnlyRootFilesystem") is True, what
            assert csc.get("allowPrivilegeEscalation") is False, what
            assert csc.get("privileged") is not True, what
            assert csc.get("capabilities", {}).get("drop") == ["ALL"], what
            assert not csc.get("capabilities", {}).get("add"), what
            assert csc.get("seccompProfile", psc.get("seccompProfile", {})).get("type") == "RuntimeDefault", what
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(bound, {})), f"{what}: {bound}"
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{what}: a writable /tmp (read-only root filesystem)"


@pytest.mark.parametrize("target", list(TARGETS))
def test_deployments_probe_ports_and_wiring(rendered, target):
    resources = rendered[target]
    configmaps = by_kind(resources, "ConfigMap")
    for svc, (grpc_port, http_port) in SERVICES.items():
        deployment = by_kind(resources, "Deployment")[svc]
        pod = deployment["spec"]["template"]["spec"]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert "replicas" not in deployment["spec"], "the HPA owns replicas"
        assert pod["serviceAccountName"] == svc
        [container] = pod["containers"]
        assert container["args"] == ["run"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"grpc": grpc_port, "http": http_port}
        assert container["readinessProbe"]["grpc"]["port"] == grpc_port
        assert container["livenessProbe"]["httpGet"] == {"path": "/alive", "port": "http"}
        assert "startupProbe" in container

        config = configmaps[f"{svc}-config"]["data"]
        assert config["EKINERJA_GRPC_PORT"] == str(grpc_port)
        assert config["EKINERJA_HTTP_PORT"] == str(http_port)
        assert config["EKINERJA_JWKS_URL"] == "http://identity:9101/.well-known/jwks.json"
        assert "EKINERJA_TRUSTED_PROXIES" in config, "the per-peer stream limit must see clients behind the ingress"
        assert config["EKINERJA_TIMEZONE"] == "Asia/Jakarta", "every service must agree on what day it is"
        refs = {e.get("configMapRef", e.get("secretRef"))["name"] for e in container["envFrom"]}
        assert refs == {f"{svc}-config"}, "secrets are mounted files, not environment variables"
        secret_volumes = {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
        assert {f"{svc}-secrets", "ekinerja-shared-secrets"} <= secret_volumes

        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items()
        service = by_kind(resources, "Service")[svc]
        assert service["spec"]["selector"].items() <= pod_labels.items()
        assert {p["name"]: p["port"] for p in service["spec"]["ports"]} == {"grpc": grpc_port, "http": http_port}
        pdb = by_kind(resources, "PodDisruptionBudget")[svc]
        assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
        hpa = by_kind(resources, "HorizontalPodAutoscaler")[svc]
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": svc}
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]

        job = by_kind(resources, "Job")[f"{svc}-migrate"]
        [migrate] = job["spec"]["template"]["spec"]["containers"]
        assert migrate["args"] == ["migrate"]
        assert migrate["image"] == container["image"], "the job migrates the schema of the image it precedes"
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
        assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == svc

    identity = by_kind(resources, "Deployment")["identity"]["spec"]["template"]["spec"]
    assert configmaps["identity-config"]["data"]["EKINERJA_SIGNING_KEY_DIR"] in {
        m["mountPath"] for m in identity["containers"][0]["volumeMounts"] if m.get("readOnly")}


def _allows(policy_rules, port, peer=lambda peer: True) -> bool:
    for rule in policy_rules or []:
        ports = {p.get("port") for p in rule.get("ports", [])}
        peers = rule.get("from", rule.get("to", []))
        if port in ports and any(peer(p) for p in peers):
            return True
    return False


@pytest.mark.parametrize("target", list(TARGETS))
def test_network_policies_deny_by_default_and_allow_what_is_needed(rendered, target):
    policies = by_kind(rendered[target], "NetworkPolicy")
    deny = policies["default-deny-all"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    assert _allows(policies["allow-dns-egress"]["spec"]["egress"], 53)

    def ns(name):
        return lambda peer: peer.get("namespaceSelector", {}).get("matchLabels", {}).get(
            "kubernetes.io/metadata.name") == name

    for svc in SERVICES:
        spec = policies[svc]["spec"]
        assert spec["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": svc}
        assert set(spec["policyTypes"]) == {"Ingress", "Egress"}
        assert _allows(spec["ingress"], "http", ns("monitoring")), f"{svc}: Prometheus scraping"
        edge = ns("envoy-gateway-system") if target in OVERLAYS else (  # the gateway component sets it
            lambda peer: peer.get("namespaceSelector", {}).get("matchLabels") == {"ekinerja.go.id/edge": "true"})
        assert _allows(spec["ingress"], "grpc", edge), f"{svc}: external gRPC"
        assert _allows(spec["egress"], 5432, ns("postgres-system")), f"{svc}: PostgreSQL"
        assert _allows(spec["egress"], 5672, ns("rabbitmq-system")), f"{svc}: RabbitMQ"
        if svc != "identity":
            to_identity = lambda peer: peer.get("podSelector", {}).get("matchLabels", {}).get(  # noqa: E731
                "app.kubernetes.io/name") == "identity"
            assert _allows(spec["egress"], 9101, to_identity), f"{svc}: identity's JWKS"
    identity_ingress = policies["identity"]["spec"]["ingress"]
    assert _allows(identity_ingress, "http", lambda p: p.get("podSelector", {}).get("matchLabels", {}).get(
        "app.kubernetes.io/part-of") == "ekinerja")


# -- overlays --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlays_set_namespace_environment_and_images(rendered, overlay):
    namespaces = {r["metadata"].get("namespace") for r in rendered[overlay]}
    assert namespaces == {"ekinerja-dev" if overlay == "dev" else "ekinerja"}
    for r in rendered[overlay]:
        assert r["metadata"]["labels"]["ekinerja.go.id/environment"] == overlay
    for workload, pod in pod_specs(rendered[overlay]):
        assert workload["spec"]["template"]["metadata"]["labels"]["ekinerja.go.id/environment"] == overlay
        for container in pod["containers"]:
            name, _, tag = container["image"].rpartition(":")
            assert "/" in name and name.startswith("registry."), container["image"]
            assert tag and tag != "latest", container["image"]


def test_dev_is_small_and_verbose(rendered):
    for hpa in by_kind(rendered["dev"], "HorizontalPodAutoscaler").values():
        assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 2)
    for name, cm in by_kind(rendered["dev"], "ConfigMap").items():
        assert cm["data"]["EKINERJA_LOG_LEVEL"] == "DEBUG", name


def test_prod_is_redundant_and_sized_for_des_and_recap(rendered):
    hpas = by_kind(rendered["prod"], "HorizontalPodAutoscaler")
    assert all(h["spec"]["minReplicas"] >= 3 for h in hpas.values())
    assert hpas["des"]["spec"]["maxReplicas"] > hpas["identity"]["spec"]["maxReplicas"]
    deployments = by_kind(rendered["prod"], "Deployment")
    for name, deployment in deployments.items():
        keys = {c["topologyKey"] for c in deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]}
        assert "topology.kubernetes.io/zone" in keys, name
    des = deployments["des"]["spec"]["template"]["spec"]["containers"][0]["resources"]
    skp = deployments["skp"]["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert des != skp
    for name, cm in by_kind(rendered["prod"], "ConfigMap").items():
        assert cm["data"]["EKINERJA_LOG_LEVEL"] == "INFO", name


# -- secrets as files ------------------------------------------------------------------------------------------------
# Workloads that may still take a Secret as an environment variable, each with the reason (none today: every image is
# ours and reads `X_FILE`, ekinerja_platform.settings.secret).
SECRET_ENV_ALLOWED: dict[str, str] = {}


def _container_env(resources, container) -> dict[str, str]:
    """The container's plain environment: its ConfigMaps' data (envFrom), then its own `env` values, which win."""
    configmaps = by_kind(resources, "ConfigMap")
    env = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(configmaps[source["configMapRef"]["name"]]["data"])
    env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    return env


@pytest.mark.parametrize("target", [*TARGETS, "prod-operators"])  # prod-replica-site: no workload
def test_no_workload_takes_a_secret_as_an_environment_variable(rendered, kustomize_lite, target):
    resources = rendered[target] if target in rendered else kustomize_lite.render(K8S / "overlays" / target)
    workloads = list(pod_specs(resources))
    assert workloads
    for workload, pod in workloads:
        where = f"{workload['kind']}/{workload['metadata']['name']}"
        if where in SECRET_ENV_ALLOWED:
            continue
        for container in pod["containers"] + pod.get("initContainers", []):
            assert not [e for e in container.get("envFrom", []) if "secretRef" in e], f"{where}: envFrom a Secret"
            assert not [e["name"] for e in container.get("env", [])
                        if "secretKeyRef" in e.get("valueFrom", {})], f"{where}: env from a secretKeyRef"


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_secret_file_setting_names_a_key_of_a_mounted_secret(rendered, target):
    """Each `*_FILE` path is `<mount of a Secret volume>/<a key that volume projects>`, the Secret's template holds
    that key, and the settings the services require are all given as files."""
    templates = {doc["metadata"]["name"]: doc for path in K8S.rglob("*.template.yaml") for doc in documents(path)}
    for workload, pod in pod_specs(rendered[target]):
        where = f"{workload['kind']}/{workload['metadata']['name']}"
        volumes = {v["name"]: v["secret"] for v in pod.get("volumes", []) if "secret" in v}
        for container in pod["containers"]:
            mounted = {}
            for mount in container.get("volumeMounts", []):
                if mount["name"] in volumes:
                    assert mount.get("readOnly") is True, f"{where}: {mount['name']} must be read-only"
                    mounted[mount["mountPath"].rstrip("/")] = volumes[mount["name"]]
            files = {k: v for k, v in _container_env(rendered[target], container).items() if k.endswith("_FILE")}
            for name, path in files.items():
                directory, _, key = path.rpartition("/")
                assert directory in mounted, f"{where}: {name}={path} is in no mounted Secret volume"
                volume = mounted[directory]
                assert volume["defaultMode"] in (0o400, 0o440), f"{where}: {volume['secretName']} files too open"
                projected = [i["path"] for i in volume["items"]] if "items" in volume else None
                keys = set(templates[volume["secretName"]]["stringData"])
                assert key in (projected if projected is not None else keys), f"{where}: {name}: no file {key}"
                assert key in keys, f"{where}: {name}: the Secret {volume['secretName']} has no key {key}"
            if workload["metadata"]["name"] in SERVICES:
                required = {"EKINERJA_DATABASE_URL_FILE", "EKINERJA_AMQP_URI_FILE", "EKINERJA_NIP_HASH_KEY_FILE"}
                assert required <= set(files), f"{where}: {required - set(files)}"
            if workload["kind"] == "Job":
                assert files["EKINERJA_DATABASE_URL_FILE"].endswith("/EKINERJA_MIGRATION_DATABASE_URL"), where
            else:  # a server gets only the keys it reads, not the owner's (migration) database URL
                projected = {i["key"] for i in volumes[f"{workload['metadata']['name']}-secrets"].get("items", [])}
                assert projected and "EKINERJA_MIGRATION_DATABASE_URL" not in projected, f"{where}: the owner's URL"


# -- secret templates ------------------------------------------------------------------------------------------------
def test_secret_templates_cover_every_reference_and_hold_no_secret(rendered):
    templates = {}
    for path in K8S.rglob("*.template.yaml"):
        for doc in documents(path):
            assert doc["kind"] == "Secret"
            templates[doc["metadata"]["name"]] = doc
    for doc in templates.values():
        for key, value in doc["stringData"].items():
            assert "REPLACE_ME" in value or "REPLACE_ME" in key, f"{doc['metadata']['name']}.{key} holds a value"
        assert "data" not in doc
    referenced = set()
    for _, pod in pod_specs(rendered["base"]):
        for container in pod["containers"]:
            referenced |= {e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e}
            referenced |= {e["valueFrom"]["secretKeyRef"]["name"] for e in container.get("env", [])
                           if "secretKeyRef" in e.get("valueFrom", {})}
        referenced |= {v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v}
    assert referenced <= set(templates), f"no template for {referenced - set(templates)}"
    for svc in SERVICES:
        keys = set(templates[f"{svc}-secrets"]["stringData"])
        own = {"EKINERJA_PHONE_HASH_KEY", "EKINERJA_PHONE_ENCRYPTION_KEY"} if svc == "identity" else set()
        own |= {"EKINERJA_DATABASE_READ_URL"} if svc == "recap" else set()  # its views read the standbys
        assert keys == {"EKINERJA_DATABASE_URL", "EKINERJA_MIGRATION_DATABASE_URL", "EKINERJA_AMQP_URI"} | own
    assert set(templates["ekinerja-shared-secrets"]["stringData"]) == {"EKINERJA_NIP_HASH_KEY"}


@pytest.mark.parametrize("target", list(TARGETS))
def test_the_sms_bridge_has_its_objects(rendered, target):
    """The SMS bridge (docs/sms.md): one replica replaced, not rolled; HTTP probes; its own NetworkPolicy reaching only
    the four APIs it calls; the services it calls admit it."""
    resources = rendered[target]
    deployment = by_kind(resources, "Deployment")["sms"]
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"]["type"] == "Recreate"
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/alive"
    assert "sms-migrate" in by_kind(resources, "Job") and "sms-config" in by_kind(resources, "ConfigMap")
    policies = by_kind(resources, "NetworkPolicy")
    egress_ports = {p["port"] for rule in policies["sms"]["spec"]["egress"] for p in rule.get("ports", [])}
    assert {50051, 50053, 50054, 50055, 5432, 5672} <= egress_ports and 50052 not in egress_ports
    for svc in ("identity", "des", "recap", "snowman"):
        admitted = [peer["podSelector"]["matchLabels"].get("app.kubernetes.io/name")
                    for rule in policies[svc]["spec"]["ingress"] for peer in rule.get("from", [])
                    if "podSelector" in peer]
        assert "sms" in admitted, svc
