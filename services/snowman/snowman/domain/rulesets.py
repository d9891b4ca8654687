"""Which ruleset a question is answered under: the asker's agency's, unless the question names one itself.

An agency appraises under `pp46-2011` (years up to 2020, audits) or `permenpanrb-6-2022` (the rule in force); its
employees' answers come from that ruleset first. A question that names a regulation ("di PP 46 dulu gimana")
asks about that ruleset whatever the agency uses, so the naming wins.
"""
from __future__ import annotations

import re

PP46, PERMENPANRB = "pp46-2011", "permenpanrb-6-2022"
ASK_RULESETS = (PP46, PERMENPANRB)

_NAMES_PP46 = re.compile(r"\b(?:pp\s*(?:no\.?\s*|nomor\s*)?46|46\s*(?:/|th\.?|thn|tahun)\s*2011|dp3)\b")
_NAMES_PERMENPANRB = re.compile(
    r"\b(?:permen\s*pan\s*-?\s*rb\s*(?:no\.?\s*|nomor\s*)?6|permenpan(?:rb)?\s*(?:no\.?\s*|nomor\s*)?6"
    r"|6\s*(?:/|th\.?|thn|tahun)\s*2022|pp\s*(?:no\.?\s*|nomor\s*)?30|30\s*(?:/|th\.?|thn|tahun)\s*2019)\b")


def named_in(question: str) -> str | None:
    """The one ruleset the question names, or None (none named, or both: a comparison)."""
    text = question.lower()
    pp46 = bool(_NAMES_PP46.search(text))
    permen = bool(_NAMES_PERMENPANRB.search(text))
    if pp46 == permen:
        return None
    return PP46 if pp46 else PERMENPANRB


def preferred(question: str, asker_ruleset: str | None) -> str | None:
    return named_in(question) or asker_ruleset
