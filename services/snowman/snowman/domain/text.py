"""Normalising an Indonesian question before it is searched.

Civil servants ask informally ("gmn cara ngitung nilai skp kalo telat?"): the question is lowercased, split into
words, chat abbreviations and synonyms are expanded from the curated list, function words are dropped and words the
knowledge base has never seen are replaced by their closest vocabulary word (a typo fix; the lookup is injected so
the trigram search can live in the database).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

_WORD = re.compile(r"[a-z0-9]+(?:[./-][a-z0-9]+)*")

# Function words and question fillers that say nothing about the topic; the `indonesian` text search configuration
# of PostgreSQL has no stop-word list, so without this "yang", "dan", "apa" would match every entry.
STOPWORDS = frozenset("""
ada adalah agar akan aku anda apa apakah atau bagaimana bagi bahwa baru begitu belum berapa beri bila bisa boleh
buat cara dalam dan dapat dari dengan di dia dong gimana harus hal ini itu iya jadi jika juga kah kalau kami kamu
kan kapan karena ke kenapa kok lagi lah mana masih mau maupun mengapa menjadi mereka mohon nya oleh pada para per
pun saat saja saya sebagai secara sedang seperti siapa silakan sih soal sudah supaya tanya tentang terhadap tersebut
tetapi tidak tolong untuk yaitu yakni yang ya tuh deh nih gak nggak ga enggak
""".split())

MIN_TYPO_LENGTH = 4


@dataclass(frozen=True)
class NormalisedQuestion:
    text: str                  # the search words (synonyms added, function words dropped), space-separated
    terms: tuple[str, ...]     # search words in order, without duplicates
    surface: str = ""          # the question as the asker worded it, after abbreviations and typo fixes
    extra: str = ""            # other members of the synonym groups the question touched
    corrections: tuple[tuple[str, str], ...] = ()  # (typed word, vocabulary word)


def fold(text: str) -> str:
    """Lowercase and strip accents so 'Penilaian', 'PENILAIAN' and 'penilaián' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


class SynonymTable:
    """Groups of equivalent words or phrases; each group has a canonical term (the key of the curated list).

    A word or phrase of the question that belongs to a group is replaced by the group's canonical term and the other
    members are added, so "tukin" also searches "tunjangan kinerja" and "gmn" becomes "bagaimana".
    """

    def __init__(self, synonyms: Mapping[str, Iterable[str]]):
        self._canonical: dict[tuple[str, ...], str] = {}
        self._members: dict[str, list[str]] = {}
        for term, variants in synonyms.items():
            canonical = " ".join(words(term))
            if not canonical:
                continue
            members = [canonical] + [" ".join(words(v)) for v in variants]
            members = [m for i, m in enumerate(members) if m and m not in members[:i]]
            self._members.setdefault(canonical, [])
            for member in members:
                if member not in self._members[canonical]:
                    self._members[canonical].append(member)
                self._canonical.setdefault(tuple(member.split()), canonical)
        self.max_phrase = max((len(k) for k in self._canonical), default=1)

    def known(self, word: str) -> bool:
        return (word,) in self._canonical

    def expand(self, tokens: list[str]) -> tuple[list[str], list[str]]:
        """(tokens with members replaced by canonical terms, extra words from the other members)."""
        out: list[str] = []
        extra: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self.max_phrase, len(tokens) - i), 0, -1):
                phrase = tuple(tokens[i:i + size])
                canonical = self._canonical.get(phrase)
                if canonical is not None:
                    out.extend(canonical.split())
                    for member in self._members[canonical]:
                        if member != canonical:
                            extra.extend(member.split())
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out, extra


Corrector = Callable[[list[str]], Mapping[str, str]]


def normalise(question: str, synonyms: SynonymTable, correct: Corrector | None = None) -> NormalisedQuestion:
    """The question as the search sees it.

    `correct(words)` returns, for the words the knowledge base does not know, their closest known word (words it
    cannot fix are left out of the mapping). Synonym expansion runs again after a fix ("tukn" → "tukin" → "tpp").
    """
    tokens = words(question)
    tokens, extra = synonyms.expand(tokens)
    corrections: list[tuple[str, str]] = []
    if correct is not None:
        candidates = [t for t in dict.fromkeys(tokens)
                      if len(t) >= MIN_TYPO_LENGTH and t not in STOPWORDS and not t.isdigit() and not synonyms.known(t)]
        fixes = correct(candidates) if candidates else {}
        if fixes:
            corrections = [(t, fixes[t]) for t in candidates if t in fixes and fixes[t] != t]
            tokens = [fixes.get(t, t) for t in tokens]
            tokens, more = synonyms.expand(tokens)
            extra += more
    terms = [t for t in dict.fromkeys(tokens) if t not in STOPWORDS]
    extras = [t for t in dict.fromkeys(extra) if t not in STOPWORDS and t not in terms]
    return NormalisedQuestion(text=" ".join(terms), terms=tuple(terms), surface=" ".join(tokens),
                              extra=" ".join(extras), corrections=tuple(corrections))
