"""Shared parts of the page use cases: labels, number formatting, optional calls, the caller's team and kegiatan,
names, the employee search, and the "Hari ini" and "Tim saya" views.

No rules live here: what the user may see and do is decided by the services; this only arranges their answers.
Services are called through the `Services` port (application/ports.py) with plain fields.
"""
from __future__ import annotations

import asyncio
import datetime as dt
from collections import OrderedDict
from decimal import Decimal, InvalidOperation

from .ports import ServiceError, Services

STATE_LABELS = {"draft": "Draf", "submitted": "Diajukan", "revision_requested": "Perlu revisi",
                "resubmitted": "Diajukan ulang", "approved": "Disetujui", "locked": "Terkunci"}
SKP_STATUS_LABELS = {"draft": "Draf", "submitted": "Diajukan", "returned": "Dikembalikan", "disputed": "Disanggah",
                     "revision": "Direvisi", "approved": "Disetujui", "closed": "Ditutup", "issued": "Diterbitkan",
                     "keberatan": "Keberatan diajukan", "final": "Final", "moved": "pindah jabatan"}
AUDIT_LABELS = {"activity": "laporan", "period_lock": "kunci periode", "plan": "rencana", "lock": "kunci",
                "unlock": "buka kunci", "create": "dibuat", "submit": "diajukan", "edit": "diubah", "send": "dikirim",
                "approve": "disetujui", "request_revision": "minta revisi", "quality": "kualitas"}
EDITABLE = {"draft", "submitted", "revision_requested", "resubmitted"}
SENDABLE = {"draft", "revision_requested"}


def dec(value) -> Decimal:
    try:
        return Decimal(str(value or "0"))
    except InvalidOperation:
        return Decimal(0)


def fmt(value) -> str:
    """Decimals shown the Indonesian way: no trailing zeros, comma as the decimal mark."""
    d = dec(value).normalize()
    text = f"{d:f}"
    return text.replace(".", ",")


async def optional(coro, default=None):
    """A call whose refusal only hides a part of the page (e.g. no approved SKP yet)."""
    try:
        return await coro
    except ServiceError as error:
        return default if default is not None else error


async def hari_ini(services: Services, token: str, today: dt.date) -> dict:
    """One des call (GetDay): the day's plans and reports and the month's targets with their totals, all read in
    one transaction; three calls (targets, the month's plans, the month's reports) used to find the SKP and
    authorise three times and ship the whole month to add it up here."""
    day = await services.call("des", "GetDay", {"tanggal": today.isoformat()}, token)
    progress = []
    for k in day.kegiatan:
        t = k.target
        target, done = dec(t.kuantitas), dec(k.dilaporkan)
        progress.append({"nomor": t.nomor, "nama": t.nama, "satuan": t.satuan, "target": fmt(target),
                         "reported": fmt(done), "recognised": fmt(k.diakui),
                         "max": max(target, Decimal(1)), "value": min(done, max(target, Decimal(1))),
                         "pct": int(done * 100 / target) if target else 0})
    month_targets = [k.target for k in day.kegiatan]
    return {"today": day.tanggal, "bulan": today.strftime("%Y-%m"), "kegiatan": kegiatan_choices(month_targets),
            "nomor": {t.kegiatan_id: t.nomor for t in month_targets}, "no_skp": not day.skp_id,
            "plans": list(day.plans), "reports": list(day.activities), "progress": progress}


def team_of(org, principal: dict) -> list[dict]:
    """Holders of the positions directly under the caller's (a convenience list; des and skp decide who is whose)."""
    team = []
    if not isinstance(org, ServiceError) and principal.get("jabatan_id"):
        for position in org.positions:
            if position.jabatan.parent_id == principal["jabatan_id"]:
                team += [{"nip": h.nip, "nama": h.nama, "jabatan": position.jabatan.nama} for h in position.holders]
    return sorted(team, key=lambda t: t["nama"])


async def team(services: Services, token: str, principal: dict) -> list[dict]:
    org = await optional(services.call("identity", "GetOrganisation", {}, token))
    return team_of(org, principal)


def kegiatan_choices(targets) -> list[dict]:
    seen: OrderedDict[str, dict] = OrderedDict()
    for t in targets:
        seen.setdefault(t.kegiatan_id, {"id": t.kegiatan_id, "nomor": t.nomor, "nama": t.nama, "satuan": t.satuan})
    return sorted(seen.values(), key=lambda k: k["nomor"])


async def kegiatan_of_caller(services: Services, token: str, today: dt.date) -> list[dict]:
    targets = await optional(services.call("des", "GetMonthlyTargets", {}, token))
    if isinstance(targets, ServiceError):
        return []
    return kegiatan_choices(targets.targets)


async def names_of(services: Services, token: str, nips) -> dict[str, str]:
    """Employee names through identity (a penilai may read its subordinates); a refusal leaves the NIP shown."""
    unique = sorted(set(nips))
    found = await asyncio.gather(*(optional(services.call("identity", "GetPegawai", {"nip": n}, token))
                                   for n in unique))
    return {n: (p.nama if not isinstance(p, ServiceError) else n) for n, p in zip(unique, found, strict=False)}


async def tim(services: Services, token: str, principal: dict, today: dt.date) -> dict:
    queue, gaps, org = await asyncio.gather(
        services.call("des", "ReviewQueue", {}, token),
        optional(services.call("recap", "ListNoncompliance", {
            "instansi_id": principal.get("instansi_id", ""), "date_from": today.isoformat(),
            "date_to": today.isoformat()}, token)),
        optional(services.call("identity", "GetOrganisation", {}, token)))
    items = list(queue.activities)
    team = team_of(org, principal)
    rows = [] if isinstance(gaps, ServiceError) else list(gaps.rows)
    names = await names_of(services, token, [a.nip for a in items] + [r.nip for r in rows if not r.nama])
    groups: OrderedDict = OrderedDict()
    for a in sorted(items, key=lambda a: (names.get(a.nip, a.nip), a.tanggal)):
        person = groups.setdefault(a.nip, {"nip": a.nip, "nama": names.get(a.nip, a.nip), "days": OrderedDict()})
        person["days"].setdefault(a.tanggal, []).append(a)
    oldest = min((a.tanggal for a in items), default="")
    return {"groups": list(groups.values()), "count": len(items), "oldest": oldest,
            "gaps": [{"nama": r.nama or names.get(r.nip, r.nip), "kind": r.kind, "tanggal": r.tanggal,
                      "count": r.count} for r in rows],
            "gaps_known": not isinstance(gaps, ServiceError), "bulan": today.strftime("%Y-%m"), "team": team,
            "today": today.isoformat()}


async def search_pegawai(fetch_page, search: str, page_token: str = "", want: int = 50, page_size: int = 500,
                         max_pages: int = 10) -> tuple[list, str]:
    """Walks identity's ListPegawai pages (`fetch_page(page_size, page_token) -> ListPegawaiResponse`) from
    `page_token` until `want` employees match `search` (name or NIP; empty matches all) or the list ends.

    Identity has no name search, so a large instansi is scanned page by page; `max_pages` bounds one request's work
    and the returned token (empty at the end of the list) lets the admin continue where the scan stopped."""
    needle = search.strip().lower()
    size = want if not needle else page_size
    found: list = []
    token = page_token
    for _ in range(max_pages):
        reply = await fetch_page(size, token)
        # whole pages only (a page's matches may take the list past `want`): a continuation never repeats or skips
        found.extend(p for p in reply.pegawai if not needle or needle in p.nama.lower() or needle in p.nip)
        token = reply.next_page_token
        if not token or len(found) >= want:
            break
    return found, token
