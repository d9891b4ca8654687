"""The portal's ASGI application: wires settings, the session store, the gRPC clients and the routes."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.templating import Jinja2Templates

from ekinerja_platform import clock

from ..adapters.services import Services
from ..adapters.sessions import SessionStore, Tokens
from ..adapters.token_cipher import TokenCipher
from ..settings import PortalSettings
from .http import EdgeMiddleware

HERE = Path(__file__).resolve().parents[1]
log = logging.getLogger("portal")


class Portal:
    """What every request needs, built once per process."""

    def __init__(self, settings: PortalSettings):
        self.settings = settings
        self.services: Services | None = None  # grpc.aio channels belong to the serving event loop: see start()
        self.sessions = SessionStore.from_url(settings.database_url, settings.session_ttl_seconds,
                                              TokenCipher(list(settings.session_keys)), settings.db_pool_size,
                                              settings.session_cache_seconds)
        self._purger: asyncio.Task | None = None
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.auto_reload = False  # templates change only with a release: no stat() per render
        self._compiled: dict = {}

    def render(self, name: str, context: dict) -> bytes:
        """The page as bytes, straight from the compiled template (looked up once per process, not through
        Jinja's locked cache and Starlette's TemplateResponse on every page)."""
        template = self._compiled.get(name)
        if template is None:
            template = self._compiled[name] = self.templates.env.get_template(name)
        return template.render(context).encode()

    def today(self) -> dt.date:
        return clock.today()

    async def refresh_tokens(self, refresh_token: str) -> Tokens:
        reply = await self.services.call("identity", "RefreshToken", {"refresh_token": refresh_token})
        return Tokens(reply.access_token, reply.refresh_token, reply.access_expires_at, reply.refresh_expires_at)

    async def start(self) -> None:
        self.services = Services(self.settings.targets, self.settings.grpc_timeout_seconds,
                                 self.settings.grpc_channels)
        if self.settings.session_purge_seconds > 0:
            self._purger = asyncio.create_task(self._purge_forever(self.settings.session_purge_seconds))

    async def _purge_forever(self, every: float) -> None:
        """Expired sessions hold (encrypted) tokens nobody can use any more: every replica deletes them now and
        then; the deletes are idempotent, so replicas need no coordination."""
        while True:
            try:
                purged = await self.sessions.purge_expired()
                if purged:
                    log.info("expired portal sessions purged", extra={"purged": purged})
            except Exception:  # noqa: BLE001 - a failed round (database away) is retried at the next tick
                log.warning("purging expired portal sessions failed", exc_info=True)
            await asyncio.sleep(every)

    async def close(self) -> None:
        if self._purger is not None:
            self._purger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purger
        await self.services.close()
        await self.sessions.close()


def create_app(settings: PortalSettings) -> Starlette:
    from .web import exception_handlers, routes

    portal = Portal(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await portal.start()
        yield
        await portal.close()

    app = Starlette(routes=routes(), lifespan=lifespan, exception_handlers=exception_handlers(),
                    middleware=[Middleware(EdgeMiddleware)])
    app.state.portal = portal
    return app
