"""``python -m bot webhook``: Telegram delivers updates by HTTPS POST to this process, so
several replicas can run behind a load balancer (issue 22).

- **Secret.** Telegram sends ``X-Telegram-Bot-Api-Secret-Token`` with each update; a request
  without the configured ``WEBHOOK_SECRET`` gets 401 and is never fed to the dispatcher.
- **Nothing lost.** An update is answered 200 only after the dispatcher has handled it (and
  its transaction committed). A replica that dies mid-update never answers, and a handler that
  raises past the error router gets 500: Telegram delivers the update again, to this replica
  or another one. (aiogram's ``SimpleRequestHandler`` answers first and handles in the
  background by default, which would lose the update with the process.)
- **Health.** ``GET /healthz`` is 200 while the process serves; ``GET /readyz`` is 200 once
  start-up is done and the database answers, and 503 from the moment shutdown begins, so the
  load balancer stops sending here first.
- **Graceful shutdown.** SIGTERM: not ready, stop accepting, let the updates in flight finish
  (up to ``SHUTDOWN_TIMEOUT``), then the outbox worker and the scheduler stop. The webhook
  itself stays set: the other replicas go on serving it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from typing import Any

from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import text

from bot.app import App

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"


class WebhookServer:
    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self.ready = False
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # --- HTTP -------------------------------------------------------------------------------
    def web_app(self) -> web.Application:
        web_app = web.Application(client_max_size=2 * 1024 * 1024)
        web_app.router.add_post(self.settings.webhook_path, self.on_update)
        web_app.router.add_get(HEALTH_PATH, self.on_health)
        web_app.router.add_get(READY_PATH, self.on_ready)
        return web_app

    async def on_update(self, request: web.Request) -> web.Response:
        secret = self.settings.webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=401)
        if self._stopping.is_set():
            # Telegram delivers it again, to a replica that is not going away.
            return web.Response(status=503)
        try:
            payload = await request.json()
            update = Update.model_validate(payload, context={"bot": self.app.bot})
        except (ValueError, ValidationError):
            return web.Response(status=400)  # not an update: delivering it again changes nothing
        try:
            await self.app.dispatcher.feed_update(self.app.bot, update)
        except Exception:
            logger.exception("update=%s failed past the error handlers", update.update_id)
            return web.Response(status=500)
        return web.Response(status=200)

    async def on_health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def on_ready(self, request: web.Request) -> web.Response:
        if not self.ready or self._stopping.is_set():
            return web.json_response({"status": "not ready"}, status=503)
        try:
            async with self.app.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:  # the database is what every update needs
            logger.warning("readiness: the database does not answer: %s", type(exc).__name__)
            return web.json_response({"status": "database unavailable"}, status=503)
        return web.json_response({"status": "ready"})

    # --- life cycle --------------------------------------------------------------------------
    async def start(self) -> None:
        self._runner = web.AppRunner(
            self.web_app(), shutdown_timeout=self.settings.shutdown_timeout, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.webhook_host, self.settings.webhook_port)
        await site.start()
        if self.settings.webhook_url:
            await self.app.bot.set_webhook(
                url=self.settings.webhook_url.rstrip("/") + self.settings.webhook_path,
                secret_token=self.settings.webhook_secret,
                allowed_updates=self.app.dispatcher.resolve_used_update_types(),
                max_connections=self.settings.webhook_max_connections,
                drop_pending_updates=False,
            )
        self.app.scheduler.start()
        self.app.delivery.start()
        self.ready = True
        logger.info(
            "webhook: serving %s on %s:%s",
            self.settings.webhook_path,
            self.settings.webhook_host,
            self.settings.webhook_port,
        )

    def stop(self) -> None:
        self._stopping.set()

    async def serve(self, *, handle_signals: bool = True) -> None:
        """Serve until SIGTERM/SIGINT (or ``stop()``), then shut down gracefully."""
        loop = asyncio.get_running_loop()
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, self.stop)
        try:
            await self.start()
            await self._stopping.wait()
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        self._stopping.set()
        self.ready = False
        if self._runner is not None:
            # Stops listening, then waits for the requests in flight (their updates).
            await self._runner.cleanup()
            self._runner = None
        await self.app.dispatcher.wait_idle(self.settings.shutdown_timeout)
        await self.app.close()


async def run(app: App, **kwargs: Any) -> None:
    await WebhookServer(app).serve(**kwargs)
