"""A minimal kustomize renderer for the deployment tests, supporting exactly what deploy/k8s uses.

Debian packages no kustomize (its kubernetes-client 1.20 embeds kustomize v2, which predates `labels` and
`patches`), so the tests render the overlays with this when no kustomize is installed, and compare it with
`kubectl kustomize` (kustomize v5) where that is on the machine. Anything else in a kustomization is an error here,
so a new kustomize feature in deploy/k8s fails loudly instead of rendering wrong.

Supported, with kustomize's semantics and order (patches, then namespace, then labels, then images):
  resources   files (multi-document YAML) and directories holding a kustomization.yaml
  namespace   sets metadata.namespace of every resource
  labels      `pairs` added to metadata.labels, and with includeTemplates to pod templates; includeSelectors: false
  images      name -> newName / newTag / digest in containers and initContainers
  patches     strategic-merge patches (a file or inline; by target, or by the patch's own kind and name) and
              JSON 6902 patches (inline or a file, with a target); targets select on kind and name (a regex)
  components  directories holding a `kind: Component` kustomization with `resources` and `patches`, applied after
              the resources, before the including kustomization's own patches (kustomize's order)
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_FIELDS = {"apiVersion", "kind", "resources", "components", "namespace", "labels", "images", "patches"}
COMPONENT_FIELDS = {"apiVersion", "kind", "resources", "patches"}
POD_TEMPLATE_KINDS = {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}


class Unsupported(Exception):
    """The kustomization uses something this renderer does not implement."""


def render(directory: str | Path) -> list[dict]:
    """Build the kustomization in `directory` and return its resources."""
    directory = Path(directory)
    kustomization = _load_kustomization(directory)
    unknown = set(kustomization) - SUPPORTED_FIELDS
    if unknown:
        raise Unsupported(f"{directory}: kustomization fields not supported by kustomize_lite: {sorted(unknown)}")

    if kustomization.get("kind", "Kustomization") != "Kustomization":
        raise Unsupported(f"{directory}: a {kustomization.get('kind')} cannot be built on its own")
    resources = _load_resources(kustomization, directory)
    _check_unique(resources, directory)
    for entry in kustomization.get("components") or []:
        _apply_component(resources, (directory / entry).resolve())
        _check_unique(resources, directory)

    for patch in kustomization.get("patches") or []:
        _apply_patch(resources, patch, directory)
    if kustomization.get("namespace"):
        for resource in resources:
            resource.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    for label_set in kustomization.get("labels") or []:
        _apply_labels(resources, label_set)
    for image in kustomization.get("images") or []:
        _apply_image(resources, image)
    return resources


def _load_resources(kustomization: dict, directory: Path) -> list[dict]:
    resources: list[dict] = []
    for entry in kustomization.get("resources") or []:
        path = (directory / entry).resolve()
        if path.is_dir():
            resources.extend(render(path))
        elif path.is_file():
            resources.extend(_load_documents(path))
        else:
            raise FileNotFoundError(f"{directory}: resource {entry} does not exist")
    return resources


def _apply_component(resources: list[dict], directory: Path) -> None:
    """A component adds its resources to the including kustomization's, then patches all of them."""
    component = _load_kustomization(directory)
    if component.get("kind") != "Component":
        raise ValueError(f"{directory}: listed under components but is not a kind: Component")
    unknown = set(component) - COMPONENT_FIELDS
    if unknown:
        raise Unsupported(f"{directory}: component fields not supported by kustomize_lite: {sorted(unknown)}")
    resources.extend(_load_resources(component, directory))
    for patch in component.get("patches") or []:
        _apply_patch(resources, patch, directory)


# -- loading ---------------------------------------------------------------------------------------------------------
def _load_kustomization(directory: Path) -> dict:
    for name in KUSTOMIZATION_FILES:
        path = directory / name
        if path.is_file():
            return yaml.safe_load(path.read_text()) or {}
    raise FileNotFoundError(f"no kustomization in {directory}")


def _load_documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _key(resource: dict) -> tuple[str, str, str]:
    return (_group(resource.get("apiVersion", "")), resource.get("kind", ""), resource["metadata"]["name"])


def _group(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""


def _check_unique(resources: list[dict], directory: Path) -> None:
    seen = set()
    for resource in resources:
        key = _key(resource) + (resource["metadata"].get("namespace", ""),)
        if key in seen:
            raise ValueError(f"{directory}: resource {key} is defined twice")
        seen.add(key)


# -- patches ---------------------------------------------------------------------------------------------------------
def _apply_patch(resources: list[dict], spec: dict, directory: Path) -> None:
    unknown = set(spec) - {"path", "patch", "target"}
    if unknown:
        raise Unsupported(f"{directory}: patch fields not supported: {sorted(unknown)}")
    if "path" in spec:
        text = (directory / spec["path"]).read_text()
    else:
        text = spec["patch"]
    documents = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    if len(documents) != 1:
        raise Unsupported(f"{directory}: a patch must hold exactly one document")
    body = documents[0]
    target = spec.get("target")

    if isinstance(body, list):  # JSON 6902
        if not target:
            raise ValueError(f"{directory}: a JSON 6902 patch needs a target")
        matched = _select(resources, target, directory)
        for resource in matched:
            patched = _json6902(resource, body)
            resource.clear()
            resource.update(patched)
        return

    if not isinstance(body, dict):
        raise Unsupported(f"{directory}: patch is neither a strategic merge patch nor a JSON 6902 list")
    if target:
        matched = _select(resources, target, directory)
    else:
        wanted = (_group(body.get("apiVersion", "")), body.get("kind"), body.get("metadata", {}).get("name"))
        matched = [r for r in resources if _key(r) == wanted]
        if not matched:
            raise ValueError(f"{directory}: strategic merge patch matches no resource: {wanted}")
    for resource in matched:
        patch = copy.deepcopy(body)
        # kustomize applies a targeted patch to each target whatever name the patch itself carries
        patch.get("metadata", {}).pop("name", None)
        merged = _strategic_merge(resource, patch)
        resource.clear()
        resource.update(merged)


def _select(resources: list[dict], target: dict, directory: Path) -> list[dict]:
    unknown = set(target) - {"kind", "name", "group", "version"}
    if unknown:
        raise Unsupported(f"{directory}: patch target fields not supported: {sorted(unknown)}")
    out = []
    for resource in resources:
        api_version = resource.get("apiVersion", "")
        group = _group(api_version)
        version = api_version.split("/")[-1]
        if "kind" in target and resource.get("kind") != target["kind"]:
            continue
        if "group" in target and group != target["group"]:
            continue
        if "version" in target and version != target["version"]:
            continue
        if "name" in target and not re.fullmatch(target["name"], resource["metadata"]["name"]):
            continue
        out.append(resource)
    if not out:
        raise ValueError(f"{directory}: patch target {target} matches no resource")
    return out


def _strategic_merge(original, patch):
    """Maps merge key by key (a null deletes); lists of named items merge by `name`; other lists are replaced."""
    if isinstance(patch, dict) and isinstance(original, dict):
        if "$patch" in patch or any(str(k).startswith("$") for k in patch):
            raise Unsupported("strategic merge directives ($patch, $setElementOrder, ...) are not supported")
        merged = copy.deepcopy(original)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = _strategic_merge(merged[key], value)
            else:
                merged[key] = copy.deepcopy(value)
        return merged
    if isinstance(patch, list) and isinstance(original, list) and _named(patch) and _named(original):
        merged = copy.deepcopy(original)
        index = {item["name"]: i for i, item in enumerate(merged)}
        for item in patch:
            if item["name"] in index:
                merged[index[item["name"]]] = _strategic_merge(merged[index[item["name"]]], item)
            else:
                merged.append(copy.deepcopy(item))
        return merged
    return copy.deepcopy(patch)


def _named(items: list) -> bool:
    return bool(items) and all(isinstance(item, dict) and "name" in item for item in items)


def _json6902(document: dict, operations: list[dict]) -> dict:
    document = copy.deepcopy(document)
    for op in operations:
        kind, path = op["op"], op["path"]
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
        parent = document
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1]
        if kind == "add":
            if isinstance(parent, list):
                value = copy.deepcopy(op["value"])
                parent.append(value) if last == "-" else parent.insert(int(last), value)
            else:
                parent[last] = copy.deepcopy(op["value"])
        elif kind == "replace":
            if isinstance(parent, list):
                parent[int(last)]  # must exist
                parent[int(last)] = copy.deepcopy(op["value"])
            else:
                if last not in parent:
                    raise KeyError(f"replace of missing path {path}")
                parent[last] = copy.deepcopy(op["value"])
        elif kind == "remove":
            del parent[int(last) if isinstance(parent, list) else last]
        elif kind == "test":
            actual = parent[int(last)] if isinstance(parent, list) else parent[last]
            if actual != op["value"]:
                raise ValueError(f"JSON patch test failed at {path}: {actual!r} != {op['value']!r}")
        else:
            raise Unsupported(f"JSON 6902 operation {kind!r} is not supported")
    return document


# -- labels and images -----------------------------------------------------------------------------------------------
def _apply_labels(resources: list[dict], label_set: dict) -> None:
    unknown = set(label_set) - {"pairs", "includeSelectors", "includeTemplates"}
    if unknown:
        raise Unsupported(f"labels fields not supported: {sorted(unknown)}")
    if label_set.get("includeSelectors"):
        raise Unsupported("labels with includeSelectors: true are not supported (selectors are immutable anyway)")
    pairs = label_set.get("pairs") or {}
    for resource in resources:
        resource.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
        if label_set.get("includeTemplates") and resource.get("kind") in POD_TEMPLATE_KINDS:
            template = resource.setdefault("spec", {}).setdefault("template", {})
            template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)


def _split_image(image: str) -> tuple[str, str]:
    """'repo/name:tag' or 'repo/name@sha256:..' -> ('repo/name', rest). A port in the registry is not a tag."""
    if "@" in image:
        name, _, _ = image.partition("@")
        return name, image[len(name):]
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon:]
    return image, ""


def _apply_image(resources: list[dict], spec: dict) -> None:
    unknown = set(spec) - {"name", "newName", "newTag", "digest"}
    if unknown:
        raise Unsupported(f"images fields not supported: {sorted(unknown)}")
    for resource in resources:
        pod = (resource.get("spec") or {}).get("template", {}).get("spec")
        if not pod:
            continue
        for container in (pod.get("containers") or []) + (pod.get("initContainers") or []):
            name, suffix = _split_image(container["image"])
            if name != spec["name"]:
                continue
            name = spec.get("newName", name)
            if "digest" in spec:
                suffix = "@" + spec["digest"]
            elif "newTag" in spec:
                suffix = ":" + str(spec["newTag"])
            container["image"] = name + suffix
