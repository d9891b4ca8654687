"""Page use cases that write: a form's plain values → one or two service calls → the sentence the user sees next.

A refusal by a service raises `ServiceError` (the entrypoint shows it beside its field); a form the portal itself
refuses before any call raises `FormProblems`; an action a page does not have raises `UnknownAction` (404).
Every write sends an idempotency key; a form's own key (`key`) makes a double submit one effect.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from . import views
from .errors import Problem
from .ports import ServiceError, Services

WRONG_CREDENTIALS = ("UNAUTHENTICATED", "NOT_FOUND", "INVALID_ARGUMENT", "PERMISSION_DENIED")
SENT = "Laporan terkirim ke pejabat penilai."


class FormProblems(Exception):
    """The form is refused before (or instead of) a change; the problems are shown on the page."""

    def __init__(self, *problems: Problem):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


class UnknownAction(Exception):
    """A POST to an action the page does not have."""


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    refresh_token: str
    access_expires_at: int
    refresh_expires_at: int
    principal: dict


@dataclass(frozen=True)
class Outcome:
    """What a write leads to: a sentence for the next page and where to go, or (`result`) a page shown at once."""
    message: str = ""
    url: str = ""
    result: dict = field(default_factory=dict)


# -- sign in / out ------------------------------------------------------------------------------------------------

async def sign_in(services: Services, user: str, password: str, client_chain: str) -> SignedIn:
    """identity's Login, then WhoAmI for the name and position shown in the portal (the NIP or account if not)."""
    problems = [p for p, missing in ((Problem("NIP atau nama akun wajib diisi.", "user"), not user),
                                     (Problem("Kata sandi wajib diisi.", "password"), not password)) if missing]
    if problems:
        raise FormProblems(*problems)
    try:
        reply = await services.call("identity", "Login", {"user": user, "password": password},
                                    metadata=(("x-forwarded-for", client_chain),))
    except ServiceError as error:
        if error.code in WRONG_CREDENTIALS:
            raise FormProblems(Problem("NIP/nama akun atau kata sandi salah.", "password")) from None
        raise
    p = reply.principal
    principal = {"subject": p.subject, "roles": list(p.roles), "instansi_id": p.instansi_id, "nip": p.nip,
                 "kelompok": list(p.kelompok)}
    try:
        who = await services.call("identity", "WhoAmI", {}, reply.access_token)
        principal["nama"] = who.pegawai.nama or who.account or user
        principal["jabatan_id"] = who.pegawai.current_assignment.jabatan_id
    except ServiceError:
        principal["nama"] = user
    return SignedIn(reply.access_token, reply.refresh_token, reply.access_expires_at, reply.refresh_expires_at,
                    principal)


async def sign_out(services: Services, refresh_token: str) -> None:
    try:
        await services.call("identity", "Logout", {"refresh_token": refresh_token})
    except ServiceError:
        pass  # the session ends here whatever identity says; the refresh token then simply expires


# -- Hari ini -----------------------------------------------------------------------------------------------------

def decimal_text(value: str) -> str:
    """A number typed the Indonesian way (comma) as the services read it (point)."""
    return value.replace(",", ".")


async def submit_plan(services: Services, token: str, form: Mapping[str, str], key: str) -> str:
    await services.call("des", "SubmitPlan", {
        "kegiatan_id": form.get("kegiatan_id", ""), "uraian": form.get("uraian", ""),
        "kuantitas": decimal_text(form.get("kuantitas", ""))}, token, write=True, idempotency_key=key)
    return "Rencana tersimpan."


async def quick_entry(services: Services, token: str, text: str, key: str) -> str:
    """One line ("LAPOR K1 2 ..."), parsed by des; des's own sentence is the answer, or the problem."""
    if not text:
        raise FormProblems(Problem("Isian cepat wajib diisi.", "text"))
    reply = await services.call("des", "SubmitText", {"text": text, "idempotency_key": key}, token)
    if not reply.ok:
        raise FormProblems(Problem(reply.reply, "text"))
    return reply.reply


# -- Laporan ------------------------------------------------------------------------------------------------------

def activity_fields(form: Mapping[str, str], evidence: bytes | None = None, content_type: str = "") -> dict:
    """The report form as des's ActivityInput; minutes that are not a number are sent as -1 (des names the field)."""
    menit = (form.get("menit", "") or "0").strip()
    fields: dict[str, Any] = {
        "tanggal": form.get("tanggal", ""), "jenis": "JENIS_SKP", "kegiatan_id": form.get("kegiatan_id", ""),
        "uraian": form.get("uraian", ""), "kuantitas": decimal_text(form.get("kuantitas", "")),
        "satuan": form.get("satuan", ""), "menit": int(menit) if menit.isdigit() else -1,
        "jam_mulai": form.get("jam_mulai", ""), "jam_selesai": form.get("jam_selesai", "")}
    if evidence is not None:
        fields["evidence_file"] = evidence
        fields["evidence_content_type"] = content_type
    return fields


async def submit_activity(services: Services, token: str, activity: dict, draft: bool, key: str) -> Outcome:
    reply = await services.call("des", "SubmitActivity", {"activity": activity, "draft": draft,
                                                          "idempotency_key": key}, token)
    message = "Laporan tersimpan sebagai draf." if reply.state == "draft" else SENT
    return Outcome(message, f"/laporan/{reply.activity_id}")


async def update_activity(services: Services, token: str, activity_id: str, activity: dict, send: bool) -> str:
    """Save the change; with `send`, also send it to the penilai when its state allows."""
    reply = await services.call("des", "UpdateActivity", {"activity_id": activity_id, "activity": activity}, token,
                                write=True)
    if send and reply.state in views.SENDABLE:
        await services.call("des", "SendActivity", {"activity_id": activity_id}, token, write=True)
    return SENT if send else "Perubahan tersimpan."


async def send_activity(services: Services, token: str, activity_id: str) -> str:
    await services.call("des", "SendActivity", {"activity_id": activity_id}, token, write=True)
    return SENT


# -- Tim saya -----------------------------------------------------------------------------------------------------

async def _approve(services, token, form, ids) -> str:
    if not ids:
        raise FormProblems(Problem("Pilih setidaknya satu laporan.", ""))
    await services.call("des", "ApproveActivities", {"items": [{"activity_id": i} for i in ids]}, token, write=True)
    return f"{len(ids)} laporan disetujui."


async def _revise(services, token, form, ids) -> str:
    catatan = form.get("catatan", "").strip()
    if not catatan:
        raise FormProblems(Problem("Catatan revisi wajib diisi.", ""))
    await services.call("des", "RequestRevision", {"activity_id": form.get("activity_id", ""), "catatan": catatan},
                        token, write=True)
    return "Permintaan revisi terkirim."


async def _lock(services, token, form, ids) -> str:
    reply = await services.call("des", "LockPeriod", {
        "nip": form.get("nip", ""), "scope": "LOCK_SCOPE_MONTH" if form.get("cakupan") == "bulan" else "LOCK_SCOPE_DAY",
        "tanggal": form.get("tanggal", ""), "bulan": form.get("bulan", "")}, token, write=True)
    return f"Terkunci: {len(reply.activity_ids)} laporan."


async def _quality(services, token, form, ids) -> str:
    await services.call("des", "SetMonthlyQuality", {
        "nip": form.get("nip", ""), "kegiatan_id": form.get("kegiatan_id", ""), "bulan": form.get("bulan", ""),
        "kualitas": form.get("kualitas", "")}, token, write=True)
    return "Kualitas bulan ini tersimpan."


REVIEW_ACTIONS = {"setujui": _approve, "revisi": _revise, "kunci": _lock, "kualitas": _quality}


async def review(services: Services, token: str, action: str, form: Mapping[str, str], ids: list[str]) -> str:
    """One form per action: setujui (the selected `ids`), revisi (with a note), kunci (day or month), kualitas."""
    if action not in REVIEW_ACTIONS:
        raise UnknownAction(action)
    return await REVIEW_ACTIONS[action](services, token, form, ids)


# -- SKP ----------------------------------------------------------------------------------------------------------

SKP_ACTIONS = {  # action -> (rpc, the request's fields besides skp_id from the form, the sentence)
    "ajukan": ("SubmitSkp", lambda form: {}, "SKP diajukan ke pejabat penilai."),
    "setujui": ("ApproveSkp", lambda form: {}, "SKP disetujui."),
    "kembalikan": ("ReturnSkp", lambda form: {"note": form.get("catatan", "")}, "SKP dikembalikan dengan catatan."),
    "keberatan": ("FileKeberatan", lambda form: {"alasan": form.get("alasan", "")}, "Keberatan diajukan."),
    "terima": ("AcceptResult", lambda form: {}, "Hasil penilaian diterima."),
}
TARGET_FIELDS = ("kegiatan_id", "nama", "satuan", "kuantitas", "kualitas", "waktu", "biaya", "angka_kredit")


async def add_target(services: Services, token: str, skp_id: str, form: Mapping[str, str]) -> str:
    """One kegiatan added to the document's targets: the stored ones are sent back with it, on the stored version."""
    current = (await services.call("skp", "GetSkp", {"skp_id": skp_id}, token)).document
    kept = [{name: getattr(k, name) for name in TARGET_FIELDS} for k in current.kegiatan]
    added = {"nama": form.get("nama", ""), "satuan": form.get("satuan", ""),
             "kuantitas": decimal_text(form.get("kuantitas", "")), "waktu": form.get("waktu", "12")}
    await services.call("skp", "UpdateTargets", {"skp_id": skp_id, "expected_version": current.version,
                                                 "kegiatan": kept + [added]}, token, write=True)
    return "Kegiatan ditambahkan."


async def skp_action(services: Services, token: str, skp_id: str, action: str, form: Mapping[str, str]) -> str:
    if action == "target":
        return await add_target(services, token, skp_id, form)
    if action not in SKP_ACTIONS:
        raise UnknownAction(action)
    rpc, fields, message = SKP_ACTIONS[action]
    await services.call("skp", rpc, {"skp_id": skp_id, **fields(form)}, token, write=True)
    return message


# -- Tanya (SNOWMAN) ----------------------------------------------------------------------------------------------

async def ask(services: Services, token: str, pertanyaan: str, key: str):
    if not pertanyaan:
        raise FormProblems(Problem("Pertanyaan wajib diisi.", "pertanyaan"))
    return await services.call("snowman", "Ask", {"pertanyaan": pertanyaan}, token, write=True, idempotency_key=key)


async def tanya_action(services: Services, token: str, action: str, form: Mapping[str, str], kelompok) -> str:
    """suara (a vote on an answer), jawab (an expert's draft answer to an open question), terbitkan (publish)."""
    if action == "suara":
        vote = {"entry_id": form.get("entry_id", ""), "helpful": form.get("helpful") == "1",
                "question_id": form.get("question_id", "")}
        await services.call("snowman", "Vote", vote, token, write=True)
        return "Terima kasih atas penilaian Anda."
    if action == "jawab":
        content = {"judul": form.get("judul", ""), "pertanyaan": [form.get("pertanyaan", "")],
                   "jawaban": form.get("jawaban", ""), "rujukan": form.get("rujukan", ""), "kelompok": list(kelompok)}
        await services.call("snowman", "AnswerQuestion", {"question_id": form.get("question_id", ""),
                                                          "content": content}, token, write=True)
        return "Jawaban tersimpan sebagai draf untuk ditinjau."
    if action == "terbitkan":
        await services.call("snowman", "PublishEntry", {"entry_id": form.get("entry_id", ""),
                                                        "version": int(form.get("version", "0") or 0)}, token,
                            write=True)
        return "Jawaban diterbitkan."
    raise UnknownAction(action)


# -- Admin instansi -----------------------------------------------------------------------------------------------

async def admin_action(services: Services, token: str, instansi_id: str, action: str, form: Mapping[str, str],
                       scopes: list[str]) -> Outcome:
    """buka-kunci (unlock a period), jendela (entry window), libur (a holiday), klien (an API client: its secret is
    shown once, on the page itself)."""
    if action == "buka-kunci":
        nip = form.get("nip", "")
        reply = await services.call("des", "UnlockPeriod", {"nip": nip, "lock_id": form.get("lock_id", ""),
                                                            "reason": form.get("reason", "")}, token, write=True)
        return Outcome(f"Kunci dibuka: {len(reply.activity_ids)} laporan dapat diubah kembali.",
                       f"/admin?audit_nip={quote(nip)}#audit")
    if action == "jendela":
        days = form.get("window_days", "").strip()
        await services.call("des", "SetEntryWindow", {"instansi_id": instansi_id,
                                                      "window_days": int(days) if days.isdigit() else -1}, token,
                            write=True)
        return Outcome("Batas pengisian tersimpan.", "/admin")
    if action == "libur":
        holiday = {"tanggal": form.get("tanggal", ""), "nama": form.get("nama", ""), "instansi_id": instansi_id}
        await services.call("recap", "SetHoliday", {"holiday": holiday, "remove": form.get("hapus") == "1"}, token,
                            write=True)
        return Outcome("Hari libur tersimpan.", "/admin")
    if action == "klien":
        reply = await services.call("identity", "CreateApiClient", {
            "client_id": form.get("client_id", ""), "name": form.get("name", ""), "instansi_id": instansi_id,
            "scopes": scopes}, token, write=True)
        return Outcome(result={"client_id": reply.client_id, "client_secret": reply.client_secret})
    raise UnknownAction(action)
