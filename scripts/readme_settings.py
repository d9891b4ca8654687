"""Rewrite the settings table of every services/<svc>/README.md from the service's settings model
(`<svc>/settings.py`): `.venv/bin/python scripts/readme_settings.py`. tests/contracts/test_settings_in_one_place.py
fails when a README's table differs from its model."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

from ekinerja_platform.settings import TABLE_BEGIN, TABLE_END, markdown_table

REPO = Path(__file__).resolve().parents[1]
MODELS = {"identity": "IdentitySettings", "skp": "SkpSettings", "des": "DesSettings", "recap": "RecapSettings",
          "snowman": "SnowmanSettings", "portal": "PortalSettings", "sms": "SmsSettings"}


def model(service: str):
    return getattr(importlib.import_module(f"{service}.settings"), MODELS[service])


def rewritten(text: str, table: str) -> str:
    start, end = text.index(TABLE_BEGIN), text.index(TABLE_END) + len(TABLE_END)
    return text[:start] + table + text[end:]


def main() -> int:
    for service in MODELS:
        readme = REPO / "services" / service / "README.md"
        text = readme.read_text(encoding="utf-8")
        if TABLE_BEGIN not in text:
            print(f"{readme}: no settings table markers", file=sys.stderr)
            return 1
        readme.write_text(rewritten(text, markdown_table(model(service))), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
