"""The unit (satuan) of a report or plan must be its kegiatan's unit (DOMAIN §0.14): a count of "laporan" never adds
to a "jam tatap muka" target.

Case and spacing are forgiven ("Jam  Tatap Muka" is "jam tatap muka"), and so are the declared synonyms below
(one spelling per line; every spelling maps to the first of its group). Anything else is refused naming both units.
"""
from __future__ import annotations

from ekinerja_platform.domain_errors import InvalidArgument, quote

# groups of spellings that mean the same unit; the first is the canonical one
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("dokumen", "dok", "dok."),
    ("laporan", "lap", "lap."),
    ("kegiatan", "keg", "keg."),
    ("orang", "org", "org."),
    ("jam", "jam kerja"),
    ("jam tatap muka", "jtm", "jp", "jam pelajaran"),
    ("berkas", "bks"),
    ("surat", "naskah dinas"),
    ("pasien", "px"),
    ("paket", "pkt"),
    ("buah", "bh", "unit"),
    ("kali", "x"),
)
_CANONICAL = {spelling: group[0] for group in SYNONYMS for spelling in group}


def normalise(satuan: str) -> str:
    """Lower case, single spaces, then the canonical spelling of a declared synonym."""
    plain = " ".join((satuan or "").split()).lower()
    return _CANONICAL.get(plain, plain)


def check(given: str, kegiatan_satuan: str | None, field: str = "satuan") -> str:
    """The unit to store for an entry of a kegiatan: the kegiatan's own spelling when `given` matches it (or is
    empty); INVALID_ARGUMENT naming both units otherwise. Without a kegiatan (non-SKP work) any unit is kept."""
    given = " ".join((given or "").split())
    if not kegiatan_satuan:
        return given
    if not given or normalise(given) == normalise(kegiatan_satuan):
        return kegiatan_satuan
    raise InvalidArgument(f"satuan {quote(given)} tidak sesuai dengan satuan kegiatan {quote(kegiatan_satuan)}",
                          field=field)
