"""HTTP plumbing: security headers, request metrics and access logs, session and CSRF checks, error pages."""
from __future__ import annotations

import logging
import secrets
import time
import uuid
import zlib

from prometheus_client import Histogram
from starlette.requests import Request
from starlette.responses import RedirectResponse

from ekinerja_platform.logs import set_correlation_id

from ..adapters.sessions import WebSession

log = logging.getLogger("portal.http")
COOKIE = "ek_sesi"
PRE_CSRF_COOKIE = "ek_csrf"
FLASH_COOKIE = "ek_pesan"  # the one-line outcome of the last POST, shown once by the page it redirects to
REQUEST_SECONDS = Histogram("ekinerja_portal_request_seconds", "Portal HTTP requests by route and status",
                            ["route", "method", "status"],
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5))

# (name, value) as bytes, built once: every response gets those it does not set itself
SECURITY_HEADERS = tuple((k.encode(), v.encode()) for k, v in {
    "content-security-policy": ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "cross-origin-opener-policy": "same-origin",
}.items())
STATIC_CACHE, NO_STORE = b"public, max-age=86400", b"no-store"
GZIP_MINIMUM = 500  # bytes: a smaller body gains less than the gzip header and the CPU cost
GZIP_LEVEL = 6
# besides text/*: what gains from gzip (PDF, XLSX, images and archives are compressed already)
COMPRESSIBLE = {b"application/json", b"application/javascript", b"image/svg+xml"}


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


class NotFoundPage(Exception):
    pass


class EdgeMiddleware:
    """Pure ASGI, the one layer around the routes: security headers and cache-control on every response, gzip for
    text a client accepts it for, one duration sample and one JSON access-log line per request.

    One wrapper of `send` instead of two stacked middlewares (this and Starlette's GZipMiddleware, which parsed the
    request's and the response's headers again and built a responder per request); a whole body is compressed in
    one zlib call (level 6: a 4 KB page compresses to the same ~1.4 KB as at 9)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        set_correlation_id(uuid.uuid4().hex)
        status = 500
        static = scope["path"].startswith("/static/")
        gzip_ok = any(k == b"accept-encoding" and b"gzip" in v for k, v in scope["headers"])
        held = None  # the response start, held until the first body says whether it is compressed
        stream = None  # a compressor while a streamed body (a static file) is being compressed

        async def send_wrapped(message):
            nonlocal status, held, stream
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                names = {k.lower() for k, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", STATIC_CACHE if static else NO_STORE))
                message["headers"] = headers
                if gzip_ok and status != 206 and b"content-encoding" not in names and _compressible(headers):
                    held = message
                    return
            elif held is not None:  # a file sent by path (pathsend) or any other message goes as it is
                start, held = held, None
                body, more = message.get("body", b""), message.get("more_body", False)
                if kind == "http.response.body" and (more or len(body) >= GZIP_MINIMUM):
                    headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                    headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
                    if more:
                        stream = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
                        body = stream.compress(body) + stream.flush(zlib.Z_SYNC_FLUSH)
                    else:
                        body = zlib.compress(body, GZIP_LEVEL, 31)
                        headers.append((b"content-length", str(len(body)).encode()))
                    start["headers"] = headers
                    message["body"] = body
                await send(start)
            elif kind == "http.response.body" and stream is not None:
                more = message.get("more_body", False)
                message["body"] = stream.compress(message.get("body", b"")) + stream.flush(
                    zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapped)
        finally:
            route = scope.get("route")
            name = getattr(route, "path", None) or ("/static" if static else "unmatched")
            elapsed = time.perf_counter() - started
            REQUEST_SECONDS.labels(name, scope["method"], str(status)).observe(elapsed)
            if name not in ("/alive", "/ready", "/metrics"):
                log.info("request %s %s %s %.1fms", scope["method"], name, status, elapsed * 1000)


def _compressible(headers) -> bool:
    for key, value in headers:
        if key.lower() == b"content-type":
            kind = value.partition(b";")[0].strip().lower()
            return kind.startswith(b"text/") or kind in COMPRESSIBLE
    return False


def set_session_cookie(response, session_id: str, max_age: int) -> None:
    response.set_cookie(COOKIE, session_id, max_age=max_age, httponly=True, secure=True, samesite="lax", path="/")


def pre_login_csrf(request: Request) -> str:
    return request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(24)


def check_csrf(form, expected: str) -> None:
    sent = form.get("csrf", "")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
        raise Forbidden("csrf")


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def current_session(request: Request) -> WebSession:
    """The signed-in user's session with fresh tokens, or LoginRequired."""
    portal = request.app.state.portal
    web = await portal.sessions.load(request.cookies.get(COOKIE, ""))
    if web is None:
        raise LoginRequired()
    web = await portal.sessions.refresh(web, portal.settings.refresh_margin_seconds, portal.refresh_tokens)
    if web is None:
        raise LoginRequired()
    return web
