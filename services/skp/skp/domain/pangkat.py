"""Pangkat of a golongan/ruang as printed on the official forms ("Penata, III/c"). identity owns golongan (its
``domain/golongan.py``); skp only keeps the golongan from ``employee_registered`` and names it here for print. The
contract test ``tests/contracts/test_pangkat.py`` keeps the two tables equal."""
from __future__ import annotations

PANGKAT: dict[str, str] = {
    "I/a": "Juru Muda", "I/b": "Juru Muda Tingkat I", "I/c": "Juru", "I/d": "Juru Tingkat I",
    "II/a": "Pengatur Muda", "II/b": "Pengatur Muda Tingkat I", "II/c": "Pengatur", "II/d": "Pengatur Tingkat I",
    "III/a": "Penata Muda", "III/b": "Penata Muda Tingkat I", "III/c": "Penata", "III/d": "Penata Tingkat I",
    "IV/a": "Pembina", "IV/b": "Pembina Tingkat I", "IV/c": "Pembina Utama Muda", "IV/d": "Pembina Utama Madya",
    "IV/e": "Pembina Utama",
}


def pangkat_golongan(golongan: str | None) -> str:
    """``"Penata, III/c"``; the golongan alone if it is not a known one; ``"-"`` when unknown."""
    if not golongan:
        return "-"
    pangkat = PANGKAT.get(golongan.strip())
    return f"{pangkat}, {golongan.strip()}" if pangkat else golongan.strip()
