"""Knowledge entries and their versions: what a valid entry is and how a draft becomes the published version.

An entry's content changes only by new versions: an expert's edit adds a draft; another expert of the entry's job
groups (or a national admin) publishes it; the version it replaces becomes superseded; every version is kept.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass

from ekinerja_platform.domain_errors import Conflict, FailedPrecondition, InvalidArgument, PermissionDenied, quote

KELOMPOK = ("umum", "pendidik", "kesehatan", "fungsional")
RULESETS = ("pp46-2011", "permenpanrb-6-2022", "semua")  # semua: holds under every ruleset
DRAFT, PUBLISHED, SUPERSEDED = "draft", "published", "superseded"
SEED_AUTHOR = "seed:entries.yaml"

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_JUDUL, MAX_JAWABAN, MAX_PERTANYAAN, MAX_TEXT = 200, 20000, 20, 500


@dataclass(frozen=True)
class EntryContent:
    judul: str
    pertanyaan: tuple[str, ...]
    jawaban: str
    kelompok: tuple[str, ...]
    rujukan: str
    ruleset: str
    tags: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        """A stable hash of the content: re-running the seed with unchanged content adds no version."""
        raw = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()


def validate_content(content: EntryContent) -> EntryContent:
    """The content cleaned of surrounding blanks, or InvalidArgument naming the field at fault."""
    judul = (content.judul or "").strip()
    jawaban = (content.jawaban or "").strip()
    rujukan = (content.rujukan or "").strip()
    if not judul:
        raise InvalidArgument("must not be empty", field="content.judul")
    if len(judul) > MAX_JUDUL:
        raise InvalidArgument(f"at most {MAX_JUDUL} characters", field="content.judul")
    if not jawaban:
        raise InvalidArgument("must not be empty", field="content.jawaban")
    if len(jawaban) > MAX_JAWABAN:
        raise InvalidArgument(f"at most {MAX_JAWABAN} characters", field="content.jawaban")
    if not rujukan:
        raise InvalidArgument("must name the regulation the answer rests on", field="content.rujukan")
    pertanyaan = tuple(dict.fromkeys(p.strip() for p in content.pertanyaan if p and p.strip()))
    if not pertanyaan:
        raise InvalidArgument("at least one phrasing of the question is required", field="content.pertanyaan")
    if len(pertanyaan) > MAX_PERTANYAAN or any(len(p) > MAX_TEXT for p in pertanyaan):
        raise InvalidArgument(f"at most {MAX_PERTANYAAN} phrasings of {MAX_TEXT} characters",
                              field="content.pertanyaan")
    kelompok = tuple(dict.fromkeys(k.strip() for k in content.kelompok if k and k.strip()))
    if not kelompok:
        raise InvalidArgument(f"at least one of {', '.join(KELOMPOK)}", field="content.kelompok")
    unknown = [k for k in kelompok if k not in KELOMPOK]
    if unknown:
        raise InvalidArgument(f"unknown job group {quote(unknown[0])}; allowed: {', '.join(KELOMPOK)}",
                              field="content.kelompok")
    ruleset = (content.ruleset or "").strip()
    if ruleset not in RULESETS:
        raise InvalidArgument(f"must be one of {', '.join(RULESETS)}", field="content.ruleset")
    tags = tuple(dict.fromkeys(t.strip().lower() for t in content.tags if t and t.strip()))
    if any(len(t) > 60 for t in tags):
        raise InvalidArgument("tags are at most 60 characters", field="content.tags")
    return EntryContent(judul=judul, pertanyaan=pertanyaan, jawaban=jawaban, kelompok=kelompok, rujukan=rujukan,
                        ruleset=ruleset, tags=tags)


def validate_entry_id(entry_id: str, field: str = "entry_id") -> str:
    if not entry_id or len(entry_id) > 80 or not _SLUG.match(entry_id):
        raise InvalidArgument("must be a lowercase slug like 'skp-rumus-waktu' (at most 80 characters)", field=field)
    return entry_id


def slug_from(judul: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", judul).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:60].rstrip("-") or "entri"


def check_publishable(*, status: str, author: str, approver: str, approver_is_admin: bool) -> None:
    """Four eyes: whoever wrote a draft cannot publish it, unless a national admin publishes."""
    if status == SUPERSEDED:
        raise FailedPrecondition("this version was superseded; publish a newer one", field="version")
    if author == approver and not approver_is_admin:
        raise PermissionDenied("a second expert or an admin must publish a draft, not its author", field="version")


def check_edit_base(base_version: int, latest_version: int) -> None:
    """Optimistic concurrency: an edit must start from the latest version, else someone else's edit would be lost."""
    if base_version != latest_version:
        raise Conflict(f"the entry is at version {latest_version}, not {base_version}; re-read it and edit again",
                       field="base_version")
