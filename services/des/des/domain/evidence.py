"""Evidence files kept by the service: small, of an allowed type, and the bytes must match the declared type."""
from __future__ import annotations

from ekinerja_platform.domain_errors import InvalidArgument

DEFAULT_MAX_BYTES = 512 * 1024
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


def check_evidence(data: bytes, content_type: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    if not data:
        raise InvalidArgument("is empty", field="evidence_file")
    if len(data) > max_bytes:
        raise InvalidArgument(f"is {len(data)} bytes; the limit is {max_bytes}", field="evidence_file")
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type not in SIGNATURES:
        raise InvalidArgument(f"must be one of {', '.join(sorted(SIGNATURES))}", field="evidence_content_type")
    if not data.startswith(SIGNATURES[content_type]):
        raise InvalidArgument(f"the file content is not {content_type}", field="evidence_file")
