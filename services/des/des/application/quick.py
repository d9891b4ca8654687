"""Quick entry "like SMS": parse one line, record a report or a plan for today, reply in one Indonesian line."""
from __future__ import annotations

from ekinerja_platform.domain_errors import DomainError

from ..adapters import repository as repo
from ..domain import quick_entry
from . import handlers
from .config import DesConfig
from .policy import Target, authorize

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


def submit_text(session, principal, text: str, cfg: DesConfig) -> dict:
    nip = handlers.caller_nip(principal)
    today = cfg.today()
    skp = repo.skp_for_date(session, nip, today)
    authorize("SubmitText", principal, Target(nip, skp.instansi_id if skp else principal.instansi_id,
                                              skp.penilai_nip if skp else None))
    try:
        entry = quick_entry.parse(text)
        resolved = quick_entry.resolve(entry, repo.kegiatan_of(session, nip, skp.skp_id) if skp else [])
    except quick_entry.QuickEntryError as exc:
        return {"ok": False, "reply": exc.reply}
    try:
        with session.begin_nested():
            if resolved.kind == "lapor":
                view = handlers.submit_activity(session, principal, handlers.ActivityInput(
                    tanggal=today.isoformat(), jenis="skp", kegiatan_id=resolved.kegiatan.kegiatan_id,
                    uraian=resolved.uraian, kuantitas=str(resolved.kuantitas), satuan=resolved.satuan),
                    draft=False, cfg=cfg, source="text")
                result = {"activity_id": view["activity_id"]}
            else:
                plan = handlers.submit_plan(session, principal, today.isoformat(), resolved.kegiatan.kegiatan_id,
                                            resolved.uraian, str(resolved.kuantitas), resolved.satuan, cfg)
                result = {"plan_id": str(plan["plan_id"])}
    except DomainError as exc:
        return {"ok": False, "reply": quick_entry.fit(f"Gagal: {_indonesian(exc)}.")}
    return {"ok": True, "reply": quick_entry.confirmation(resolved, today.strftime("%d/%m")), **result}
