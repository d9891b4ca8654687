"""HTTP routes: parse the form, call the page use case or one service RPC, render or redirect (POST → 303 → GET).

Every POST carries the session's CSRF token; a service refusal becomes an Indonesian sentence next to the field it
names (application/errors.py). Authorisation is the services' own: a forged id gets the service's refusal.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
from urllib.parse import quote, unquote

import grpc
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..adapters.services import ServiceError, pb
from ..adapters.sessions import Tokens
from ..application import views
from ..application.charts import MONTHS, paired_bars
from ..application.errors import Problem, sentence
from .http import (
    COOKIE,
    FLASH_COOKIE,
    PRE_CSRF_COOKIE,
    Forbidden,
    LoginRequired,
    NotFoundPage,
    check_csrf,
    current_session,
    pre_login_csrf,
    redirect,
    set_session_cookie,
)


def portal_of(request: Request):
    return request.app.state.portal


def problem_of(error: ServiceError) -> Problem:
    return sentence(error.code, error.detail, error.field, error.retry_after)


def page(request: Request, template: str, context: dict, status: int = 200, web=None) -> Response:
    context = dict(context)
    context.update(request=request, web=web, csrf=web.csrf_token if web else context.get("csrf", ""),
                   roles=web.roles if web else [], principal=web.principal if web else {},
                   flash={"message": unquote(request.cookies[FLASH_COOKIE])[:300]}
                   if request.cookies.get(FLASH_COOKIE) else None, fmt=views.fmt, state_labels=views.STATE_LABELS,
                   skp_labels=views.SKP_STATUS_LABELS, audit_labels=views.AUDIT_LABELS,
                   problems=context.get("problems") or [], kunci=secrets.token_hex(16))
    context["field_problem"] = {p.field: p.message for p in context["problems"] if p.field}
    context["form_problems"] = [p.message for p in context["problems"] if not p.field or p.field not in
                                context.get("fields_shown", ())]
    response = portal_of(request).templates.TemplateResponse(request, template, context, status_code=status)
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


async def form_of(request: Request, web) -> dict:
    form = await request.form()
    check_csrf(form, web.csrf_token)
    return form


def form_key(form) -> str:
    """The form's idempotency key (rendered once per page view): a double submit of one form has one effect."""
    key = str(form.get("kunci", ""))
    return key if 16 <= len(key) <= 64 and key.isalnum() else secrets.token_hex(16)


async def flash(request: Request, web, message: str, url: str) -> Response:
    """POST → 303 → GET, the outcome carried by a short-lived cookie (works whichever replica serves the GET)."""
    response = redirect(url)
    response.set_cookie(FLASH_COOKIE, quote(message), max_age=60, httponly=True, secure=True, samesite="lax", path="/")
    return response


def status_for(error: ServiceError) -> int:
    return {grpc.StatusCode.PERMISSION_DENIED: 403, grpc.StatusCode.NOT_FOUND: 404,
            grpc.StatusCode.UNAUTHENTICATED: 401}.get(error.code, 422)


async def read_or_error_page(coro):
    """GET pages: a refusal becomes the proper error page (403, 404) instead of a broken page."""
    try:
        return await coro
    except ServiceError as error:
        if error.code == grpc.StatusCode.UNAUTHENTICATED:
            raise LoginRequired() from None
        if error.code == grpc.StatusCode.PERMISSION_DENIED:
            raise Forbidden() from None
        if error.code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            raise NotFoundPage() from None
        raise


# -- health, metrics ----------------------------------------------------------------------------------------------

async def alive(request: Request) -> Response:
    return PlainTextResponse("ok")


async def ready(request: Request) -> Response:
    portal = portal_of(request)
    ok = await portal.sessions.ping() and await portal.services.ready()
    return PlainTextResponse("ok" if ok else "not ready", status_code=200 if ok else 503)


async def metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


# -- sign in / out ------------------------------------------------------------------------------------------------

def client_chain(request: Request) -> str:
    """The address chain for identity's login throttle: what came before us, then the peer we saw."""
    peer = request.client.host if request.client else ""
    before = request.headers.get("x-forwarded-for", "")
    return ", ".join(x for x in (before, peer) if x)


async def masuk(request: Request) -> Response:
    token = pre_login_csrf(request)
    response = page(request, "masuk.html", {"csrf": token, "lanjut": request.query_params.get("lanjut", "/")})
    response.set_cookie(PRE_CSRF_COOKIE, token, httponly=True, secure=True, samesite="strict", path="/masuk")
    return response


async def masuk_post(request: Request) -> Response:
    portal = portal_of(request)
    form = await request.form()
    check_csrf(form, request.cookies.get(PRE_CSRF_COOKIE, ""))
    user, password = str(form.get("user", "")).strip(), str(form.get("password", ""))
    lanjut = str(form.get("lanjut", "/"))
    if not lanjut.startswith("/") or lanjut.startswith("//"):
        lanjut = "/"
    problems = []
    if not user:
        problems.append(Problem("NIP atau nama akun wajib diisi.", "user"))
    if not password:
        problems.append(Problem("Kata sandi wajib diisi.", "password"))
    if not problems:
        idn = pb("identity")
        try:
            reply = await portal.services.call("identity", "Login", idn.LoginRequest(user=user, password=password),
                                               metadata=(("x-forwarded-for", client_chain(request)),))
        except ServiceError as error:
            if error.code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.NOT_FOUND,
                              grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED):
                problems.append(Problem("NIP/nama akun atau kata sandi salah.", "password"))
            else:
                problems.append(problem_of(error))
        else:
            principal = {"subject": reply.principal.subject, "roles": list(reply.principal.roles),
                         "instansi_id": reply.principal.instansi_id, "nip": reply.principal.nip,
                         "kelompok": list(reply.principal.kelompok)}
            try:
                who = await portal.services.call("identity", "WhoAmI", idn.WhoAmIRequest(), reply.access_token)
                principal["nama"] = who.pegawai.nama or who.account or user
                principal["jabatan_id"] = who.pegawai.current_assignment.jabatan_id
            except ServiceError:
                principal["nama"] = user
            session_id, _ = await portal.sessions.create(
                Tokens(reply.access_token, reply.refresh_token, reply.access_expires_at, reply.refresh_expires_at),
                principal)
            response = redirect(lanjut)
            set_session_cookie(response, session_id, portal.settings.session_ttl_seconds)
            response.delete_cookie(PRE_CSRF_COOKIE, path="/masuk")
            return response
    token = request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(24)
    return page(request, "masuk.html", {"csrf": token, "lanjut": lanjut, "user": user, "problems": problems,
                                        "fields_shown": ("user", "password")}, status=401)


async def keluar(request: Request) -> Response:
    portal = portal_of(request)
    web = await current_session(request)
    await form_of(request, web)
    try:
        await portal.services.call("identity", "Logout", pb("identity").LogoutRequest(
            refresh_token=web.tokens.refresh_token))
    except ServiceError:
        pass  # the session ends here whatever identity says; the refresh token then simply expires
    await portal.sessions.delete(web)
    response = redirect("/masuk")
    response.delete_cookie(COOKIE, path="/")
    return response


# -- Hari ini -----------------------------------------------------------------------------------------------------

async def hari_ini(request: Request, web=None, problems=(), values=None, reply=None, status=200) -> Response:
    web = web or await current_session(request)
    portal = portal_of(request)
    if not web.nip:
        return redirect("/admin" if {"admin_instansi", "admin_bkn"} & set(web.roles) else "/tanya")
    data = await views.hari_ini(portal.services, web.tokens.access_token, portal.today())
    return page(request, "hari_ini.html", {**data, "problems": list(problems), "values": values or {},
                                           "reply": reply, "fields_shown": ("kegiatan_id", "uraian", "kuantitas",
                                                                            "text")}, status, web)


async def rencana_post(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    des = pb("des")
    try:
        await portal_of(request).services.call("des", "SubmitPlan", des.SubmitPlanRequest(
            kegiatan_id=str(form.get("kegiatan_id", "")), uraian=str(form.get("uraian", "")),
            kuantitas=str(form.get("kuantitas", "")).replace(",", ".")), web.tokens.access_token, write=True,
            idempotency_key=form_key(form))
    except ServiceError as error:
        return await hari_ini(request, web, [problem_of(error)], dict(form), status=status_for(error))
    return await flash(request, web, "Rencana tersimpan.", "/")


async def cepat_post(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    text = str(form.get("text", "")).strip()
    if not text:
        return await hari_ini(request, web, [Problem("Isian cepat wajib diisi.", "text")], status=422)
    try:
        reply = await portal_of(request).services.call("des", "SubmitText", pb("des").SubmitTextRequest(
            text=text, idempotency_key=form_key(form)), web.tokens.access_token)
    except ServiceError as error:
        return await hari_ini(request, web, [problem_of(error)], {"text": text}, status=status_for(error))
    if not reply.ok:
        return await hari_ini(request, web, [Problem(reply.reply, "text")], {"text": text}, status=422)
    return await flash(request, web, reply.reply, "/")


# -- Laporan ------------------------------------------------------------------------------------------------------

async def laporan(request: Request) -> Response:
    web = await current_session(request)
    portal = portal_of(request)
    bulan = request.query_params.get("bulan") or portal.today().strftime("%Y-%m")
    reply = await read_or_error_page(portal.services.call("des", "ListActivities", pb("des").ListActivitiesRequest(
        bulan=bulan), web.tokens.access_token))
    items = sorted(reply.activities, key=lambda a: (a.tanggal, a.jam_mulai), reverse=True)
    return page(request, "laporan.html", {"items": items, "bulan": bulan}, web=web)


async def laporan_form(request: Request, web=None, activity=None, problems=(), values=None, status=200) -> Response:
    web = web or await current_session(request)
    portal = portal_of(request)
    kegiatan = await views.kegiatan_of_caller(portal.services, web.tokens.access_token, portal.today())
    v = dict(values or {})
    if activity is not None and not values:
        v = {"kegiatan_id": activity.kegiatan_id, "kuantitas": views.fmt(activity.kuantitas),
             "uraian": activity.uraian, "tanggal": activity.tanggal, "menit": activity.menit or "",
             "jam_mulai": activity.jam_mulai, "jam_selesai": activity.jam_selesai, "satuan": activity.satuan}
    v.setdefault("tanggal", portal.today().isoformat())
    return page(request, "laporan_form.html", {
        "kegiatan": kegiatan, "activity": activity, "values": v, "problems": list(problems),
        "editable": activity is None or activity.state in views.EDITABLE,
        "sendable": activity is not None and activity.state in views.SENDABLE,
        "fields_shown": ("kegiatan_id", "kuantitas", "uraian", "tanggal", "menit", "jam_mulai", "jam_selesai",
                         "evidence_file", "satuan")}, status, web)


async def laporan_baru(request: Request) -> Response:
    return await laporan_form(request)


async def activity_input(request: Request, form) -> object:
    des = pb("des")
    menit = str(form.get("menit", "") or "0").strip()
    data = {"tanggal": str(form.get("tanggal", "")), "jenis": des.JENIS_SKP,
            "kegiatan_id": str(form.get("kegiatan_id", "")), "uraian": str(form.get("uraian", "")),
            "kuantitas": str(form.get("kuantitas", "")).replace(",", "."), "satuan": str(form.get("satuan", "")),
            "menit": int(menit) if menit.isdigit() else -1, "jam_mulai": str(form.get("jam_mulai", "")),
            "jam_selesai": str(form.get("jam_selesai", ""))}
    upload = form.get("bukti")
    if upload is not None and getattr(upload, "filename", ""):
        content = await upload.read(portal_of(request).settings.max_upload_bytes + 1)
        data["evidence_file"] = content
        data["evidence_content_type"] = upload.content_type or ""
    return des.ActivityInput(**data)


async def laporan_post(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        item = await activity_input(request, form)
        reply = await portal_of(request).services.call("des", "SubmitActivity", pb("des").SubmitActivityRequest(
            activity=item, draft=form.get("aksi") == "draf", idempotency_key=form_key(form)),
            web.tokens.access_token)
    except ServiceError as error:
        return await laporan_form(request, web, None, [problem_of(error)], values, status_for(error))
    message = "Laporan tersimpan sebagai draf." if reply.state == "draft" else "Laporan terkirim ke pejabat penilai."
    return await flash(request, web, message, f"/laporan/{reply.activity_id}")


async def laporan_detail(request: Request) -> Response:
    web = await current_session(request)
    activity = await read_or_error_page(portal_of(request).services.call(
        "des", "GetActivity", pb("des").GetActivityRequest(activity_id=request.path_params["activity_id"]),
        web.tokens.access_token))
    return await laporan_form(request, web, activity)


async def laporan_update(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    portal = portal_of(request)
    des = pb("des")
    activity_id = request.path_params["activity_id"]
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        item = await activity_input(request, form)
        reply = await portal.services.call("des", "UpdateActivity", des.UpdateActivityRequest(
            activity_id=activity_id, activity=item), web.tokens.access_token, write=True)
        if form.get("aksi") == "kirim" and reply.state in views.SENDABLE:
            await portal.services.call("des", "SendActivity", des.SendActivityRequest(activity_id=activity_id),
                                       web.tokens.access_token, write=True)
    except ServiceError as error:
        current = None
        try:
            current = await portal.services.call("des", "GetActivity", des.GetActivityRequest(
                activity_id=activity_id), web.tokens.access_token)
        except ServiceError:
            pass
        return await laporan_form(request, web, current, [problem_of(error)], values, status_for(error))
    return await flash(request, web, "Perubahan tersimpan." if form.get("aksi") != "kirim"
                       else "Laporan terkirim ke pejabat penilai.", f"/laporan/{activity_id}")


async def laporan_kirim(request: Request) -> Response:
    web = await current_session(request)
    await form_of(request, web)
    activity_id = request.path_params["activity_id"]
    try:
        await portal_of(request).services.call("des", "SendActivity", pb("des").SendActivityRequest(
            activity_id=activity_id), web.tokens.access_token, write=True)
    except ServiceError as error:
        return await flash(request, web, problem_of(error).message, f"/laporan/{quote(activity_id)}")
    return await flash(request, web, "Laporan terkirim ke pejabat penilai.", f"/laporan/{quote(activity_id)}")


async def bukti(request: Request) -> Response:
    web = await current_session(request)
    evidence = await read_or_error_page(portal_of(request).services.call(
        "des", "GetEvidence", pb("des").GetActivityRequest(activity_id=request.path_params["activity_id"]),
        web.tokens.access_token))
    return Response(evidence.data, media_type=evidence.content_type,
                    headers={"content-disposition": "attachment; filename=bukti"})


# -- Tim saya -----------------------------------------------------------------------------------------------------

async def tim(request: Request, web=None, problems=(), status=200) -> Response:
    web = web or await current_session(request)
    portal = portal_of(request)
    data = await read_or_error_page(views.tim(portal.services, web.tokens.access_token, web.principal,
                                              portal.today()))
    return page(request, "tim.html", {**data, "problems": list(problems)}, status, web)


async def tim_post(request: Request) -> Response:
    """One form per action: setujui (selected or all), revisi (with a note), kunci (day or month), kualitas."""
    web = await current_session(request)
    form = await form_of(request, web)
    des = pb("des")
    action = request.path_params["action"]
    call = portal_of(request).services.call
    token = web.tokens.access_token
    try:
        if action == "setujui":
            ids = form.getlist("activity_id")
            if not ids:
                return await tim(request, web, [Problem("Pilih setidaknya satu laporan.", "")], 422)
            await call("des", "ApproveActivities", des.ApproveActivitiesRequest(
                items=[des.ApproveItem(activity_id=i) for i in ids]), token, write=True)
            message = f"{len(ids)} laporan disetujui."
        elif action == "revisi":
            catatan = str(form.get("catatan", "")).strip()
            if not catatan:
                return await tim(request, web, [Problem("Catatan revisi wajib diisi.", "")], 422)
            await call("des", "RequestRevision", des.RequestRevisionRequest(
                activity_id=str(form.get("activity_id", "")), catatan=catatan), token, write=True)
            message = "Permintaan revisi terkirim."
        elif action == "kunci":
            scope = des.LOCK_SCOPE_MONTH if form.get("cakupan") == "bulan" else des.LOCK_SCOPE_DAY
            reply = await call("des", "LockPeriod", des.LockPeriodRequest(
                nip=str(form.get("nip", "")), scope=scope, tanggal=str(form.get("tanggal", "")),
                bulan=str(form.get("bulan", ""))), token, write=True)
            message = f"Terkunci: {len(reply.activity_ids)} laporan."
        elif action == "kualitas":
            await call("des", "SetMonthlyQuality", des.SetMonthlyQualityRequest(
                nip=str(form.get("nip", "")), kegiatan_id=str(form.get("kegiatan_id", "")),
                bulan=str(form.get("bulan", "")), kualitas=str(form.get("kualitas", ""))), token, write=True)
            message = "Kualitas bulan ini tersimpan."
        else:
            raise NotFoundPage()
    except ServiceError as error:
        return await tim(request, web, [problem_of(error)], status_for(error))
    return await flash(request, web, message, "/tim")


# -- SKP saya -----------------------------------------------------------------------------------------------------

async def skp(request: Request) -> Response:
    web = await current_session(request)
    skp_pb = pb("skp")
    nip = request.query_params.get("nip", "")
    services = portal_of(request).services
    reply, team = await asyncio.gather(
        read_or_error_page(services.call("skp", "ListSkp", skp_pb.ListSkpRequest(nip=nip), web.tokens.access_token)),
        views.team(services, web.tokens.access_token, web.principal))
    return page(request, "skp.html", {"documents": list(reply.documents), "nip": nip, "team": team}, web=web)


async def skp_detail(request: Request, web=None, problems=(), status=200) -> Response:
    web = web or await current_session(request)
    skp_pb = pb("skp")
    call = portal_of(request).services.call
    skp_id = request.path_params["skp_id"]
    doc = (await read_or_error_page(call("skp", "GetSkp", skp_pb.GetSkpRequest(skp_id=skp_id),
                                         web.tokens.access_token))).document
    score = await views.optional(call("skp", "ScoreSkp", skp_pb.ScoreSkpRequest(skp_id=skp_id),
                                      web.tokens.access_token))
    return page(request, "skp_detail.html", {
        "doc": doc, "score": None if isinstance(score, ServiceError) else score,
        "owner": doc.nip == web.nip, "penilai": doc.penilai_nip == web.nip,
        "atasan": doc.atasan_penilai_nip == web.nip, "problems": list(problems)}, status, web)


async def skp_post(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    skp_pb = pb("skp")
    skp_id = request.path_params["skp_id"]
    action = request.path_params["action"]
    call = portal_of(request).services.call
    token = web.tokens.access_token
    requests = {
        "ajukan": ("SubmitSkp", lambda: skp_pb.SubmitSkpRequest(skp_id=skp_id), "SKP diajukan ke pejabat penilai."),
        "setujui": ("ApproveSkp", lambda: skp_pb.ApproveSkpRequest(skp_id=skp_id), "SKP disetujui."),
        "kembalikan": ("ReturnSkp", lambda: skp_pb.ReturnSkpRequest(skp_id=skp_id, note=str(form.get("catatan", ""))),
                       "SKP dikembalikan dengan catatan."),
        "keberatan": ("FileKeberatan", lambda: skp_pb.FileKeberatanRequest(
            skp_id=skp_id, alasan=str(form.get("alasan", ""))), "Keberatan diajukan."),
        "terima": ("AcceptResult", lambda: skp_pb.AcceptResultRequest(skp_id=skp_id), "Hasil penilaian diterima."),
        "target": ("UpdateTargets", lambda: skp_pb.UpdateTargetsRequest(
            skp_id=skp_id, expected_version=int(form.get("version", "0") or 0),
            kegiatan=[skp_pb.KegiatanTarget(nama=str(form.get("nama", "")), satuan=str(form.get("satuan", "")),
                                            kuantitas=str(form.get("kuantitas", "")).replace(",", "."),
                                            waktu=str(form.get("waktu", "12")))]), "Kegiatan ditambahkan."),
    }
    if action not in requests:
        raise NotFoundPage()
    rpc, build, message = requests[action]
    try:
        if action == "target":
            current = (await call("skp", "GetSkp", skp_pb.GetSkpRequest(skp_id=skp_id), token)).document
            request_pb = build()
            kept = [skp_pb.KegiatanTarget(kegiatan_id=k.kegiatan_id, nama=k.nama, satuan=k.satuan,
                                          kuantitas=k.kuantitas, kualitas=k.kualitas, waktu=k.waktu, biaya=k.biaya,
                                          angka_kredit=k.angka_kredit) for k in current.kegiatan]
            request_pb = skp_pb.UpdateTargetsRequest(skp_id=skp_id, expected_version=current.version,
                                                     kegiatan=kept + list(request_pb.kegiatan))
            await call("skp", rpc, request_pb, token, write=True)
        else:
            await call("skp", rpc, build(), token, write=True)
    except ServiceError as error:
        return await skp_detail(request, web, [problem_of(error)], status_for(error))
    return await flash(request, web, message, f"/skp/{quote(skp_id)}")


async def skp_unduh(request: Request) -> Response:
    web = await current_session(request)
    skp_pb = pb("skp")
    fmt_ = skp_pb.EXPORT_FORMAT_XLSX if request.query_params.get("format") == "xlsx" else skp_pb.EXPORT_FORMAT_PDF
    form = skp_pb.EXPORT_FORM_PENILAIAN if request.query_params.get("form") == "penilaian" \
        else skp_pb.EXPORT_FORM_TARGETS
    reply = await read_or_error_page(portal_of(request).services.call("skp", "ExportSkp", skp_pb.ExportSkpRequest(
        skp_id=request.path_params["skp_id"], format=fmt_, form=form), web.tokens.access_token))
    return Response(reply.content, media_type=reply.content_type,
                    headers={"content-disposition": f'attachment; filename="{reply.filename}"'})


# -- Rekap --------------------------------------------------------------------------------------------------------

async def rekap(request: Request) -> Response:
    web = await current_session(request)
    portal = portal_of(request)
    recap = pb("recap")
    token = web.tokens.access_token
    today = portal.today()
    unit_id = request.query_params.get("unit", "")
    instansi_id = request.query_params.get("instansi", "")
    context = {"unit_id": unit_id, "instansi_id": instansi_id, "tahun": today.year}
    if instansi_id:
        reply = await read_or_error_page(portal.services.call(
            "recap", "GetInstansiRecap", recap.GetInstansiRecapRequest(
                instansi_id=instansi_id, period=recap.PERIOD_MONTH, date=today.isoformat()), token))
        context.update(view="instansi", rows=list(reply.rows), totals=reply.totals, period_key=reply.period_key)
    elif unit_id:
        reply = await read_or_error_page(portal.services.call("recap", "GetUnitRecap", recap.GetUnitRecapRequest(
            unit_id=unit_id, period=recap.PERIOD_MONTH, date=today.isoformat()), token))
        context.update(view="unit", rows=list(reply.rows), totals=reply.totals, period_key=reply.period_key,
                       unit_nama=reply.unit_nama)
    else:
        nip = request.query_params.get("nip", "")
        months = [dt.date(today.year, m, 1) for m in range(1, today.month + 1)]
        replies = await read_or_error_page(asyncio.gather(*(portal.services.call(
            "recap", "GetEmployeeRecap", recap.GetEmployeeRecapRequest(nip=nip, period=recap.PERIOD_MONTH,
                                                                        date=m.isoformat()), token)
            for m in months)))
        current = replies[-1]
        chart = paired_bars("Rencana dan realisasi per bulan", MONTHS[:len(months)],
                            [r.counters.planned_qty for r in replies], [r.counters.recognised_qty for r in replies])
        context.update(view="pegawai", current=current, months=list(zip(MONTHS, replies, strict=False)), chart=chart)
    return page(request, "rekap.html", context, web=web)


async def rekap_ekspor(request: Request) -> Response:
    web = await current_session(request)
    portal = portal_of(request)
    recap = pb("recap")
    fmt_ = recap.EXPORT_FORMAT_XLSX if request.query_params.get("format") == "xlsx" else recap.EXPORT_FORMAT_CSV
    reply = await read_or_error_page(portal.services.call("recap", "ExportRecap", recap.ExportRecapRequest(
        unit_id=request.query_params.get("unit", ""), instansi_id=request.query_params.get("instansi", ""),
        period=recap.PERIOD_MONTH, date=portal.today().isoformat(), format=fmt_), web.tokens.access_token))
    return Response(reply.content, media_type=reply.content_type,
                    headers={"content-disposition": f'attachment; filename="{reply.filename}"'})


# -- Tanya (SNOWMAN) ----------------------------------------------------------------------------------------------

async def tanya(request: Request, web=None, answer=None, problems=(), values=None, status=200) -> Response:
    web = web or await current_session(request)
    snowman = pb("snowman")
    call = portal_of(request).services.call
    expert = "expert" in web.roles
    open_questions, drafts = [], []
    if expert:
        oq, dr = await asyncio.gather(
            views.optional(call("snowman", "ListOpenQuestions", snowman.ListOpenQuestionsRequest(),
                                web.tokens.access_token)),
            views.optional(call("snowman", "ListEntries", snowman.ListEntriesRequest(status="draft"),
                                web.tokens.access_token)))
        open_questions = [] if isinstance(oq, ServiceError) else list(oq.questions)
        drafts = [] if isinstance(dr, ServiceError) else list(dr.entries)
    return page(request, "tanya.html", {"answer": answer, "expert": expert, "open_questions": open_questions,
                                        "drafts": drafts, "problems": list(problems), "values": values or {},
                                        "fields_shown": ("pertanyaan",)}, status, web)


async def tanya_post(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    pertanyaan = str(form.get("pertanyaan", "")).strip()
    if not pertanyaan:
        return await tanya(request, web, problems=[Problem("Pertanyaan wajib diisi.", "pertanyaan")], status=422)
    try:
        answer = await portal_of(request).services.call("snowman", "Ask", pb("snowman").AskRequest(
            pertanyaan=pertanyaan), web.tokens.access_token, write=True, idempotency_key=form_key(form))
    except ServiceError as error:
        return await tanya(request, web, problems=[problem_of(error)], values={"pertanyaan": pertanyaan},
                           status=status_for(error))
    return await tanya(request, web, answer=answer, values={"pertanyaan": pertanyaan})


async def tanya_aksi(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    snowman = pb("snowman")
    call = portal_of(request).services.call
    token = web.tokens.access_token
    action = request.path_params["action"]
    try:
        if action == "suara":
            await call("snowman", "Vote", snowman.VoteRequest(entry_id=str(form.get("entry_id", "")),
                                                               helpful=form.get("helpful") == "1",
                                                               question_id=str(form.get("question_id", ""))),
                       token, write=True)
            message = "Terima kasih atas penilaian Anda."
        elif action == "jawab":
            await call("snowman", "AnswerQuestion", snowman.AnswerQuestionRequest(
                question_id=str(form.get("question_id", "")), content=snowman.EntryContent(
                    judul=str(form.get("judul", "")), pertanyaan=[str(form.get("pertanyaan", ""))],
                    jawaban=str(form.get("jawaban", "")), rujukan=str(form.get("rujukan", "")),
                    kelompok=[k for k in web.principal.get("kelompok", [])])), token, write=True)
            message = "Jawaban tersimpan sebagai draf untuk ditinjau."
        elif action == "terbitkan":
            await call("snowman", "PublishEntry", snowman.PublishEntryRequest(
                entry_id=str(form.get("entry_id", "")), version=int(form.get("version", "0") or 0)),
                token, write=True)
            message = "Jawaban diterbitkan."
        else:
            raise NotFoundPage()
    except ServiceError as error:
        return await tanya(request, web, problems=[problem_of(error)], status=status_for(error))
    return await flash(request, web, message, "/tanya")


# -- Admin instansi -----------------------------------------------------------------------------------------------

async def admin(request: Request, web=None, problems=(), result=None, status=200) -> Response:
    web = web or await current_session(request)
    portal = portal_of(request)
    idn, des, recap = pb("identity"), pb("des"), pb("recap")
    token = web.tokens.access_token
    instansi_id = web.principal.get("instansi_id", "")
    q = request.query_params

    def pegawai_page(page_size: int, page_token: str):
        return portal.services.call("identity", "ListPegawai", idn.ListPegawaiRequest(
            instansi_id=instansi_id, unit_id=q.get("unit", ""), page_size=page_size, page_token=page_token), token)

    org, pegawai, holidays = await asyncio.gather(
        read_or_error_page(portal.services.call("identity", "GetOrganisation", idn.GetOrganisationRequest(
            instansi_id=instansi_id), token)),
        views.optional(views.search_pegawai(pegawai_page, q.get("cari", ""), q.get("halaman", ""))),
        views.optional(portal.services.call("recap", "ListHolidays", recap.ListHolidaysRequest(
            instansi_id=instansi_id), token)))
    people, next_page = ([], "") if isinstance(pegawai, ServiceError) else pegawai
    audit, template = None, None
    if q.get("audit_nip"):
        audit = await views.optional(portal.services.call("des", "GetAuditTrail", des.GetAuditTrailRequest(
            nip=q["audit_nip"]), token))
    if q.get("jabatan"):
        template = await views.optional(portal.services.call("skp", "GetTemplate", pb("skp").GetTemplateRequest(
            jabatan_id=q["jabatan"]), token))
    unlocked = set() if audit is None or isinstance(audit, ServiceError) else {
        r.entity_id for r in audit.records if r.entity == "period_lock" and r.action == "unlock"}
    return page(request, "admin.html", {"unlocked": unlocked,
        "org": org, "people": people, "search": q.get("cari", ""),
        "unit": q.get("unit", ""), "next_page": next_page,
        "holidays": [] if isinstance(holidays, ServiceError) else list(holidays.holidays),
        "audit": audit, "audit_nip": q.get("audit_nip", ""), "template": template, "result": result,
        "problems": list(problems), "fields_shown": ("reason", "lock_id", "window_days", "client_id")},
        status, web)


async def admin_post(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    idn, des, recap = pb("identity"), pb("des"), pb("recap")
    call = portal_of(request).services.call
    token = web.tokens.access_token
    instansi_id = web.principal.get("instansi_id", "")
    action = request.path_params["action"]
    result = None
    try:
        if action == "buka-kunci":
            nip = str(form.get("nip", ""))
            reply = await call("des", "UnlockPeriod", des.UnlockPeriodRequest(
                nip=nip, lock_id=str(form.get("lock_id", "")), reason=str(form.get("reason", ""))), token,
                write=True)
            return await flash(request, web, f"Kunci dibuka: {len(reply.activity_ids)} laporan dapat diubah kembali.",
                               f"/admin?audit_nip={quote(nip)}#audit")
        if action == "jendela":
            days = str(form.get("window_days", "")).strip()
            await call("des", "SetEntryWindow", des.SetEntryWindowRequest(
                instansi_id=instansi_id, window_days=int(days) if days.isdigit() else -1), token, write=True)
            message = "Batas pengisian tersimpan."
        elif action == "libur":
            await call("recap", "SetHoliday", recap.SetHolidayRequest(holiday=recap.Holiday(
                tanggal=str(form.get("tanggal", "")), nama=str(form.get("nama", "")), instansi_id=instansi_id),
                remove=form.get("hapus") == "1"), token, write=True)
            message = "Hari libur tersimpan."
        elif action == "klien":
            reply = await call("identity", "CreateApiClient", idn.CreateApiClientRequest(
                client_id=str(form.get("client_id", "")), name=str(form.get("name", "")), instansi_id=instansi_id,
                scopes=form.getlist("scopes")), token, write=True)
            result = {"client_id": reply.client_id, "client_secret": reply.client_secret}
            return await admin(request, web, result=result)
        else:
            raise NotFoundPage()
    except ServiceError as error:
        return await admin(request, web, [problem_of(error)], status=status_for(error))
    return await flash(request, web, message, "/admin")


# -- wiring -------------------------------------------------------------------------------------------------------

def routes():
    from pathlib import Path
    static = Path(__file__).resolve().parents[1] / "static"
    return [
        Route("/alive", alive), Route("/ready", ready), Route("/metrics", metrics),
        Route("/masuk", masuk, methods=["GET"]), Route("/masuk", masuk_post, methods=["POST"]),
        Route("/keluar", keluar, methods=["POST"]),
        Route("/", hari_ini, methods=["GET"]), Route("/rencana", rencana_post, methods=["POST"]),
        Route("/cepat", cepat_post, methods=["POST"]),
        Route("/laporan", laporan, methods=["GET"]), Route("/laporan", laporan_post, methods=["POST"]),
        Route("/laporan/baru", laporan_baru, methods=["GET"]),
        Route("/laporan/{activity_id}", laporan_detail, methods=["GET"]),
        Route("/laporan/{activity_id}", laporan_update, methods=["POST"]),
        Route("/laporan/{activity_id}/kirim", laporan_kirim, methods=["POST"]),
        Route("/laporan/{activity_id}/bukti", bukti, methods=["GET"]),
        Route("/tim", tim, methods=["GET"]), Route("/tim/{action}", tim_post, methods=["POST"]),
        Route("/skp", skp, methods=["GET"]), Route("/skp/{skp_id}", skp_detail, methods=["GET"]),
        Route("/skp/{skp_id}/unduh", skp_unduh, methods=["GET"]),
        Route("/skp/{skp_id}/{action}", skp_post, methods=["POST"]),
        Route("/rekap", rekap, methods=["GET"]), Route("/rekap/ekspor", rekap_ekspor, methods=["GET"]),
        Route("/tanya", tanya, methods=["GET"]), Route("/tanya", tanya_post, methods=["POST"]),
        Route("/tanya/{action}", tanya_aksi, methods=["POST"]),
        Route("/admin", admin, methods=["GET"]), Route("/admin/{action}", admin_post, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]


def _error_page(status: int, title: str, message: str):
    async def handler(request: Request, exc) -> Response:
        return page(request, "error.html", {"title": title, "message": message}, status)
    return handler


async def _login_required(request: Request, exc) -> Response:
    target = request.url.path if request.method == "GET" else "/"
    return redirect(f"/masuk?lanjut={quote(target)}")


async def _service_error(request: Request, exc: ServiceError) -> Response:
    if exc.code == grpc.StatusCode.UNAUTHENTICATED:
        return await _login_required(request, exc)
    status = {grpc.StatusCode.PERMISSION_DENIED: 403, grpc.StatusCode.NOT_FOUND: 404}.get(exc.code, 503)
    return page(request, "error.html", {"title": "Tidak dapat ditampilkan", "message": problem_of(exc).message},
                status)


def exception_handlers():
    return {
        LoginRequired: _login_required,
        Forbidden: _error_page(403, "Akses ditolak",
                               "Anda tidak berwenang membuka halaman ini, atau formulir sudah kedaluwarsa."),
        NotFoundPage: _error_page(404, "Halaman tidak ditemukan", "Halaman atau data yang Anda cari tidak ada."),
        404: _error_page(404, "Halaman tidak ditemukan", "Halaman atau data yang Anda cari tidak ada."),
        405: _error_page(405, "Tidak diizinkan", "Cara membuka halaman ini tidak diizinkan."),
        ServiceError: _service_error,
        500: _error_page(500, "Terjadi kesalahan", "Terjadi kesalahan pada portal. Coba lagi sebentar lagi."),
        Exception: _error_page(500, "Terjadi kesalahan", "Terjadi kesalahan pada portal. Coba lagi sebentar lagi."),
    }


__all__ = ["routes", "exception_handlers", "json"]
