"""HTTP routes: parse the form into plain values, call the page use case (application/pages.py for reads,
application/actions.py for writes), render the template or redirect (POST → 303 → GET).

Every POST carries the session's CSRF token; a service refusal becomes an Indonesian sentence next to the field it
names (application/errors.py). Authorisation is the services' own: a forged id gets the service's refusal.
"""
from __future__ import annotations

import json
import secrets
from urllib.parse import quote, unquote

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..adapters.sessions import Tokens
from ..application import actions, pages, views
from ..application.actions import FormProblems, UnknownAction
from ..application.errors import Problem, problem_of
from ..application.ports import ServiceError
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
    response = HTMLResponse(portal_of(request).render(template, context), status_code=status)
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
    return {"PERMISSION_DENIED": 403, "NOT_FOUND": 404, "UNAUTHENTICATED": 401}.get(error.code, 422)


def fields_of(form) -> dict[str, str]:
    """The form's text fields (an upload is read apart), as the use cases take them."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def refusal(error: Exception) -> tuple[list[Problem], int]:
    """A refused form: the problems to show and the status of the page that shows them."""
    if isinstance(error, FormProblems):
        return error.problems, 422
    return [problem_of(error)], status_for(error)


async def read_or_error_page(coro):
    """GET pages: a refusal becomes the proper error page (403, 404) instead of a broken page."""
    try:
        return await coro
    except ServiceError as error:
        if error.code == "UNAUTHENTICATED":
            raise LoginRequired() from None
        if error.code == "PERMISSION_DENIED":
            raise Forbidden() from None
        if error.code in ("NOT_FOUND", "INVALID_ARGUMENT"):
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


def download(file: pages.Download) -> Response:
    return Response(file.content, media_type=file.content_type,
                    headers={"content-disposition": f'attachment; filename="{file.filename}"'})


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
    try:
        signed_in = await actions.sign_in(portal.services, user, password, client_chain(request))
    except (FormProblems, ServiceError) as error:
        token = request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(24)
        return page(request, "masuk.html", {"csrf": token, "lanjut": lanjut, "user": user,
                                            "problems": refusal(error)[0], "fields_shown": ("user", "password")},
                    status=401)
    session_id, _ = await portal.sessions.create(
        Tokens(signed_in.access_token, signed_in.refresh_token, signed_in.access_expires_at,
               signed_in.refresh_expires_at), signed_in.principal)
    response = redirect(lanjut)
    set_session_cookie(response, session_id, portal.settings.session_ttl_seconds)
    response.delete_cookie(PRE_CSRF_COOKIE, path="/masuk")
    return response


async def keluar(request: Request) -> Response:
    portal = portal_of(request)
    web = await current_session(request)
    await form_of(request, web)
    await actions.sign_out(portal.services, web.tokens.refresh_token)
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
    try:
        message = await actions.submit_plan(portal_of(request).services, web.tokens.access_token, fields_of(form),
                                            form_key(form))
    except ServiceError as error:
        return await hari_ini(request, web, [problem_of(error)], dict(form), status=status_for(error))
    return await flash(request, web, message, "/")


async def cepat_post(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    text = str(form.get("text", "")).strip()
    try:
        message = await actions.quick_entry(portal_of(request).services, web.tokens.access_token, text,
                                            form_key(form))
    except (FormProblems, ServiceError) as error:
        problems, status = refusal(error)
        return await hari_ini(request, web, problems, {"text": text} if text else None, status=status)
    return await flash(request, web, message, "/")


# -- Laporan ------------------------------------------------------------------------------------------------------

async def laporan(request: Request) -> Response:
    web = await current_session(request)
    portal = portal_of(request)
    bulan = request.query_params.get("bulan") or portal.today().strftime("%Y-%m")
    data = await read_or_error_page(pages.laporan(portal.services, web.tokens.access_token, bulan))
    return page(request, "laporan.html", data, web=web)


async def laporan_form(request: Request, web=None, activity=None, problems=(), values=None, status=200) -> Response:
    web = web or await current_session(request)
    portal = portal_of(request)
    data = await pages.laporan_form(portal.services, web.tokens.access_token, portal.today(), activity, values)
    return page(request, "laporan_form.html", {**data, "problems": list(problems), "fields_shown": (
        "kegiatan_id", "kuantitas", "uraian", "tanggal", "menit", "jam_mulai", "jam_selesai", "evidence_file",
        "satuan")}, status, web)


async def laporan_baru(request: Request) -> Response:
    return await laporan_form(request)


async def activity_fields(request: Request, form) -> dict:
    """The form as des's ActivityInput fields, with the uploaded evidence (read up to the limit plus one byte, so
    des refuses an oversized file by its field)."""
    upload = form.get("bukti")
    if upload is not None and getattr(upload, "filename", ""):
        content = await upload.read(portal_of(request).settings.max_upload_bytes + 1)
        return actions.activity_fields(fields_of(form), content, upload.content_type or "")
    return actions.activity_fields(fields_of(form))


async def laporan_post(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    try:
        outcome = await actions.submit_activity(portal_of(request).services, web.tokens.access_token,
                                                await activity_fields(request, form), form.get("aksi") == "draf",
                                                form_key(form))
    except ServiceError as error:
        return await laporan_form(request, web, None, [problem_of(error)], fields_of(form), status_for(error))
    return await flash(request, web, outcome.message, outcome.url)


async def laporan_detail(request: Request) -> Response:
    web = await current_session(request)
    activity = await read_or_error_page(pages.activity(portal_of(request).services, web.tokens.access_token,
                                                       request.path_params["activity_id"]))
    return await laporan_form(request, web, activity)


async def laporan_update(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    services, token = portal_of(request).services, web.tokens.access_token
    activity_id = request.path_params["activity_id"]
    try:
        message = await actions.update_activity(services, token, activity_id, await activity_fields(request, form),
                                                send=form.get("aksi") == "kirim")
    except ServiceError as error:
        current = await pages.activity_or_none(services, token, activity_id)
        return await laporan_form(request, web, current, [problem_of(error)], fields_of(form), status_for(error))
    return await flash(request, web, message, f"/laporan/{activity_id}")


async def laporan_kirim(request: Request) -> Response:
    web = await current_session(request)
    await form_of(request, web)
    activity_id = request.path_params["activity_id"]
    try:
        message = await actions.send_activity(portal_of(request).services, web.tokens.access_token, activity_id)
    except ServiceError as error:
        message = problem_of(error).message
    return await flash(request, web, message, f"/laporan/{quote(activity_id)}")


async def bukti(request: Request) -> Response:
    web = await current_session(request)
    file = await read_or_error_page(pages.evidence(portal_of(request).services, web.tokens.access_token,
                                                   request.path_params["activity_id"]))
    return Response(file.content, media_type=file.content_type,
                    headers={"content-disposition": f"attachment; filename={file.filename}"})


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
    try:
        message = await actions.review(portal_of(request).services, web.tokens.access_token,
                                       request.path_params["action"], fields_of(form), form.getlist("activity_id"))
    except (FormProblems, ServiceError) as error:
        return await tim(request, web, *refusal(error))
    return await flash(request, web, message, "/tim")


# -- SKP saya -----------------------------------------------------------------------------------------------------

async def skp(request: Request) -> Response:
    web = await current_session(request)
    data = await read_or_error_page(pages.skp_list(portal_of(request).services, web.tokens.access_token,
                                                   web.principal, request.query_params.get("nip", "")))
    return page(request, "skp.html", data, web=web)


async def skp_detail(request: Request, web=None, problems=(), status=200) -> Response:
    web = web or await current_session(request)
    data = await read_or_error_page(pages.skp_detail(portal_of(request).services, web.tokens.access_token,
                                                     request.path_params["skp_id"], web.nip))
    return page(request, "skp_detail.html", {**data, "problems": list(problems)}, status, web)


async def skp_post(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    skp_id = request.path_params["skp_id"]
    try:
        message = await actions.skp_action(portal_of(request).services, web.tokens.access_token, skp_id,
                                           request.path_params["action"], fields_of(form))
    except ServiceError as error:
        return await skp_detail(request, web, [problem_of(error)], status_for(error))
    return await flash(request, web, message, f"/skp/{quote(skp_id)}")


async def skp_unduh(request: Request) -> Response:
    web = await current_session(request)
    q = request.query_params
    return download(await read_or_error_page(pages.skp_export(
        portal_of(request).services, web.tokens.access_token, request.path_params["skp_id"], q.get("format", ""),
        q.get("form", ""))))


# -- Rekap --------------------------------------------------------------------------------------------------------

async def rekap(request: Request) -> Response:
    web = await current_session(request)
    portal = portal_of(request)
    q = request.query_params
    data = await read_or_error_page(pages.rekap(portal.services, web.tokens.access_token, portal.today(),
                                                q.get("unit", ""), q.get("instansi", ""), q.get("nip", "")))
    return page(request, "rekap.html", data, web=web)


async def rekap_ekspor(request: Request) -> Response:
    web = await current_session(request)
    portal = portal_of(request)
    q = request.query_params
    return download(await read_or_error_page(pages.rekap_export(
        portal.services, web.tokens.access_token, portal.today(), q.get("unit", ""), q.get("instansi", ""),
        q.get("format", ""))))


# -- Tanya (SNOWMAN) ----------------------------------------------------------------------------------------------

async def tanya(request: Request, web=None, answer=None, problems=(), values=None, status=200) -> Response:
    web = web or await current_session(request)
    data = await pages.tanya(portal_of(request).services, web.tokens.access_token, web.roles)
    return page(request, "tanya.html", {**data, "answer": answer, "problems": list(problems),
                                        "values": values or {}, "fields_shown": ("pertanyaan",)}, status, web)


async def tanya_post(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    pertanyaan = str(form.get("pertanyaan", "")).strip()
    try:
        answer = await actions.ask(portal_of(request).services, web.tokens.access_token, pertanyaan, form_key(form))
    except (FormProblems, ServiceError) as error:
        problems, status = refusal(error)
        return await tanya(request, web, problems=problems, values={"pertanyaan": pertanyaan} if pertanyaan else None,
                           status=status)
    return await tanya(request, web, answer=answer, values={"pertanyaan": pertanyaan})


async def tanya_aksi(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    try:
        message = await actions.tanya_action(portal_of(request).services, web.tokens.access_token,
                                             request.path_params["action"], fields_of(form),
                                             web.principal.get("kelompok", []))
    except ServiceError as error:
        return await tanya(request, web, problems=[problem_of(error)], status=status_for(error))
    return await flash(request, web, message, "/tanya")


# -- Admin instansi -----------------------------------------------------------------------------------------------

async def admin(request: Request, web=None, problems=(), result=None, status=200) -> Response:
    web = web or await current_session(request)
    data = await read_or_error_page(pages.admin(portal_of(request).services, web.tokens.access_token,
                                                web.principal.get("instansi_id", ""), dict(request.query_params)))
    return page(request, "admin.html", {**data, "result": result, "problems": list(problems),
                                        "fields_shown": ("reason", "lock_id", "window_days", "client_id")},
                status, web)


async def admin_post(request: Request) -> Response:
    web = await current_session(request)
    form = await form_of(request, web)
    try:
        outcome = await actions.admin_action(portal_of(request).services, web.tokens.access_token,
                                             web.principal.get("instansi_id", ""), request.path_params["action"],
                                             fields_of(form), form.getlist("scopes"))
    except ServiceError as error:
        return await admin(request, web, [problem_of(error)], status=status_for(error))
    if outcome.result:
        return await admin(request, web, result=outcome.result)
    return await flash(request, web, outcome.message, outcome.url)


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
    if exc.code == "UNAUTHENTICATED":
        return await _login_required(request, exc)
    status = {"PERMISSION_DENIED": 403, "NOT_FOUND": 404}.get(exc.code, 503)
    return page(request, "error.html", {"title": "Tidak dapat ditampilkan", "message": problem_of(exc).message},
                status)


def exception_handlers():
    return {
        LoginRequired: _login_required,
        Forbidden: _error_page(403, "Akses ditolak",
                               "Anda tidak berwenang membuka halaman ini, atau formulir sudah kedaluwarsa."),
        NotFoundPage: _error_page(404, "Halaman tidak ditemukan", "Halaman atau data yang Anda cari tidak ada."),
        UnknownAction: _error_page(404, "Halaman tidak ditemukan", "Halaman atau data yang Anda cari tidak ada."),
        404: _error_page(404, "Halaman tidak ditemukan", "Halaman atau data yang Anda cari tidak ada."),
        405: _error_page(405, "Tidak diizinkan", "Cara membuka halaman ini tidak diizinkan."),
        ServiceError: _service_error,
        500: _error_page(500, "Terjadi kesalahan", "Terjadi kesalahan pada portal. Coba lagi sebentar lagi."),
        Exception: _error_page(500, "Terjadi kesalahan", "Terjadi kesalahan pada portal. Coba lagi sebentar lagi."),
    }


__all__ = ["routes", "exception_handlers", "json"]
