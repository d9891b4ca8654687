"""The curated synonym and abbreviation list, read once per process."""
from __future__ import annotations

import functools

from ..domain.text import SynonymTable


@functools.lru_cache(maxsize=1)
def synonym_table() -> SynonymTable:
    from ..knowledge import load_synonyms
    return SynonymTable(load_synonyms())
