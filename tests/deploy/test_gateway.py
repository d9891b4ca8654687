"""The agencies' edge (deploy/k8s/components/gateway, gateway-mtls): Gateway API, cert-manager and Envoy Gateway
objects valid against their schemas (tests/deploy/crds, written from each project's API reference: see its
README), routes for every service and every streaming import, TLS names covered by the certificates, rate limits,
and NetworkPolicies that name no ingress controller.
"""
from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

pytestmark = pytest.mark.deploy

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
CRDS = Path(__file__).resolve().parent / "crds"
BASE_URI = "https://schemas.ekinerja.invalid/crds/"
SCHEMAS = {
    ("gateway.networking.k8s.io/v1", "Gateway"): "gateway-api/gateway.yaml",
    ("gateway.networking.k8s.io/v1", "GRPCRoute"): "gateway-api/routes.yaml#/$defs/grpcRoute",
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): "gateway-api/routes.yaml#/$defs/httpRoute",
    ("cert-manager.io/v1", "Certificate"): "cert-manager/certificate.yaml",
    ("gateway.envoyproxy.io/v1alpha1", "ClientTrafficPolicy"): "envoy-gateway/policies.yaml#/$defs/clientTrafficPolicy",
    ("gateway.envoyproxy.io/v1alpha1", "BackendTrafficPolicy"):
        "envoy-gateway/policies.yaml#/$defs/backendTrafficPolicy",
}
CUSTOM_GROUPS = {"gateway.networking.k8s.io", "cert-manager.io", "gateway.envoyproxy.io"}
SERVICES = {"identity": "IdentityService", "skp": "SkpService", "des": "DesService", "recap": "RecapService",
            "snowman": "SnowmanService"}
EDGE_NAMESPACE = "envoy-gateway-system"


# -- rendering -------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mtls_overlay(tmp_path_factory) -> Path:
    """prod with agency mutual TLS, as an operator's overlay would add it."""
    directory = tmp_path_factory.mktemp("prod-mtls")
    (directory / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": [os.path.relpath(K8S / "overlays" / "prod", directory)],  # kustomize refuses absolute paths
        "components": [os.path.relpath(K8S / "components" / "gateway-mtls", directory)]}))
    return directory


@pytest.fixture(scope="module")
def rendered(kustomize_lite, mtls_overlay) -> dict[str, list[dict]]:
    targets = {"dev": K8S / "overlays" / "dev", "prod": K8S / "overlays" / "prod", "prod-mtls": mtls_overlay}
    return {name: kustomize_lite.render(path) for name, path in targets.items()}


def custom(resources):
    return [r for r in resources if r["apiVersion"].split("/")[0] in CUSTOM_GROUPS]


def by_kind(resources, kind) -> dict[str, dict]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


# -- schemas ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def registry() -> Registry:
    resources = []
    edge_dirs = ("common", "gateway-api", "cert-manager", "envoy-gateway")  # the CRD files beside them are not ours
    for path in (p for d in edge_dirs for p in (CRDS / d).glob("*.yaml")):
        schema = yaml.safe_load(path.read_text())
        schema["$id"] = BASE_URI + path.relative_to(CRDS).as_posix()
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def validator(registry, resource):
    where = SCHEMAS.get((resource["apiVersion"], resource["kind"]))
    assert where, f"no schema for {resource['apiVersion']} {resource['kind']}: add one under tests/deploy/crds"
    return jsonschema.Draft202012Validator({"$ref": BASE_URI + where}, registry=registry)


def errors(registry, resource) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator(registry, resource).iter_errors(resource)]


@pytest.mark.parametrize("target", ["dev", "prod", "prod-mtls"])
def test_custom_resources_match_their_schemas(rendered, registry, target):
    resources = custom(rendered[target])
    assert {r["kind"] for r in resources} >= {"Gateway", "GRPCRoute", "HTTPRoute", "Certificate",
                                             "ClientTrafficPolicy", "BackendTrafficPolicy"}
    for resource in resources:
        assert not errors(registry, resource), (resource["kind"], resource["metadata"]["name"],
                                                errors(registry, resource))


def test_component_files_match_their_schemas(registry):
    for path in sorted((K8S / "components").glob("gateway*/*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for resource in yaml.safe_load_all(path.read_text()):
            assert not errors(registry, resource), (path.name, resource["metadata"]["name"])


@pytest.mark.parametrize("mistake", [
    ("BackendTrafficPolicy", lambda r: r["spec"]["timeout"]["http"].update(requestTimout="60s")),
    ("BackendTrafficPolicy", lambda r: r["spec"]["rateLimit"]["global"]["rules"][0]["limit"].update(unit="Week")),
    ("BackendTrafficPolicy", lambda r: r["spec"]["rateLimit"].update(type="Local")),
    ("Gateway", lambda r: r["spec"]["listeners"][0].pop("tls")),
    ("Gateway", lambda r: r["spec"]["tls"]["frontend"]["default"]["validation"].update(mode="Optional")),
    ("GRPCRoute", lambda r: r["spec"]["rules"][0]["backendRefs"][0].pop("port")),
    ("HTTPRoute", lambda r: r["spec"]["rules"][0]["timeouts"].update(request="one minute")),
    ("Certificate", lambda r: r["spec"]["issuerRef"].update(kind="Issuers")),
    ("ClientTrafficPolicy", lambda r: r["spec"]["headers"]["xForwardedClientCert"].update(mode="Set")),
], ids=lambda m: m[0] if isinstance(m, tuple) else None)
def test_schemas_reject_mistakes(rendered, registry, mistake):
    kind, spoil = mistake
    resource = copy.deepcopy(next(r for r in rendered["prod-mtls"] if r["kind"] == kind))
    assert not errors(registry, resource)
    spoil(resource)
    assert errors(registry, resource)


# -- what the edge routes --------------------------------------------------------------------------------------------
def streaming_imports() -> dict[str, list[str]]:
    """Client-streaming RPCs per service, read from the protos (the imports)."""
    found = {}
    for svc in SERVICES:
        text = (REPO / "protos" / "ekinerja" / svc / "v1" / f"{svc}.proto").read_text()
        found[svc] = re.findall(r"rpc\s+(\w+)\s*\(\s*stream\s", text)
    return found


@pytest.mark.parametrize("target", ["dev", "prod", "prod-mtls"])
def test_every_service_is_routed_to_its_grpc_port_through_the_api_gateway(rendered, target):
    resources = rendered[target]
    routes = by_kind(resources, "GRPCRoute")
    services = by_kind(resources, "Service")
    for svc in SERVICES:
        grpc_port = {p["name"]: p["port"] for p in services[svc]["spec"]["ports"]}["grpc"]
        route = routes[svc]
        assert [p["name"] for p in route["spec"]["parentRefs"]] == ["ekinerja-api"]
        assert any(h.startswith(f"{svc}.") for h in route["spec"]["hostnames"])
        backends = [b for rule in route["spec"]["rules"] for b in rule["backendRefs"]]
        assert backends == [{"name": svc, "port": grpc_port}]


@pytest.mark.parametrize("target", ["prod", "prod-mtls"])
def test_streaming_imports_have_routes_with_a_long_timeout(rendered, target):
    resources = rendered[target]
    routes = by_kind(resources, "GRPCRoute")
    policies = by_kind(resources, "BackendTrafficPolicy")
    imports = streaming_imports()
    assert imports["des"] == ["ImportActivities"] and imports["identity"] == ["ImportPegawai"]
    gateway_wide = [p for p in policies.values() if p["spec"]["targetRefs"][0]["kind"] == "Gateway"]
    [unary] = gateway_wide
    for svc, methods in imports.items():
        for method in methods:
            route = next((r for r in routes.values() if any(
                m.get("method") == {"type": "Exact", "service": f"ekinerja.{svc}.v1.{SERVICES[svc]}", "method": method}
                for rule in r["spec"]["rules"] for m in rule.get("matches", []))), None)
            assert route, f"{svc} {method}: no route of its own"
            policy = [p for p in policies.values() if {"group": "gateway.networking.k8s.io", "kind": "GRPCRoute",
                                                       "name": route["metadata"]["name"]} in p["spec"]["targetRefs"]]
            assert len(policy) == 1, f"{route['metadata']['name']}: one BackendTrafficPolicy"
            stream = seconds(policy[0]["spec"]["timeout"]["http"]["requestTimeout"])
            assert stream >= 15 * 60, f"{method}: a 30,000-row import must not be cut"
            assert stream > seconds(unary["spec"]["timeout"]["http"]["requestTimeout"])
    [client] = by_kind(resources, "ClientTrafficPolicy").values()
    received = client["spec"].get("timeout", {}).get("http", {}).get("requestReceivedTimeout")
    assert received is None or seconds(received) >= 15 * 60, "the whole upload arrives as one request"


def seconds(duration: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)(ms|h|m|s)", duration))


@pytest.mark.parametrize("target", ["prod", "prod-mtls"])
def test_tls_names_are_covered_by_certificates_from_cert_manager(rendered, target):
    resources = rendered[target]
    certificates = {c["spec"]["secretName"]: c for c in by_kind(resources, "Certificate").values()}
    gateways = by_kind(resources, "Gateway")
    for gateway in gateways.values():
        for listener in gateway["spec"]["listeners"]:
            if listener["protocol"] != "HTTPS":
                continue
            [ref] = listener["tls"]["certificateRefs"]
            certificate = certificates[ref["name"]]
            assert certificate["spec"]["issuerRef"]["name"], "an issuer reference"
            assert certificate["spec"]["privateKey"]["rotationPolicy"] == "Always"
            assert seconds(certificate["spec"]["renewBefore"]) >= 7 * 86400
            for kind in ("GRPCRoute", "HTTPRoute"):
                for route in by_kind(resources, kind).values():
                    if not any(p["name"] == gateway["metadata"]["name"] and p.get("sectionName") == listener["name"]
                               for p in route["spec"]["parentRefs"]):
                        continue
                    for host in route["spec"]["hostnames"]:
                        assert host in certificate["spec"]["dnsNames"], f"{host}: not in {ref['name']}"
                        assert _matches(listener["hostname"], host)


def _matches(pattern: str, host: str) -> bool:
    return host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]) and host.count(".") ==
                               pattern.count("."))


def test_the_portal_is_served_over_https_with_a_redirect_from_http(rendered):
    resources = rendered["prod"]
    routes = by_kind(resources, "HTTPRoute")
    port = {p["name"]: p["port"] for p in by_kind(resources, "Service")["portal"]["spec"]["ports"]}["http"]
    assert routes["portal"]["spec"]["rules"][0]["backendRefs"] == [{"name": "portal", "port": port}]
    assert routes["portal"]["spec"]["parentRefs"] == [{"name": "ekinerja-web", "sectionName": "https"}]
    [redirect] = routes["portal-redirect"]["spec"]["rules"][0]["filters"]
    assert redirect["requestRedirect"]["scheme"] == "https" and "backendRefs" not in routes["portal-redirect"]["spec"]
    assert "tls" not in by_kind(resources, "Gateway")["ekinerja-web"]["spec"], "browsers get no client-cert prompt"
    assert not by_kind(resources, "Ingress"), "no Ingress for a retired controller"


# -- rate limits and mutual TLS --------------------------------------------------------------------------------------
def limits(policy) -> list[dict]:
    rate = policy["spec"]["rateLimit"]
    return rate[rate["type"].lower()]["rules"]


def test_every_api_call_is_rate_limited_per_client(rendered):
    policies = by_kind(rendered["prod"], "BackendTrafficPolicy")
    assert {"ekinerja-api", "ekinerja-imports"} <= set(policies)
    for policy in policies.values():
        for rule in limits(policy):
            assert rule["clientSelectors"] == [{"sourceCIDR": {"type": "Distinct", "value": "0.0.0.0/0"}}]
            assert rule["limit"]["requests"] > 0
    assert "tls" not in by_kind(rendered["prod"], "Gateway")["ekinerja-api"]["spec"], "mutual TLS is an option"


def test_mutual_tls_component_requires_the_agency_ca_and_limits_per_certificate(rendered):
    resources = rendered["prod-mtls"]
    validation = by_kind(resources, "Gateway")["ekinerja-api"]["spec"]["tls"]["frontend"]["default"]["validation"]
    assert validation["mode"] == "AllowValidOnly"
    assert validation["caCertificateRefs"] == [{"group": "", "kind": "ConfigMap", "name": "agency-client-ca"}]
    assert "tls" not in by_kind(resources, "Gateway")["ekinerja-web"]["spec"]
    [client] = by_kind(resources, "ClientTrafficPolicy").values()
    xfcc = client["spec"]["headers"]["xForwardedClientCert"]
    assert xfcc["mode"] == "SanitizeSet", "a client must not be able to send its own certificate header"
    assert "Subject" in xfcc["certDetailsToAdd"]
    for policy in by_kind(resources, "BackendTrafficPolicy").values():
        for rule in limits(policy):
            assert rule["clientSelectors"] == [{"headers": [{"name": "x-forwarded-client-cert",
                                                             "type": "Distinct"}]}]


# -- network policies ------------------------------------------------------------------------------------------------
def test_no_retired_ingress_controller_is_named_in_the_manifests():
    for path in K8S.rglob("*.yaml"):
        text = path.read_text().lower()
        assert "ingress-nginx" not in text and "nginx.ingress" not in text and "ingressclassname" not in text, path


def _edge_selectors(resources) -> dict[str, dict]:
    policies = by_kind(resources, "NetworkPolicy")
    out = {}
    for svc in [*SERVICES, "portal"]:
        first = policies[svc]["spec"]["ingress"][0]
        out[svc] = first["from"][0]["namespaceSelector"]["matchLabels"]
        port = "http" if svc == "portal" else "grpc"
        assert [p["port"] for p in first["ports"]] == [port], f"{svc}: the edge rule comes first"
    return out


def test_base_admits_the_edge_by_one_role_label(kustomize_lite):
    selectors = _edge_selectors(kustomize_lite.render(K8S / "base"))
    assert all(s == {"ekinerja.go.id/edge": "true"} for s in selectors.values()), selectors


@pytest.mark.parametrize("target", ["dev", "prod", "prod-mtls"])
def test_gateway_component_admits_the_envoy_gateway_namespace(rendered, target):
    selectors = _edge_selectors(rendered[target])
    assert all(s == {"kubernetes.io/metadata.name": EDGE_NAMESPACE} for s in selectors.values()), selectors


# -- the real kustomize agrees ---------------------------------------------------------------------------------------
def test_mtls_overlay_renders_the_same_with_kubectl_kustomize(rendered, mtls_overlay):
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl not installed: rendered with kustomize_lite only")
    out = subprocess.run(["kubectl", "kustomize", str(mtls_overlay)], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    theirs = {(r["apiVersion"], r["kind"], r["metadata"]["name"]): r for r in yaml.safe_load_all(out) if r}
    ours = {(r["apiVersion"], r["kind"], r["metadata"]["name"]): r for r in rendered["prod-mtls"]}
    assert sorted(ours) == sorted(theirs)
    for key in ours:
        assert ours[key] == theirs[key], f"{key} differs from kubectl kustomize"
