"""End-to-end harness: the real application, in-process, polling the emulator over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Router

from bot.app import App, create_app
from bot.clock import Clock, FakeClock
from bot.config import Settings
from bot.sandbox import Emulator

TOKEN = "123456:sandbox-token"
ADMIN_ID = 9001


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(tokens=[TOKEN])
    await emu.start(host="127.0.0.1", port=0)
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclass
class BotRunner:
    """Starts and stops the real app; a second start is a restart on the same database."""

    emulator: Emulator
    database_url: str
    clock: Clock
    admin_ids: list[int] = field(default_factory=lambda: [ADMIN_ID])
    redis_url: str | None = None
    feature_routers: Iterable[Router] = ()
    overrides: dict[str, Any] = field(default_factory=dict)
    app: App | None = None
    task: asyncio.Task[None] | None = None

    def settings(self) -> Settings:
        return Settings(
            _env_file=None,
            bot_token=TOKEN,
            telegram_api_url=self.emulator.base_url,
            database_url=self.database_url,
            redis_url=self.redis_url,
            admin_ids=self.admin_ids,
            polling_timeout=5,
            shutdown_timeout=5,
            **self.overrides,
        )

    async def start(self) -> App:
        self.app = await create_app(
            self.settings(), clock=self.clock, feature_routers=self.feature_routers
        )
        self.task = asyncio.create_task(self.app.run_polling(handle_signals=False))
        return self.app

    async def stop(self) -> None:
        if self.app is not None and self.task is not None:
            with contextlib.suppress(RuntimeError):  # polling may not have started yet
                await self.app.stop()
            await asyncio.wait_for(self.task, 15)
        self.app = self.task = None

    async def restart(self) -> App:
        await self.stop()
        return await self.start()


StartBot = Callable[..., Awaitable[BotRunner]]


@pytest.fixture
async def start_bot(
    emulator: Emulator, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[StartBot]:
    runners: list[BotRunner] = []

    async def start(**kwargs: Any) -> BotRunner:
        kwargs.setdefault("database_url", sqlite_url)
        kwargs.setdefault("clock", clock)
        runner = BotRunner(emulator=emulator, **kwargs)
        await runner.start()
        runners.append(runner)
        return runner

    yield start
    for runner in runners:
        await runner.stop()


@pytest.fixture
async def running(start_bot: StartBot) -> BotRunner:
    return await start_bot()


async def drained(runner: BotRunner, timeout: float = 10.0) -> None:
    """Wait until the outbox has nothing due left to send (nothing pending and due, nothing
    being sent): then an absence is a fact, not a guess after a fixed sleep."""
    from sqlalchemy import func, or_, select

    from models import OutboxMessage, OutboxStatus

    assert runner.app is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with runner.app.sessionmaker() as session:
            busy = await session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    or_(
                        OutboxMessage.status == OutboxStatus.SENDING,
                        (OutboxMessage.status == OutboxStatus.PENDING)
                        & (OutboxMessage.next_attempt_at <= runner.clock.now()),
                    )
                )
            )
        if not busy:
            return
        if loop.time() > deadline:
            raise TimeoutError(f"the outbox still has {busy} messages to send")
        runner.app.delivery.wake()
        await asyncio.sleep(0.02)
