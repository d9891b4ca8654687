"""Quick entry "like SMS": parse one line, record a report or a plan for today, reply in one Indonesian line."""
from __future__ import annotations

from ekinerja_platform.domain_errors import DomainError

from ..domain import quick_entry
from .config import DesConfig
from .policy import Target, authorize, caller_nip
from .ports import DesUnitOfWork

_REASONS = {  # the domain speaks English to API clients; the SMS reply speaks Indonesian
    "locked": "tanggal ini sudah dikunci penilai",
    "no approved SKP": "belum ada SKP yang disetujui untuk hari ini",
    "entry window": "batas waktu pengisian sudah lewat",
}


def _indonesian(exc: DomainError) -> str:
    for needle, text in _REASONS.items():
        if needle in exc.message:
            return text
    return f"{exc.field + ': ' if exc.field else ''}{exc.message}"


def submit_text(uow: DesUnitOfWork, principal, text: str, cfg: DesConfig) -> dict:
    """A refusal is an answer (`ok` False, the reply says why) and leaves nothing behind: a line that does not
    parse writes nothing, a report or plan the rules refuse is undone to its savepoint."""
    nip = caller_nip(principal)
    today = cfg.today()
    skp = uow.quick.skp_for_date(nip, today)
    authorize("SubmitText", principal, Target(nip, skp.instansi_id if skp else principal.instansi_id,
                                              skp.penilai_nip if skp else None))
    try:
        entry = quick_entry.parse(text)
        resolved = quick_entry.resolve(entry, uow.quick.kegiatan(nip, skp.skp_id) if skp else [])
    except quick_entry.QuickEntryError as exc:
        return {"ok": False, "reply": exc.reply}
    try:
        with uow.quick.savepoint():
            record = uow.quick.report if resolved.kind == "lapor" else uow.quick.plan
            made = record(principal, today, resolved.kegiatan.kegiatan_id, resolved.uraian, resolved.kuantitas,
                          resolved.satuan)
    except DomainError as exc:
        return {"ok": False, "reply": quick_entry.fit(f"Gagal: {_indonesian(exc)}.")}
    result = {"activity_id": made} if resolved.kind == "lapor" else {"plan_id": made}
    return {"ok": True, "reply": quick_entry.confirmation(resolved, today.strftime("%d/%m")), **result}
