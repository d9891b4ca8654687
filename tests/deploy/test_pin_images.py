"""scripts/pin_images.py pins the production overlay's images by digest (offline: a fake mapping, a fake skopeo),
and the repository's prod overlay holds digests or the documented placeholder, never a movable tag."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sys

import pytest
import yaml

pytestmark = pytest.mark.deploy
SERVICES = ("identity", "skp", "des", "recap", "snowman", "portal", "sms")


@pytest.fixture(scope="module")
def pin(load, repo):
    return load("ekinerja_pin_images", repo / "scripts" / "pin_images.py")


@pytest.fixture
def k8s_copy(repo, tmp_path):
    """A copy of deploy/k8s, so the overlay renders (it refers to ../../base) and the repository stays untouched."""
    shutil.copytree(repo / "deploy" / "k8s", tmp_path / "k8s")
    return tmp_path / "k8s"


def digest(seed: str) -> str:
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


def images_of(resources) -> set[str]:
    return {c["image"] for r in resources if r["kind"] in ("Deployment", "Job")
            for c in r["spec"]["template"]["spec"]["containers"]}


def test_mapping_pins_every_image_and_keeps_the_comments(pin, k8s_copy, kustomize_lite, tmp_path):
    overlay = k8s_copy / "overlays" / "prod"
    before = (overlay / "kustomization.yaml").read_text()
    mapping = tmp_path / "digests.json"
    # keys by name or by newName, values a digest or a whole reference
    mapping.write_text(json.dumps({**{f"ekinerja/{s}": digest(s) for s in SERVICES[:3]},
                                   **{f"registry.ekinerja.local/ekinerja/{s}": f"registry.ekinerja.local/ekinerja/{s}"
                                      f"@{digest(s)}" for s in SERVICES[3:]}}))
    assert pin.main(["--overlay", str(overlay), "--mapping", str(mapping)]) == 0
    after = (overlay / "kustomization.yaml").read_text()
    comments = [line for line in before.splitlines() if line.strip().startswith("#")]
    assert comments == [line for line in after.splitlines() if line.strip().startswith("#")]
    assert images_of(kustomize_lite.render(overlay)) == {
        f"registry.ekinerja.local/ekinerja/{s}@{digest(s)}" for s in SERVICES}
    assert pin.main(["--overlay", str(overlay), "--check"]) == 0

    # the next release replaces the digests
    mapping.write_text(json.dumps({f"ekinerja/{s}": digest(s + "-2") for s in SERVICES}))
    assert pin.main(["--overlay", str(overlay), "--mapping", str(mapping)]) == 0
    assert images_of(kustomize_lite.render(overlay)) == {
        f"registry.ekinerja.local/ekinerja/{s}@{digest(s + '-2')}" for s in SERVICES}


def test_tags_are_replaced_too(pin):
    text = "images:\n  - name: a/b\n    newName: r.example/a/b\n    newTag: \"1.0\"\nresources: []\n"
    out = pin.rewrite(text, {"a/b": digest("x")})
    assert yaml.safe_load(out)["images"] == [{"name": "a/b", "newName": "r.example/a/b", "digest": digest("x")}]


@pytest.mark.parametrize("mapping", [
    {f"ekinerja/{s}": digest(s) for s in SERVICES[:-1]},          # one missing
    {**{f"ekinerja/{s}": digest(s) for s in SERVICES}, "ekinerja/des": "1.0.0"},   # a tag, not a digest
    {**{f"ekinerja/{s}": digest(s) for s in SERVICES}, "ekinerja/des": "sha256:abc"},
])
def test_incomplete_or_bad_mappings_change_nothing(pin, k8s_copy, tmp_path, mapping):
    overlay = k8s_copy / "overlays" / "prod"
    before = (overlay / "kustomization.yaml").read_text()
    (tmp_path / "m.json").write_text(json.dumps(mapping))
    assert pin.main(["--overlay", str(overlay), "--mapping", str(tmp_path / "m.json")]) == 2
    assert (overlay / "kustomization.yaml").read_text() == before


def test_resolve_asks_the_registry_with_skopeo(pin, k8s_copy, kustomize_lite, tmp_path, monkeypatch):
    """A fake skopeo answers each `inspect` with a digest derived from the reference it was asked for."""
    fake = tmp_path / "bin" / "skopeo"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\nimport hashlib, sys\nref = sys.argv[-1]\n"
                    "assert sys.argv[1:4] == ['inspect', '--format', '{{.Digest}}'] and ref.startswith('docker://')\n"
                    "print('sha256:' + hashlib.sha256(ref[9:].encode()).hexdigest())\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    overlay = k8s_copy / "overlays" / "prod"
    assert pin.main(["--overlay", str(overlay), "--resolve", "--tag", "1.4.0", "--tool", "skopeo"]) == 0
    expected = {f"registry.ekinerja.local/ekinerja/{s}@sha256:"
                f"{hashlib.sha256(f'registry.ekinerja.local/ekinerja/{s}:1.4.0'.encode()).hexdigest()}"
                for s in SERVICES}
    assert images_of(kustomize_lite.render(overlay)) == expected


def test_repository_prod_uses_digests_or_the_documented_placeholder(pin, repo, kustomize_lite):
    overlay = repo / "deploy" / "k8s" / "overlays" / "prod"
    images = pin.entries((overlay / "kustomization.yaml").read_text())
    assert {i["name"] for i in images} == {f"ekinerja/{s}" for s in SERVICES}
    for image in images:
        assert "newTag" not in image, f"{image['name']}: a tag can move; pin by digest"
        assert pin.DIGEST.match(image["digest"]), image
    for reference in images_of(kustomize_lite.render(overlay)):
        assert "@sha256:" in reference, reference
    if any(i["digest"] == pin.PLACEHOLDER for i in images):  # the placeholder is documented with the procedure
        docs = (repo / "docs" / "operations.md").read_text()
        section = docs.split("### Pin production images", 1)[1].split("\n#", 1)[0]
        assert "scripts/pin_images.py" in section and "all-zero digest" in section
