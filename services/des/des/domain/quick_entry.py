"""Quick entry "like SMS": one short line → a report or a plan, and one Indonesian reply of at most 160 chars.

    LAPOR K2 3 laporan menyusun laporan keuangan
    RENCANA K1 2 konsep surat edaran

`K<n>` is the n-th kegiatan of the sender's current SKP. Case and spacing are forgiving ("lapor k 2 3,5 …").
The word after the quantity is taken as the satuan when it is the kegiatan's satuan; otherwise the rest of the
line is the description and the kegiatan's satuan is used. Every failure says exactly what is wrong.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAX_REPLY = 160
COMMANDS = {"LAPOR": "lapor", "LAPORAN": "lapor", "RENCANA": "rencana", "RENCANAKAN": "rencana"}
USAGE = ("Format: LAPOR K<no> <jumlah> <uraian> atau RENCANA K<no> <jumlah> <uraian>. "
         "Contoh: LAPOR K2 3 laporan menyusun laporan keuangan")

_LINE = re.compile(r"^\s*(?P<cmd>[A-Za-z]+)\s*(?P<rest>.*)$", re.S)
_CODE = re.compile(r"^[Kk]\s*(?P<n>\d{1,3})(?=\s|$)\s*(?P<rest>.*)$", re.S)
_QTY = re.compile(r"^(?P<q>\d+(?:[.,]\d+)?)(?=\s|$)\s*(?P<rest>.*)$", re.S)


@dataclass(frozen=True)
class Kegiatan:
    kegiatan_id: str
    nomor: int
    nama: str
    satuan: str


@dataclass(frozen=True)
class QuickEntry:
    kind: str  # "lapor" or "rencana"
    kode: int
    kuantitas: Decimal
    uraian: str


@dataclass(frozen=True)
class Resolved:
    kind: str
    kegiatan: Kegiatan
    kuantitas: Decimal
    satuan: str
    uraian: str


class QuickEntryError(Exception):
    """The line cannot be recorded; `reply` is the one-line answer for the sender."""

    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = fit(reply)


def fit(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REPLY else text[:MAX_REPLY - 1] + "…"


def parse(line: str) -> QuickEntry:
    if not line or not line.strip():
        raise QuickEntryError("Pesan kosong. " + USAGE)
    if len(line) > 500:
        raise QuickEntryError("Pesan terlalu panjang (maks 500 huruf).")
    m = _LINE.match(line.strip())
    command = COMMANDS.get(m.group("cmd").upper()) if m else None
    if m is None or command is None:
        word = m.group("cmd").upper() if m else line.split()[0]
        raise QuickEntryError(f"Perintah '{word[:20]}' tidak dikenal. " + USAGE)
    rest = m.group("rest")
    code = _CODE.match(rest)
    if code is None:
        cmd = command.upper()
        raise QuickEntryError(f"Kode kegiatan tidak ada. Tulis K<no> sesudah {cmd}, mis. {cmd} K1 2 uraian")
    kode = int(code.group("n"))
    rest = code.group("rest")
    qty = _QTY.match(rest)
    if qty is None:
        got = rest.split()[0][:15] if rest.split() else "kosong"
        raise QuickEntryError(
            f"Jumlah harus angka sesudah K{kode} (tertulis: {got}), mis. {command.upper()} K{kode} 3 uraian")
    try:
        kuantitas = Decimal(qty.group("q").replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise QuickEntryError("Jumlah tidak terbaca.") from None
    if kuantitas <= 0:
        raise QuickEntryError("Jumlah harus lebih dari 0.")
    exponent = kuantitas.as_tuple().exponent  # an int: the pattern admits no NaN/Infinity ('n'/'N'/'F')
    if not isinstance(exponent, int) or exponent < -2:
        raise QuickEntryError("Jumlah paling banyak 2 angka desimal.")
    uraian = " ".join(qty.group("rest").split())
    if not uraian:
        raise QuickEntryError(f"Uraian kegiatan kosong. Contoh: {command.upper()} K{kode} {qty.group('q')} "
                              "laporan menyusun laporan keuangan")
    return QuickEntry(command, kode, kuantitas, uraian)


def resolve(entry: QuickEntry, kegiatan: list[Kegiatan]) -> Resolved:
    """Match K<n> against the sender's current SKP; the reply lists the valid codes when it does not exist."""
    by_nomor = {k.nomor: k for k in kegiatan}
    if not by_nomor:
        raise QuickEntryError("Anda belum punya SKP yang disetujui untuk hari ini; laporan belum bisa dicatat.")
    if entry.kode not in by_nomor:
        codes = ", ".join(f"K{n}" for n in sorted(by_nomor))
        raise QuickEntryError(f"Kode K{entry.kode} tidak ada di SKP Anda. Kode yang berlaku: {codes}")
    chosen = by_nomor[entry.kode]
    uraian, satuan = entry.uraian, chosen.satuan
    words, unit_words = uraian.split(), chosen.satuan.lower().split()
    if unit_words and [w.lower() for w in words[:len(unit_words)]] == unit_words:
        uraian = " ".join(words[len(unit_words):])
    if not uraian:
        raise QuickEntryError(f"Uraian kegiatan kosong sesudah satuan '{chosen.satuan}'.")
    return Resolved(entry.kind, chosen, entry.kuantitas, satuan, uraian)


def confirmation(resolved: Resolved, tanggal_text: str) -> str:
    what = "Laporan" if resolved.kind == "lapor" else "Rencana"
    tail = "menunggu persetujuan penilai." if resolved.kind == "lapor" else "tercatat."
    head = f"OK {what} {tanggal_text} K{resolved.kegiatan.nomor}: {resolved.kuantitas} {resolved.satuan} "
    end = f" - {tail}"
    room = MAX_REPLY - len(head) - len(end) - 2
    uraian = resolved.uraian if len(resolved.uraian) <= room else resolved.uraian[:max(room - 1, 0)] + "…"
    return fit(f"{head}'{uraian}'{end}")
