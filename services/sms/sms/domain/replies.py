"""Every sentence the bridge texts back (Bahasa Indonesia, each within one SMS of 160 characters)."""
from __future__ import annotations

import re

from .commands import fit

HELP = ("Perintah: LAPOR K<no> <jml> <uraian>, RENCANA K<no> <jml> <uraian>, INFO, TANYA <pertanyaan>, "
        "INGATKAN, STOP, DAFTAR <kode>")
UNKNOWN = "Perintah '{word}' tidak dikenal. Kirim BANTUAN untuk daftar perintah."
EMPTY = "Pesan kosong. Kirim BANTUAN untuk daftar perintah."
TOO_LONG = "Maaf, pesan terlalu panjang (maks 459 huruf). Kirim lebih singkat."
NOT_REGISTERED = ("Nomor ini belum terdaftar. Daftarkan di portal/CLI: ekinerja telepon daftar NOMOR, "
                  "lalu balas DAFTAR <kode>.")
DAFTAR_USAGE = "Format: DAFTAR <kode 6 angka> dari pesan pendaftaran."
DAFTAR_OK = "Nomor terverifikasi. Kirim BANTUAN untuk daftar perintah."
DAFTAR_WRONG = "Kode salah atau kedaluwarsa. Minta kode baru lewat portal/CLI."
VERIFICATION_CODE = ("Kode verifikasi e-Kinerja: {code}. Balas: DAFTAR {code} (berlaku s.d. {until}). "
                     "Jangan berikan ke siapa pun.")
TANYA_USAGE = "Format: TANYA <pertanyaan>, mis. TANYA contoh target angka kredit"
TANYA_NONE = "Belum ada jawaban. Pertanyaan dicatat untuk pakar (no. {qid})."
TANYA_ANSWER = "{judul}: {jawaban}"
TANYA_SUFFIX = " [#{entry}]"
STOPPED = "Pengingat dihentikan. Kirim INGATKAN untuk menyalakan lagi."
REMINDERS_ON = "Pengingat aktif: tiap hari kerja pukul {hour:02d}.00. Kirim STOP untuk berhenti."
RATE_LIMITED = "Terlalu banyak pesan hari ini dari nomor ini. Coba lagi besok."
REFUSED = "Maaf, perintah tidak dapat diproses untuk nomor ini. Kirim BANTUAN untuk bantuan."
UNAVAILABLE = "Maaf, layanan sedang sibuk. Coba kirim lagi beberapa menit lagi."
INFO = "Hari ini: rencana {plans}, laporan {reports}. Bulan ini: {done} laporan, {approved} disetujui{target}."
REMIND_EMPLOYEE = ("Pengingat e-Kinerja: hari ini belum ada {missing}. Kirim RENCANA/LAPOR K<no> <jml> <uraian>. "
                   "STOP=berhenti")
REMIND_SUPERVISOR = "Pengingat e-Kinerja: {count} laporan bawahan menunggu penilaian Anda."


_MARKUP = re.compile(r"[*_`#>]+")


def plain(text: str) -> str:
    """snowman's entries are Markdown; a phone shows the asterisks literally."""
    return _MARKUP.sub("", text or "")


def answer(judul: str, jawaban: str, entry_id: str) -> str:
    """snowman's best answer shortened to one SMS, always ending with the whole entry id so it can be looked up."""
    suffix = TANYA_SUFFIX.format(entry=entry_id[:60])
    return fit(TANYA_ANSWER.format(judul=plain(judul), jawaban=plain(jawaban)), 160 - len(suffix)) + suffix


def reminder_missing(has_plan: bool, has_report: bool) -> str:
    missing = [w for w, have in (("rencana", has_plan), ("laporan", has_report)) if not have]
    return " dan ".join(missing)
