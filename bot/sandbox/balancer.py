"""A small HTTP load balancer for a local cluster of webhook replicas (issue 22): round-robin
over the replicas that answer ``/readyz``, the request passed on as it came (method, path,
headers, body) and the replica's answer passed back. A replica that refuses the connection or
is not ready is skipped for this request; when none answers, 502, and Telegram (or the
emulator) delivers the update again later. What nginx or a cloud balancer does in production,
small enough to read."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Sequence

import aiohttp
from aiohttp import web

log = logging.getLogger(__name__)

HOP_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


class Balancer:
    def __init__(
        self,
        upstreams: Sequence[str],
        *,
        health_interval: float = 1.0,
        request_timeout: float = 30.0,
    ) -> None:
        self.upstreams = [u.rstrip("/") for u in upstreams]
        self.ready: set[str] = set()  # filled by the health checks
        self.health_interval = health_interval
        self.request_timeout = request_timeout
        self.counts = {u: 0 for u in self.upstreams}
        self._order = itertools.cycle(range(len(self.upstreams)))
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._health: asyncio.Task[None] | None = None
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._session = aiohttp.ClientSession()
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1]) if sockets else port
        self._health = asyncio.create_task(self._check_health())
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        if self._health is not None:
            self._health.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _check_health(self) -> None:
        assert self._session is not None
        while True:
            for upstream in self.upstreams:
                try:
                    async with self._session.get(
                        f"{upstream}/readyz", timeout=aiohttp.ClientTimeout(total=2)
                    ) as resp:
                        healthy = resp.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    healthy = False
                if healthy:
                    self.ready.add(upstream)
                else:
                    self.ready.discard(upstream)
            await asyncio.sleep(self.health_interval)

    def _candidates(self) -> list[str]:
        start = next(self._order)
        ordered = self.upstreams[start:] + self.upstreams[:start]
        ready = [u for u in ordered if u in self.ready]
        return ready or ordered  # none known ready: try them all anyway

    async def forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        for upstream in self._candidates():
            try:
                async with self._session.request(
                    request.method,
                    upstream + request.rel_url.path_qs,
                    data=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.request_timeout),
                ) as resp:
                    payload = await resp.read()
                    if resp.status == 503:  # shutting down: another replica takes it
                        self.ready.discard(upstream)
                        continue
                    self.counts[upstream] += 1
                    return web.Response(
                        status=resp.status,
                        body=payload,
                        content_type=resp.content_type if payload else None,
                    )
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                self.ready.discard(upstream)
                log.info("balancer: %s unavailable: %s", upstream, type(exc).__name__)
        return web.Response(status=502)
