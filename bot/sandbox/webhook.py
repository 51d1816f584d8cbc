"""Webhook delivery: POST updates one by one, in order, retrying with backoff like Telegram."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from .botstate import BotState, WebhookConfig
from .world import now

JSON = dict[str, Any]
# Runs a Bot API method that the webhook answered with ({"method": ..., ...}).
Executor = Callable[[BotState, str, JSON], Awaitable[None]]

log = logging.getLogger(__name__)


class WebhookSender:
    def __init__(
        self,
        execute: Executor,
        retry_base: float = 1.0,
        retry_max: float = 60.0,
        request_timeout: float = 10.0,
    ) -> None:
        self.execute = execute
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.request_timeout = request_timeout
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def start(self, state: BotState) -> None:
        self.stop(state)
        assert state.webhook is not None
        state.updates.webhook_active = True
        state.updates.wake()  # ends a waiting getUpdates
        self._tasks[state.id] = asyncio.get_running_loop().create_task(
            self._run(state, state.webhook), name=f"sandbox-webhook-{state.id}"
        )

    def stop(self, state: BotState) -> None:
        task = self._tasks.pop(state.id, None)
        if task is not None:
            task.cancel()
        state.updates.webhook_active = False

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _run(self, state: BotState, hook: WebhookConfig) -> None:
        delay = self.retry_base
        queue = state.updates
        while True:
            if not queue.pending:
                await queue.wait_for_change(30.0)
                continue
            update = queue.pending[0]
            error = await self._post(state, hook, update)
            if error is None:
                queue.remove(update["update_id"])
                hook.deliveries += 1
                delay = self.retry_base
                state.touch()
                state.changed()
                continue
            hook.last_error_date = now()
            hook.last_error_message = error
            state.changed()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry_max)

    async def _post(self, state: BotState, hook: WebhookConfig, update: JSON) -> str | None:
        """Deliver one update; None on success, else Telegram-style last_error_message."""
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            async with self._client().post(
                hook.url,
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.request_timeout),
            ) as resp:
                body = await resp.read()
                if not 200 <= resp.status < 300:
                    return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as exc:
            return f"Connection error: {exc}"
        await self._answer(state, body)
        return None

    async def _answer(self, state: BotState, body: bytes) -> None:
        # A webhook may answer with one Bot API call; Telegram executes it and
        # drops its result.
        if not body.strip():
            return
        try:
            payload = json.loads(body)
        except ValueError:
            return
        if isinstance(payload, dict) and isinstance(payload.get("method"), str):
            method = str(payload.pop("method"))
            await self.execute(state, method, payload)
