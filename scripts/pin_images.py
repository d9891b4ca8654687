"""Pin the production overlay's images by digest: rewrite each `images:` entry's `newTag` (or old `digest`) to
`digest: sha256:…`, keeping the file's comments and order.

A tag can be moved to other bytes after the review; a digest cannot, so production deploys exactly what was built
and tested. The release pipeline runs this after pushing the images, with the digests it got from the push:

    python3 scripts/pin_images.py --mapping digests.json            # {"ekinerja/des": "sha256:…", …}
    python3 scripts/pin_images.py --resolve --tag 1.4.0              # asks the registry (skopeo, else crane)
    python3 scripts/pin_images.py --check                            # exit 1 unless every image has a real digest

Mapping keys are the entries' `name` (ekinerja/des) or `newName` (registry.…/ekinerja/des); values a digest or a
reference ending in `@sha256:…`. Every entry must get a digest, or nothing is written. Until the first release the
overlay holds PLACEHOLDER (all zeros): such a rendering cannot be pulled, so an unpinned production fails loudly.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

DEFAULT_OVERLAY = Path(__file__).resolve().parents[1] / "deploy" / "k8s" / "overlays" / "prod"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
PLACEHOLDER = "sha256:" + "0" * 64


class PinError(Exception):
    """The overlay cannot be pinned as asked; nothing was written."""


def entries(text: str) -> list[dict]:
    return yaml.safe_load(text).get("images") or []


def digest_of(value: str) -> str:
    digest = value.rpartition("@")[2] if "@" in value else value
    if not DIGEST.match(digest):
        raise PinError(f"not a sha256 digest: {value!r}")
    return digest


def from_mapping(images: list[dict], mapping: dict) -> dict[str, str]:
    """Digest per entry name, from a mapping keyed by name or newName."""
    out, missing = {}, []
    for image in images:
        value = mapping.get(image["name"]) or mapping.get(image.get("newName", ""))
        if value is None:
            missing.append(image["name"])
        else:
            out[image["name"]] = digest_of(str(value))
    if missing:
        raise PinError(f"no digest given for {', '.join(missing)}")
    return out


def from_registry(images: list[dict], tag: str, tool: str | None = None) -> dict[str, str]:
    """Digest per entry name, asking the registry for `<newName>:<tag>` with skopeo or crane."""
    tool = tool or next((t for t in ("skopeo", "crane") if shutil.which(t)), None)
    if tool is None or shutil.which(tool) is None:
        raise PinError("neither skopeo nor crane is installed: give --mapping instead")
    out = {}
    for image in images:
        reference = f"{image.get('newName', image['name'])}:{tag}"
        command = ([tool, "inspect", "--format", "{{.Digest}}", f"docker://{reference}"] if Path(tool).name == "skopeo"
                   else [tool, "digest", reference])
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise PinError(f"{reference}: {result.stderr.strip() or 'lookup failed'}")
        out[image["name"]] = digest_of(result.stdout.strip())
    return out


def rewrite(text: str, digests: dict[str, str]) -> str:
    """The kustomization text with each images entry's newTag/digest line replaced by its digest."""
    lines = text.splitlines(keepends=True)
    out, in_images, current, done = [], False, None, set()
    for line in lines:
        stripped = line.strip()
        if not line.startswith((" ", "-", "#")) and stripped:
            in_images = stripped.startswith("images:")
            current = None
        elif in_images:
            match = re.match(r"^(\s*)(- )?name:\s*(\S+)", line)
            if match and match.group(2):
                current = match.group(3).strip("\"'")
            key = re.match(r"^(\s*)(newTag|digest):", line)
            if key and current in digests:
                if current in done:
                    continue  # both newTag and digest were there: one digest line
                out.append(f"{key.group(1)}digest: {digests[current]}\n")
                done.add(current)
                continue
        out.append(line)
    missing = set(digests) - done
    if missing:  # an entry with neither newTag nor digest: add the line after its last key
        raise PinError(f"entries without newTag or digest to replace: {', '.join(sorted(missing))}")
    result = "".join(out)
    pinned = {image["name"]: image for image in entries(result)}
    for name, digest in digests.items():
        if pinned[name].get("digest") != digest or "newTag" in pinned[name]:
            raise PinError(f"{name}: could not be rewritten")
    return result


def unpinned(images: list[dict]) -> list[str]:
    return [i["name"] for i in images if not DIGEST.match(str(i.get("digest", ""))) or i["digest"] == PLACEHOLDER
            or "newTag" in i]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--overlay", type=Path, default=DEFAULT_OVERLAY, help="directory of kustomization.yaml")
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--mapping", type=Path, help="JSON or YAML file: image name -> digest")
    how.add_argument("--resolve", action="store_true", help="ask the registry for --tag (skopeo or crane)")
    how.add_argument("--check", action="store_true", help="exit 1 unless every image is pinned to a real digest")
    parser.add_argument("--tag", help="the release tag to resolve (with --resolve)")
    parser.add_argument("--tool", help="skopeo or crane (default: whichever is installed)")
    args = parser.parse_args(argv)

    path = args.overlay / "kustomization.yaml"
    text = path.read_text()
    images = entries(text)
    try:
        if args.check:
            names = unpinned(images)
            if names:
                print(f"not pinned by digest: {', '.join(names)}", file=sys.stderr)
                return 1
            print(f"{len(images)} images pinned by digest")
            return 0
        if args.resolve:
            if not args.tag:
                raise PinError("--resolve needs --tag")
            digests = from_registry(images, args.tag, args.tool)
        else:
            digests = from_mapping(images, yaml.safe_load(args.mapping.read_text()) or {})
        path.write_text(rewrite(text, digests))
    except PinError as exc:
        print(f"pin_images: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(digests, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
