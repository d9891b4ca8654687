"""Page use cases that read: which service calls a page needs (concurrent where independent) and the view model
(a dict for the template) they become. A refusal the page cannot do without raises `ServiceError`; the entrypoint
turns it into the right error page. Optional parts (a score, a team list) are left out when refused.
"""
from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from . import views
from .charts import MONTHS, paired_bars
from .ports import ServiceError, Services


@dataclass(frozen=True)
class Download:
    """A file a service made (an export, an evidence) as the browser receives it."""
    content: bytes
    content_type: str
    filename: str


# -- Laporan ------------------------------------------------------------------------------------------------------

async def laporan(services: Services, token: str, bulan: str) -> dict:
    """The month's reports, newest first."""
    reply = await services.call("des", "ListActivities", {"bulan": bulan}, token)
    items = sorted(reply.activities, key=lambda a: (a.tanggal, a.jam_mulai), reverse=True)
    return {"items": items, "bulan": bulan}


def activity_values(activity) -> dict:
    """A stored report as the form's values (the quantity the Indonesian way)."""
    return {"kegiatan_id": activity.kegiatan_id, "kuantitas": views.fmt(activity.kuantitas),
            "uraian": activity.uraian, "tanggal": activity.tanggal, "menit": activity.menit or "",
            "jam_mulai": activity.jam_mulai, "jam_selesai": activity.jam_selesai, "satuan": activity.satuan}


async def laporan_form(services: Services, token: str, today: dt.date, activity=None, values=None) -> dict:
    """The report form, empty (dated today) or for a stored report; what was typed wins over what is stored."""
    kegiatan = await views.kegiatan_of_caller(services, token, today)
    shown = dict(values or {})
    if activity is not None and not values:
        shown = activity_values(activity)
    shown.setdefault("tanggal", today.isoformat())
    return {"kegiatan": kegiatan, "activity": activity, "values": shown,
            "editable": activity is None or activity.state in views.EDITABLE,
            "sendable": activity is not None and activity.state in views.SENDABLE}


async def activity(services: Services, token: str, activity_id: str):
    return await services.call("des", "GetActivity", {"activity_id": activity_id}, token)


async def activity_or_none(services: Services, token: str, activity_id: str):
    """The stored report to show beside a refused change; None when it cannot be read either."""
    try:
        return await activity(services, token, activity_id)
    except ServiceError:
        return None


async def evidence(services: Services, token: str, activity_id: str) -> Download:
    reply = await services.call("des", "GetEvidence", {"activity_id": activity_id}, token)
    return Download(reply.content, reply.content_type, "bukti")


# -- SKP ----------------------------------------------------------------------------------------------------------

async def skp_list(services: Services, token: str, principal: dict, nip: str) -> dict:
    reply, team = await asyncio.gather(services.call("skp", "ListSkp", {"nip": nip}, token),
                                       views.team(services, token, principal))
    return {"documents": list(reply.documents), "nip": nip, "team": team}


async def skp_detail(services: Services, token: str, skp_id: str, viewer_nip: str) -> dict:
    """The document, its score when it can be computed, and the viewer's part in it (owner, penilai, atasan)."""
    doc = (await services.call("skp", "GetSkp", {"skp_id": skp_id}, token)).document
    score = await views.optional(services.call("skp", "ScoreSkp", {"skp_id": skp_id}, token))
    return {"doc": doc, "score": None if isinstance(score, ServiceError) else score, "owner": doc.nip == viewer_nip,
            "penilai": doc.penilai_nip == viewer_nip, "atasan": doc.atasan_penilai_nip == viewer_nip}


async def skp_export(services: Services, token: str, skp_id: str, file_format: str, form: str) -> Download:
    """`file_format` "xlsx" or PDF; `form` "penilaian" or the targets form."""
    reply = await services.call("skp", "ExportSkp", {
        "skp_id": skp_id, "format": "EXPORT_FORMAT_XLSX" if file_format == "xlsx" else "EXPORT_FORMAT_PDF",
        "form": "EXPORT_FORM_PENILAIAN" if form == "penilaian" else "EXPORT_FORM_TARGETS"}, token)
    return Download(reply.content, reply.content_type, reply.filename)


# -- Rekap --------------------------------------------------------------------------------------------------------

async def rekap(services: Services, token: str, today: dt.date, unit_id: str = "", instansi_id: str = "",
                nip: str = "") -> dict:
    """An instansi's or a unit's month, or else one employee's months of this year with a chart."""
    context = {"unit_id": unit_id, "instansi_id": instansi_id, "tahun": today.year}
    month = {"period": "PERIOD_MONTH", "date": today.isoformat()}
    if instansi_id:
        reply = await services.call("recap", "GetInstansiRecap", {"instansi_id": instansi_id, **month}, token)
        context.update(view="instansi", rows=list(reply.rows), totals=reply.totals, period_key=reply.period_key)
    elif unit_id:
        reply = await services.call("recap", "GetUnitRecap", {"unit_id": unit_id, **month}, token)
        context.update(view="unit", rows=list(reply.rows), totals=reply.totals, period_key=reply.period_key,
                       unit_nama=reply.unit_nama)
    else:
        months = [dt.date(today.year, m, 1) for m in range(1, today.month + 1)]
        replies = await asyncio.gather(*(services.call("recap", "GetEmployeeRecap", {
            "nip": nip, "period": "PERIOD_MONTH", "date": m.isoformat()}, token) for m in months))
        chart = paired_bars("Rencana dan realisasi per bulan", MONTHS[:len(months)],
                            [r.counters.planned_qty for r in replies], [r.counters.recognised_qty for r in replies])
        context.update(view="pegawai", current=replies[-1], months=list(zip(MONTHS, replies, strict=False)),
                       chart=chart)
    return context


async def rekap_export(services: Services, token: str, today: dt.date, unit_id: str, instansi_id: str,
                       file_format: str) -> Download:
    reply = await services.call("recap", "ExportRecap", {
        "unit_id": unit_id, "instansi_id": instansi_id, "period": "PERIOD_MONTH", "date": today.isoformat(),
        "format": "EXPORT_FORMAT_XLSX" if file_format == "xlsx" else "EXPORT_FORMAT_CSV"}, token)
    return Download(reply.content, reply.content_type, reply.filename)


# -- Tanya (SNOWMAN) ----------------------------------------------------------------------------------------------

async def tanya(services: Services, token: str, roles) -> dict:
    """An expert also sees the open questions and the draft answers waiting for review."""
    expert = "expert" in roles
    open_questions, drafts = [], []
    if expert:
        oq, dr = await asyncio.gather(
            views.optional(services.call("snowman", "ListOpenQuestions", {}, token)),
            views.optional(services.call("snowman", "ListEntries", {"status": "draft"}, token)))
        open_questions = [] if isinstance(oq, ServiceError) else list(oq.questions)
        drafts = [] if isinstance(dr, ServiceError) else list(dr.entries)
    return {"expert": expert, "open_questions": open_questions, "drafts": drafts}


# -- Admin instansi -----------------------------------------------------------------------------------------------

async def admin(services: Services, token: str, instansi_id: str, query: dict) -> dict:
    """The instansi's organisation (required), a page of the employee search, its holidays, and on request an
    employee's audit trail (which periods were unlocked) and a jabatan's SKP template."""
    def pegawai_page(page_size: int, page_token: str):
        return services.call("identity", "ListPegawai", {"instansi_id": instansi_id, "unit_id": query.get("unit", ""),
                                                         "page_size": page_size, "page_token": page_token}, token)

    org, pegawai, holidays = await asyncio.gather(
        services.call("identity", "GetOrganisation", {"instansi_id": instansi_id}, token),
        views.optional(views.search_pegawai(pegawai_page, query.get("cari", ""), query.get("halaman", ""))),
        views.optional(services.call("recap", "ListHolidays", {"instansi_id": instansi_id}, token)))
    people, next_page = ([], "") if isinstance(pegawai, ServiceError) else pegawai
    audit, template = None, None
    if query.get("audit_nip"):
        audit = await views.optional(services.call("des", "GetAuditTrail", {"nip": query["audit_nip"]}, token))
    if query.get("jabatan"):
        template = await views.optional(services.call("skp", "GetTemplate", {"jabatan_id": query["jabatan"]}, token))
    unlocked = set() if audit is None or isinstance(audit, ServiceError) else {
        r.entity_id for r in audit.records if r.entity == "period_lock" and r.action == "unlock"}
    return {"unlocked": unlocked, "org": org, "people": people, "search": query.get("cari", ""),
            "unit": query.get("unit", ""), "next_page": next_page,
            "holidays": [] if isinstance(holidays, ServiceError) else list(holidays.holidays),
            "audit": audit, "audit_nip": query.get("audit_nip", ""), "template": template}
