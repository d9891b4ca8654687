"""Golongan/ruang with their pangkat (DOMAIN.md §5.2), and employee status with its effect on performance duty.

Golongan run I/a … I/d, II/a … II/d, III/a … III/d, IV/a … IV/e and are ordered in that sequence.
Accepted spellings: "III/c", "iii/c", "III c", "IIIc", "III-c", "3c", "3/c" (case and spaces do not matter).
"""

from __future__ import annotations

import re
from enum import Enum

from ekinerja_platform.domain_errors import InvalidArgument, quote


class Golongan(Enum):
    """Golongan/ruang of a PNS. The value is the canonical spelling, e.g. ``"III/c"``. Members are ordered."""

    I_A = "I/a"
    I_B = "I/b"
    I_C = "I/c"
    I_D = "I/d"
    II_A = "II/a"
    II_B = "II/b"
    II_C = "II/c"
    II_D = "II/d"
    III_A = "III/a"
    III_B = "III/b"
    III_C = "III/c"
    III_D = "III/d"
    IV_A = "IV/a"
    IV_B = "IV/b"
    IV_C = "IV/c"
    IV_D = "IV/d"
    IV_E = "IV/e"

    @property
    def rank(self) -> int:
        """Position in the ordering: I/a is 0, IV/e is 16."""
        return _RANK[self]

    @property
    def tingkat(self) -> int:
        """The golongan as a number, 1-4."""
        return _ROMAN_TO_INT[self.value.split("/")[0]]

    @property
    def ruang(self) -> str:
        return self.value.split("/")[1]

    @property
    def pangkat(self) -> str:
        return _PANGKAT[self]

    def __str__(self) -> str:
        return self.value

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Golongan):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Golongan):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Golongan):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Golongan):
            return NotImplemented
        return self.rank >= other.rank


_RANK = {g: i for i, g in enumerate(Golongan)}
_ROMAN_TO_INT = {"I": 1, "II": 2, "III": 3, "IV": 4}
_INT_TO_ROMAN = {v: k for k, v in _ROMAN_TO_INT.items()}

_PANGKAT = {
    Golongan.I_A: "Juru Muda",
    Golongan.I_B: "Juru Muda Tingkat I",
    Golongan.I_C: "Juru",
    Golongan.I_D: "Juru Tingkat I",
    Golongan.II_A: "Pengatur Muda",
    Golongan.II_B: "Pengatur Muda Tingkat I",
    Golongan.II_C: "Pengatur",
    Golongan.II_D: "Pengatur Tingkat I",
    Golongan.III_A: "Penata Muda",
    Golongan.III_B: "Penata Muda Tingkat I",
    Golongan.III_C: "Penata",
    Golongan.III_D: "Penata Tingkat I",
    Golongan.IV_A: "Pembina",
    Golongan.IV_B: "Pembina Tingkat I",
    Golongan.IV_C: "Pembina Utama Muda",
    Golongan.IV_D: "Pembina Utama Madya",
    Golongan.IV_E: "Pembina Utama",
}

# Roman numeral or digit, an optional separator, then the ruang letter. Roman alternatives longest first.
_PATTERN = re.compile(r"^\s*(IV|III|II|I|[1-4])\s*[/\-. ]?\s*([A-E])\s*$", re.IGNORECASE)


def parse_golongan(text: str | Golongan) -> Golongan:
    """Parse a golongan/ruang written in any of the usual forms; raise ``InvalidArgument`` for anything else."""
    if isinstance(text, Golongan):
        return text
    match = _PATTERN.match(text) if isinstance(text, str) else None
    if match:
        head, letter = match.groups()
        tingkat = int(head) if head.isdigit() else _ROMAN_TO_INT[head.upper()]
        try:
            return Golongan(f"{_INT_TO_ROMAN[tingkat]}/{letter.lower()}")
        except ValueError:
            pass  # a real numeral and letter that do not exist together, e.g. I/e
    raise InvalidArgument(f"golongan: {quote(text)} is not a known golongan/ruang (I/a … IV/e)", field="golongan")


def pangkat_for(golongan: str | Golongan) -> str:
    """The pangkat name of a golongan, e.g. ``pangkat_for("III/c") == "Penata"``."""
    return parse_golongan(golongan).pangkat


class EmployeeStatus(Enum):
    """Kedudukan (employment status) of a pegawai. ``CUTI`` is a leave long enough to be a status (such as cuti
    di luar tanggungan negara), not a few days of annual leave, which are attendance matters."""

    AKTIF = "aktif"
    CUTI = "cuti"
    TUGAS_BELAJAR = "tugas_belajar"
    DIBERHENTIKAN_SEMENTARA = "diberhentikan_sementara"
    PENSIUN = "pensiun"
    MENINGGAL = "meninggal"
    BERHENTI = "berhenti"

    @property
    def label(self) -> str:
        return _STATUS_LABEL[self]

    def __str__(self) -> str:
        return self.value


_STATUS_LABEL = {
    EmployeeStatus.AKTIF: "Aktif",
    EmployeeStatus.CUTI: "Cuti",
    EmployeeStatus.TUGAS_BELAJAR: "Tugas belajar",
    EmployeeStatus.DIBERHENTIKAN_SEMENTARA: "Diberhentikan sementara",
    EmployeeStatus.PENSIUN: "Pensiun",
    EmployeeStatus.MENINGGAL: "Meninggal dunia",
    EmployeeStatus.BERHENTI: "Berhenti / diberhentikan",
}

# Still employees, but without SKP duty while in this status (DOMAIN.md §1.10: tugas belajar is rated on academic
# results instead; the other exemptions are [UNVERIFIED] there and follow the project brief).
EXCLUDED_FROM_DUTY = frozenset(
    {
        EmployeeStatus.CUTI,
        EmployeeStatus.TUGAS_BELAJAR,
        EmployeeStatus.DIBERHENTIKAN_SEMENTARA,
        EmployeeStatus.PENSIUN,
    }
)


def parse_status(text: str | EmployeeStatus) -> EmployeeStatus:
    """Parse a status value such as ``"tugas_belajar"`` (case and surrounding spaces ignored)."""
    if isinstance(text, EmployeeStatus):
        return text
    if isinstance(text, str):
        try:
            return EmployeeStatus(text.strip().lower())
        except ValueError:
            pass
    known = ", ".join(s.value for s in EmployeeStatus)
    raise InvalidArgument(f"status: {quote(text)} is not a known employee status ({known})", field="status")


def is_active_for_duty(status: str | EmployeeStatus) -> bool:
    """Whether a pegawai in this status must have an SKP and report activities: only ``aktif``.

    The statuses in ``EXCLUDED_FROM_DUTY`` are exempt; ``meninggal`` and ``berhenti`` are no longer employed at all.
    """
    return parse_status(status) is EmployeeStatus.AKTIF
