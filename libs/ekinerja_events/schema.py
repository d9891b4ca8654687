"""JSON Schema (draft 2020-12) of every payload definition, generated from the dataclasses: `python -m
ekinerja_events.schema` writes docs/events/schemas/<producer>.<event_type>.v<N>.json (committed, so another
language's consumer reads the contract without Python); tests/contracts/test_event_payloads.py fails when the
committed files differ from what this generates."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from . import REGISTRY, Payload

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FOLDER = Path("docs") / "events" / "schemas"


def file_name(definition: type[Payload]) -> str:
    return f"{definition.producer}.{definition.event_type}.v{definition.schema_version}.json"


def schema_of(definition: type[Payload]) -> dict:
    return {"$schema": DIALECT, "$id": file_name(definition),
            "title": f"{definition.producer}.{definition.event_type} version {definition.schema_version}",
            "description": f"`data` of the event envelope (ekinerja_events.{definition.__module__.split('.')[-1]}."
                           f"{definition.__name__}); decimals are strings, dates YYYY-MM-DD",
            **definition.object_schema(), "examples": [definition.example().to_data()]}


def shipped() -> list[type[Payload]]:
    """The definitions of this package (not a test producer's, registered by its tests), in a stable order."""
    return [d for _, d in sorted(REGISTRY.items()) if d.__module__.startswith(__package__ + ".")]


def generated() -> dict[str, str]:
    """file name -> file text, for every definition."""
    return {file_name(d): json.dumps(schema_of(d), indent=2, ensure_ascii=False) + "\n" for d in shipped()}


def write(root: Path) -> list[str]:
    """Write the files under `root`/docs/events/schemas, removing the ones no definition has any more."""
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    files = generated()
    for stale in folder.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return sorted(files)


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
    print(f"{len(write(root))} schema files in {root / FOLDER}")
