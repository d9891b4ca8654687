"""What an incoming SMS asks for: one keyword, case and spacing forgiving, and the rest of the line.

An SMS is at most three concatenated parts (3 x 153 GSM-7 characters = 459); anything longer is refused politely
rather than cut, so a half-read report is never recorded.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MAX_INCOMING = 459
MAX_REPLY = 160

# keyword -> command; a few common variants people type on a phone
KEYWORDS = {
    "LAPOR": "lapor", "LAPORAN": "lapor",
    "RENCANA": "rencana", "RENCANAKAN": "rencana",
    "INFO": "info",
    "TANYA": "tanya",
    "DAFTAR": "daftar", "REG": "daftar",
    "BANTUAN": "bantuan", "HELP": "bantuan", "BANTU": "bantuan",
    "STOP": "stop", "BERHENTI": "stop",
    "INGATKAN": "ingatkan", "INGAT": "ingatkan",
}
# commands that act for an employee and therefore need a verified number
NEEDS_VERIFIED = frozenset({"lapor", "rencana", "info", "tanya", "stop", "ingatkan"})

_HEAD = re.compile(r"^\W*(?P<word>[A-Za-z]+)[\s:.,;-]*(?P<rest>.*)$", re.S)


@dataclass(frozen=True)
class Command:
    kind: str           # one of KEYWORDS' values, or "empty", "too_long", "unknown"
    argument: str = ""  # the rest of the line, whitespace collapsed
    word: str = ""      # the first word as typed (for the "unknown" reply), at most 20 characters


def squash(text: str) -> str:
    """Whitespace (newlines from a phone keyboard included) collapsed to single spaces."""
    return " ".join((text or "").split())


def parse(text: str) -> Command:
    if text is not None and len(text) > MAX_INCOMING:
        return Command("too_long")
    line = squash(text)
    if not line:
        return Command("empty")
    match = _HEAD.match(line)
    if match is None:
        return Command("unknown", word=line.split()[0][:20])
    word = match.group("word").upper()
    kind = KEYWORDS.get(word)
    if kind is None:
        return Command("unknown", word=word[:20])
    return Command(kind, squash(match.group("rest")), word)


def forwarded_line(command: Command) -> str:
    """LAPOR/RENCANA as des's quick-entry grammar reads them (keyword normalised, the rest unchanged)."""
    return f"{command.kind.upper()} {command.argument}".strip()


def content_hash(sender: str, smsc_time: str, text: str) -> str:
    """Identity of one delivery independent of Gammu's row id: the gateway may store the same SMS twice."""
    raw = "\x1f".join((sender or "", smsc_time or "", text or ""))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


_GSM_SAFE = {"\u2026": "..", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
             "\u2014": "-", "\u00a0": " "}


def fit(text: str, limit: int = MAX_REPLY) -> str:
    """One line of at most `limit` characters in the GSM 7-bit alphabet's common subset (a single "…" would turn
    the SMS into UCS-2 and cut it to 70 characters); cut at a word boundary with ".." when too long."""
    line = squash("".join(_GSM_SAFE.get(ch, ch) for ch in (text or "")))
    if len(line) <= limit:
        return line
    cut = line[:limit - 2]
    if " " in cut[limit // 2:]:
        cut = cut[:cut.rfind(" ")]
    return cut.rstrip(" ,.;:-") + ".."
