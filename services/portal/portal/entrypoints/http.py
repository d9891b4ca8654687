"""HTTP plumbing: security headers, request metrics and access logs, session and CSRF checks, error pages."""
from __future__ import annotations

import logging
import secrets
import time
import uuid

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

SECURITY_HEADERS = {
    "content-security-policy": ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "cross-origin-opener-policy": "same-origin",
}


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


class NotFoundPage(Exception):
    pass


class SecurityMiddleware:
    """Pure ASGI: headers on every response; one duration sample and one JSON access-log line per request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        set_correlation_id(uuid.uuid4().hex)
        status = {"code": 500}
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for key, value in SECURITY_HEADERS.items():
                    if key.encode() not in names:
                        headers.append((key.encode(), value.encode()))
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"public, max-age=86400" if static else b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = scope.get("route")
            name = getattr(route, "path", None) or ("/static" if static else "unmatched")
            elapsed = time.perf_counter() - started
            REQUEST_SECONDS.labels(name, scope["method"], str(status["code"])).observe(elapsed)
            if name not in ("/alive", "/ready", "/metrics"):
                log.info("request %s %s %s %.1fms", scope["method"], name, status["code"], elapsed * 1000)


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
