"""The curated SNOWMAN knowledge base: entries, query-expansion synonyms and the labelled evaluation set.

The content lives in YAML files beside this module and is written by people, so every load validates it and
names the entry and field at fault; a broken file must stop the service, not degrade answers silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

KELOMPOK = ("umum", "pendidik", "kesehatan", "fungsional")
RULESETS = ("pp46-2011", "permenpanrb-6-2022", "semua")  # semua: holds under every ruleset

_HERE = Path(__file__).resolve().parent
ENTRIES_PATH = _HERE / "entries.yaml"
SYNONYMS_PATH = _HERE / "synonyms.yaml"
EVAL_QUESTIONS_PATH = _HERE / "eval_questions.yaml"

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Entry:
    id: str
    judul: str
    pertanyaan: tuple[str, ...]
    jawaban: str
    kelompok: tuple[str, ...]
    rujukan: str
    ruleset: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class EvalQuestion:
    pertanyaan: str
    expected: str
    kelompok: str | None = None
    ruleset: str | None = None  # the asker's agency's ruleset; None: snowman's default


def load_entries(path: Path | str = ENTRIES_PATH) -> list[Entry]:
    items = _read(path, "entries")
    entries: list[Entry] = []
    seen: set[str] = set()
    for position, raw in enumerate(items, start=1):
        entry = _entry(raw, position)
        if entry.id in seen:
            raise ValueError(f"entry {entry.id!r}: field 'id' is duplicated")
        seen.add(entry.id)
        entries.append(entry)
    return entries


def load_synonyms(path: Path | str = SYNONYMS_PATH) -> dict[str, list[str]]:
    raw = _read(path, "synonyms")
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: 'synonyms' must be a mapping of term to variants")
    synonyms: dict[str, list[str]] = {}
    for term, variants in raw.items():
        if not isinstance(term, str) or not term.strip():
            raise ValueError(f"synonym {term!r}: field 'term' must be a non-empty string")
        synonyms[term] = _strings(variants, f"synonym {term!r}", "variants")
    return synonyms


def load_eval_questions(path: Path | str = EVAL_QUESTIONS_PATH) -> list[EvalQuestion]:
    questions: list[EvalQuestion] = []
    for position, raw in enumerate(_read(path, "questions"), start=1):
        where = f"eval question #{position}"
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: must be a mapping")
        pertanyaan = _text(raw, "pertanyaan", where)
        expected = _text(raw, "expected", where)
        kelompok = raw.get("kelompok")
        if kelompok is not None and kelompok not in KELOMPOK:
            raise ValueError(f"{where}: field 'kelompok' has {kelompok!r}, allowed: {', '.join(KELOMPOK)}")
        ruleset = raw.get("ruleset")
        if ruleset is not None and ruleset not in RULESETS[:2]:
            raise ValueError(f"{where}: field 'ruleset' has {ruleset!r}, allowed: {', '.join(RULESETS[:2])}")
        questions.append(EvalQuestion(pertanyaan=pertanyaan, expected=expected, kelompok=kelompok, ruleset=ruleset))
    return questions


def _read(path: Path | str, key: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    if not isinstance(document, dict) or key not in document:
        raise ValueError(f"{path}: top-level key {key!r} is missing")
    value = document[key]
    if key != "synonyms" and not isinstance(value, list):
        raise ValueError(f"{path}: {key!r} must be a list")
    return value


def _entry(raw: Any, position: int) -> Entry:
    if not isinstance(raw, dict):
        raise ValueError(f"entry #{position}: must be a mapping")
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not _ID.match(entry_id):
        raise ValueError(f"entry #{position} ({entry_id!r}): field 'id' must be a lowercase slug")
    where = f"entry {entry_id!r}"
    kelompok = _strings(raw.get("kelompok"), where, "kelompok")
    unknown = [k for k in kelompok if k not in KELOMPOK]
    if unknown:
        raise ValueError(f"{where}: field 'kelompok' has {unknown}, allowed: {', '.join(KELOMPOK)}")
    ruleset = _text(raw, "ruleset", where)
    if ruleset not in RULESETS:
        raise ValueError(f"{where}: field 'ruleset' has {ruleset!r}, allowed: {', '.join(RULESETS)}")
    return Entry(
        id=entry_id,
        judul=_text(raw, "judul", where),
        pertanyaan=tuple(_strings(raw.get("pertanyaan"), where, "pertanyaan")),
        jawaban=_text(raw, "jawaban", where),
        kelompok=tuple(kelompok),
        rujukan=_text(raw, "rujukan", where),
        ruleset=ruleset,
        tags=tuple(_strings(raw.get("tags"), where, "tags")),
    )


def _text(raw: dict, field: str, where: str) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: field {field!r} is missing or empty")
    return value.strip()


def _strings(value: Any, where: str, field: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}: field {field!r} must be a non-empty list")
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f"{where}: field {field!r} must hold only non-empty strings")
    return [item.strip() for item in value]
