"""What the CLI tells people when a call fails: one line in Bahasa Indonesia, chosen from the error's details.

Every service error carries a google.rpc.ErrorInfo (domain `ekinerja.go.id`, a stable `reason`, the field in its
metadata) in the trailer `grpc-status-details-bin`; the reason picks the sentence here, the status code when the
reason has none of its own. The service's own message follows it as the detail (messages that are already in
Bahasa Indonesia stay as the services wrote them). One table, so a reason is worded once for every command.
"""
from __future__ import annotations

from dataclasses import dataclass

import grpc

DOMAIN = "ekinerja.go.id"

BY_REASON = {
    "FIELD_TOO_LONG": "Isian {field} terlalu panjang",
    "NUL_CHARACTER": "Isian {field} berisi karakter yang tidak diizinkan (NUL)",
    "REQUEST_TOO_LARGE": "Permintaan terlalu besar (batas ukuran pesan layanan)",
    "MALFORMED_REQUEST": "Permintaan tidak dapat dibaca layanan (pesan rusak atau teks bukan UTF-8 yang sah)",
    "INVALID_METADATA": "Metadata permintaan tidak sah",
    "DATABASE_UNAVAILABLE": "Basis data layanan sedang tidak dapat dihubungi; coba lagi sebentar lagi",
    "BROKER_UNAVAILABLE": "Layanan pesan (broker) sedang tidak dapat dihubungi; coba lagi sebentar lagi",
    "SERVER_STOPPING": "Layanan sedang berhenti atau dimulai ulang; coba lagi sebentar lagi",
    "CONCURRENT_UPDATE": "Data yang sama sedang diubah oleh permintaan lain; muat ulang lalu coba lagi",
    "LOCK_TIMEOUT": "Data sedang dikunci oleh permintaan lain; coba lagi sebentar lagi",
    "STATEMENT_TIMEOUT": "Basis data tidak selesai dalam batas waktu; coba lagi nanti atau persempit permintaan",
    "PERIOD_LOCKED": "Hari atau bulan ini sudah dikunci pejabat penilai (hanya admin_instansi yang dapat membukanya)",
    "KUALITAS_BELUM_DINILAI": "Nilai tahunan belum dapat diterbitkan: ada kegiatan yang kualitasnya belum dinilai",
    # the client's own TLS handshake (no service answered): named here from grpc's connection error
    "TLS_SERVER_UNTRUSTED": "Sertifikat TLS server tidak dipercaya; periksa --ca-file (CA penerbit sertifikat "
                            "gateway) dan nama host endpoint",
    "TLS_HANDSHAKE_FAILED": "Sambungan TLS ditolak; bila gateway meminta sertifikat klien, berikan --cert dan --key "
                            "yang diterbitkan CA instansi",
}

BY_CODE = {
    grpc.StatusCode.INVALID_ARGUMENT: "Isian tidak valid",
    grpc.StatusCode.OUT_OF_RANGE: "Nilai di luar rentang yang diizinkan",
    grpc.StatusCode.NOT_FOUND: "Data tidak ditemukan",
    grpc.StatusCode.ALREADY_EXISTS: "Data sudah ada",
    grpc.StatusCode.FAILED_PRECONDITION: "Permintaan tidak dapat dijalankan pada keadaan data saat ini",
    grpc.StatusCode.ABORTED: "Permintaan dibatalkan karena perubahan lain yang bersamaan; coba lagi",
    grpc.StatusCode.PERMISSION_DENIED: "Anda tidak berwenang melakukan ini",
    grpc.StatusCode.UNAUTHENTICATED: "Anda belum masuk atau sesi sudah berakhir; jalankan `ekinerja login`",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "Batas terlampaui; tunggu sebentar lalu coba lagi",
    grpc.StatusCode.UNAVAILABLE: "Layanan tidak dapat dihubungi; apakah sudah berjalan? (`make run`)",
    grpc.StatusCode.DEADLINE_EXCEEDED: "Layanan tidak menjawab dalam batas waktu",
    grpc.StatusCode.UNIMPLEMENTED: "Perintah ini tidak dikenal oleh layanan (versi berbeda?)",
    grpc.StatusCode.CANCELLED: "Permintaan dibatalkan",
    grpc.StatusCode.INTERNAL: "Terjadi kesalahan di layanan; laporkan ke admin beserta correlation id-nya",
    grpc.StatusCode.UNKNOWN: "Terjadi kesalahan yang tidak dikenal",
    grpc.StatusCode.DATA_LOSS: "Data rusak atau hilang",
}


@dataclass(frozen=True)
class Refusal:
    code: grpc.StatusCode
    reason: str | None
    field: str | None
    detail: str
    retry_after_seconds: int | None = None

    @property
    def message(self) -> str:
        """The line shown to people."""
        headline = BY_REASON.get(self.reason or "")
        if headline is None:
            headline = BY_CODE.get(self.code, "Permintaan gagal")
            if self.field:
                headline += f" (isian {self.field})"
        headline = headline.format(field=self.field or "")
        if self.retry_after_seconds:
            headline += f"; coba lagi setelah {self.retry_after_seconds} detik"
        detail = self.detail.strip()
        return f"{headline}: {detail}" if detail and detail != self.code.name else headline

    def as_json(self) -> dict:
        return {"code": self.code.name, "reason": self.reason, "field": self.field, "message": self.message,
                "detail": self.detail, "retry_after_seconds": self.retry_after_seconds}


def refusal(error: grpc.RpcError) -> Refusal:
    """Read a failed call: status code, details (when the service sent them) and the service's message."""
    code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
    detail = (error.details() if callable(getattr(error, "details", None)) else "") or ""
    reason = field = retry = None
    raw = None
    if callable(getattr(error, "trailing_metadata", None)):
        raw = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    if raw:
        reason, field, retry = _read_details(raw)
    elif code == grpc.StatusCode.UNAVAILABLE:
        reason = _tls_failure(detail)
    return Refusal(code, reason, field, detail, retry)


def _tls_failure(detail: str) -> str | None:
    """grpc reports a failed handshake as UNAVAILABLE with the TLS library's words in the details."""
    text = detail.upper()
    if "CERTIFICATE_VERIFY_FAILED" in text or "CERTIFICATE VERIFY FAILED" in text:
        return "TLS_SERVER_UNTRUSTED"
    # with TLS 1.3 a refused client certificate shows after the handshake, as a record that cannot be unwrapped
    if any(word in text for word in ("SSL", "TLS", "HANDSHAKE", "TSI_", "UNWRAP FAILED")):
        return "TLS_HANDSHAKE_FAILED"
    return None


def _read_details(raw: bytes) -> tuple[str | None, str | None, int | None]:
    from google.rpc.error_details_pb2 import BadRequest, ErrorInfo, RetryInfo
    from google.rpc.status_pb2 import Status
    reason = field = retry = None
    try:
        status = Status.FromString(raw)
    except Exception:  # details we cannot read: the code and message still say enough
        return None, None, None
    for detail in status.details:
        if detail.Is(ErrorInfo.DESCRIPTOR):
            info = ErrorInfo()
            detail.Unpack(info)
            if info.domain == DOMAIN:
                reason, field = info.reason or None, info.metadata.get("field") or field
        elif detail.Is(BadRequest.DESCRIPTOR) and field is None:
            bad = BadRequest()
            detail.Unpack(bad)
            field = bad.field_violations[0].field if bad.field_violations else None
        elif detail.Is(RetryInfo.DESCRIPTOR):
            info = RetryInfo()
            detail.Unpack(info)
            retry = int(info.retry_delay.seconds) or None
    return reason, field, retry
