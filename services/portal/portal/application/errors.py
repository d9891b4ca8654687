"""A service's refusal turned into one Indonesian sentence, placed next to the form field it names.

The services answer in English for developers (`field: detail`); people see Indonesian only. The sentence is built
from the status code and the field's Indonesian label; a few well-known refusals have their own sentence.
"""
from __future__ import annotations

from dataclasses import dataclass

from .ports import ServiceError

FIELD_LABELS = {
    "user": "NIP atau nama akun", "password": "Kata sandi", "kegiatan_id": "Kegiatan", "uraian": "Uraian",
    "kuantitas": "Kuantitas", "satuan": "Satuan", "tanggal": "Tanggal", "menit": "Lama (menit)",
    "jam_mulai": "Jam mulai", "jam_selesai": "Jam selesai", "evidence_file": "Bukti", "evidence_url": "Tautan bukti",
    "evidence_content_type": "Jenis berkas bukti", "catatan": "Catatan", "reason": "Alasan", "lock_id": "Kunci",
    "nip": "NIP", "bulan": "Bulan", "kualitas": "Kualitas", "text": "Isian cepat", "activity_id": "Laporan",
    "items": "Laporan yang dipilih", "pertanyaan": "Pertanyaan", "skp_id": "SKP", "note": "Catatan",
    "alasan": "Alasan keberatan", "window_days": "Batas hari pengisian", "instansi_id": "Instansi",
    "client_id": "ID klien", "name": "Nama", "scopes": "Cakupan", "holiday": "Hari libur", "nama": "Nama",
    "jabatan_id": "Jabatan", "unit_id": "Unit kerja", "judul": "Judul", "jawaban": "Jawaban", "rujukan": "Rujukan",
    "kelompok": "Kelompok jabatan", "version": "Versi", "expected_version": "Versi", "kegiatan": "Kegiatan",
    "state": "Status", "scope": "Cakupan kunci", "entry_id": "Entri", "question_id": "Pertanyaan",
}

# well-known refusals, matched on words of the service's detail
KNOWN = [
    ("lock", "Entri ini sudah dikunci oleh pejabat penilai dan tidak dapat diubah lagi."),
    ("locked", "Entri ini sudah dikunci oleh pejabat penilai dan tidak dapat diubah lagi."),
    ("terkunci", "Entri ini sudah dikunci oleh pejabat penilai dan tidak dapat diubah lagi."),  # des's Indonesian
    ("entry window", "Batas waktu pengisian untuk tanggal ini sudah lewat."),
]

GENERIC = {
    "INVALID_ARGUMENT": "Isian tidak valid. Periksa kembali lalu kirim ulang.",
    "NOT_FOUND": "Data yang diminta tidak ditemukan.",
    "ALREADY_EXISTS": "Data ini sudah ada.",
    "FAILED_PRECONDITION": "Tindakan ini tidak dapat dilakukan pada keadaan data saat ini.",
    "ABORTED": "Data ini baru saja diubah. Muat ulang halaman lalu coba lagi.",
    "PERMISSION_DENIED": "Anda tidak berwenang melakukan tindakan ini.",
    "UNAUTHENTICATED": "Sesi Anda telah berakhir. Silakan masuk kembali.",
    "RESOURCE_EXHAUSTED": "Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi.",
    "UNAVAILABLE": "Layanan sedang tidak dapat dihubungi. Coba lagi sebentar lagi.",
    "DEADLINE_EXCEEDED": "Layanan terlalu lama menjawab. Coba lagi sebentar lagi.",
}
INTERNAL = "Terjadi kesalahan pada layanan. Coba lagi; bila berulang, hubungi admin instansi Anda."


@dataclass(frozen=True)
class Problem:
    """What a page shows: the sentence and the form field it belongs to ('' for the whole form)."""
    message: str
    field: str = ""


def label(field: str) -> str:
    base = field.split(".")[-1].split("[")[0]
    return FIELD_LABELS.get(base, "")


def sentence(code: str, detail: str = "", field: str = "", retry_after: int = 0) -> Problem:
    field_label = label(field) if field else ""
    words = set(detail.lower().replace(",", " ").split())
    if code == "RESOURCE_EXHAUSTED" and retry_after:
        return Problem(f"Terlalu banyak percobaan. Coba lagi dalam {retry_after} detik.", field)
    if code == "FAILED_PRECONDITION":
        for phrase, text in KNOWN:
            if (" " in phrase and phrase in detail.lower()) or phrase in words:
                return Problem(text, field)
    if code == "INVALID_ARGUMENT" and field_label:
        if any(w in words for w in ("required", "needs", "empty", "missing")):
            return Problem(f"{field_label} wajib diisi.", field)
        return Problem(f"{field_label} tidak valid. Periksa kembali isiannya.", field)
    if code == "NOT_FOUND" and field_label:
        return Problem(f"{field_label} tidak ditemukan.", field)
    if code == "ALREADY_EXISTS" and field_label:
        return Problem(f"{field_label} sudah ada.", field)
    if code == "FAILED_PRECONDITION" and field_label:
        return Problem(f"{field_label}: tindakan ini tidak dapat dilakukan pada keadaan data saat ini.", field)
    return Problem(GENERIC.get(code, INTERNAL), field)


def problem_of(error: ServiceError) -> Problem:
    return sentence(error.code, error.detail, error.field, error.retry_after)
