"""Webhook mode (issue 22): the emulator posts updates to ``python -m bot webhook``.

- in-process: setWebhook with the secret and allowed_updates at start, a person answered,
  a request without the secret refused (401), health and readiness, readiness off at shutdown;
- two real processes on one webhook port in turn: the first killed with SIGKILL while updates
  are coming, the second started on the same port; Telegram (the emulator) delivers again
  whatever was not answered 200, so every person is answered."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.sandbox import Emulator
from bot.webhook import READY_PATH, SECRET_HEADER, WebhookServer
from tests.e2e.conftest import ADMIN_ID, TOKEN

SECRET = "s3cret-webhook-token-0123"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until(
    predicate: object,
    timeout: float,
    process: asyncio.subprocess.Process | None = None,
    log: Path | None = None,
) -> None:
    """Wait for ``predicate``; a replica that exits meanwhile fails the test with its log."""
    assert callable(predicate)
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if process is not None and process.returncode is not None:
            output = log.read_text(errors="replace")[-3000:] if log else ""  # noqa: ASYNC240
            raise AssertionError(f"the replica exited ({process.returncode}):\n{output}")
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.05)


async def test_in_process_webhook_secret_health_and_shutdown(
    emulator: Emulator, sqlite_url: str
) -> None:
    port = _free_port()
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        database_url=sqlite_url,
        admin_ids=[ADMIN_ID],
        shutdown_timeout=5,
        webhook_url=f"http://127.0.0.1:{port}",
        webhook_secret=SECRET,
        webhook_host="127.0.0.1",
        webhook_port=port,
    )
    app = await create_app(settings, clock=FakeClock())
    server = WebhookServer(app)
    await server.start()
    base = f"http://127.0.0.1:{port}"
    try:
        hook = emulator.bots[TOKEN].webhook
        assert hook is not None and hook.url == f"{base}/telegram/webhook"
        assert hook.secret_token == SECRET
        allowed = emulator.bots[TOKEN].updates.allowed_updates or []
        assert "callback_query" in allowed and "message" in allowed
        person = emulator.user(7601, first_name="Вебхук", language_code="ru")
        await person.send_text("/start")
        greeting, _language = await person.wait_messages(2, timeout=10)
        assert greeting.body.startswith("Здравствуйте, Вебхук")

        async with aiohttp.ClientSession() as http:
            forged = {"update_id": 1, "message": {"message_id": 1, "date": 0,
                      "chat": {"id": 7601, "type": "private"}, "text": "/start"}}  # fmt: skip
            async with http.post(f"{base}/telegram/webhook", json=forged) as resp:
                assert resp.status == 401
            wrong = {SECRET_HEADER: "not-the-secret-at-all"}
            async with http.post(f"{base}/telegram/webhook", json=forged, headers=wrong) as resp:
                assert resp.status == 401
            ok = {SECRET_HEADER: SECRET}
            async with http.post(f"{base}/telegram/webhook", data=b"{", headers=ok) as resp:
                assert resp.status == 400
            async with http.get(f"{base}/healthz") as resp:
                assert resp.status == 200
            async with http.get(f"{base}{READY_PATH}") as resp:
                assert resp.status == 200 and (await resp.json())["status"] == "ready"
            server.stop()  # as SIGTERM does: the balancer sees «not ready» first
            async with http.get(f"{base}{READY_PATH}") as resp:
                assert resp.status == 503
            async with http.post(f"{base}/telegram/webhook", json=forged, headers=ok) as resp:
                assert resp.status == 503  # delivered again, to a replica that stays
    finally:
        await server.shutdown()
    # The webhook stays set: the other replicas go on serving it.
    assert emulator.bots[TOKEN].webhook is not None


def _env(emulator: Emulator, database_url: str, port: int) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=database_url,
        ADMIN_IDS=str(ADMIN_ID),
        WEBHOOK_URL=f"http://127.0.0.1:{port}",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
        THROTTLE_BURST="off",
        LOG_LEVEL="WARNING",
    )
    return env


async def _replica(env: dict[str, str], cwd: Path, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as stderr:  # a file: an undrained pipe would block the bot
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "webhook", cwd=cwd, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip


@pytest.mark.timeout(600)  # real processes start and stop: slow on a loaded CI machine
async def test_a_replica_killed_mid_load_loses_no_update(
    emulator: Emulator, tmp_path: Path
) -> None:
    port = _free_port()
    env = _env(emulator, f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", port)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = await _replica(env, tmp_path, first_log)
    people = [emulator.user(7700 + n, first_name=f"Ч{n}", language_code="ru") for n in range(30)]
    try:
        await _until(lambda: emulator.bots[TOKEN].webhook is not None, 90, first, first_log)
        for person in people[:10]:
            await person.send_text("/start")
        await _until(
            lambda: sum(bool(p.messages[1:]) for p in people[:10]) >= 3, 60, first, first_log
        )
        for person in people[10:]:  # while these are coming in, the replica dies
            await person.send_text("/start")
    finally:
        with contextlib.suppress(ProcessLookupError):
            first.send_signal(signal.SIGKILL)
        await first.wait()
    second = await _replica(env, tmp_path, second_log)
    try:
        # Every /start is answered, by one replica or the other (the emulator, like
        # Telegram, delivers again what was not answered 200).
        await _until(
            lambda: all(
                any(m.from_bot and m.body.startswith("Здравствуйте") for m in p.messages)
                for p in people
            ),
            120,
            second,
            second_log,
        )
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 30) == 0  # a graceful shutdown
    assert not emulator.bots[TOKEN].updates.pending
