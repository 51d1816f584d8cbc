"""`python -m bot sandbox` as a newcomer runs it: demo data and the HQ coordinator on the first
start, and the same people and chats after a restart (kept next to the database)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
ENV_KEYS = ("DATABASE_URL", "ADMIN_IDS", "TERRITORIES", "BOT_TOKEN", "TELEGRAM_API_URL")


async def _start(cwd: Path) -> tuple[asyncio.subprocess.Process, str, list[str]]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env["PYTHONPATH"] = str(ROOT)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sandbox", "--port", "0",
        cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    lines: list[str] = []
    while True:
        raw = await asyncio.wait_for(proc.stdout.readline(), 90)
        if not raw:
            raise AssertionError("the sandbox stopped:\n" + "".join(lines))
        line = raw.decode()
        lines.append(line)
        if line.startswith("Sandbox chat: "):
            return proc, line.split(": ", 1)[1].strip().rstrip("/"), lines


async def _stop(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(proc.wait(), 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise


async def _get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as response:
        body = await response.json()
    assert body["ok"], body
    return body["result"]


async def test_people_and_chats_survive_a_restart(tmp_path: Path) -> None:
    proc, base, lines = await _start(tmp_path)
    try:
        assert any(line.startswith("demo data: volunteers: 10") for line in lines), lines
        async with aiohttp.ClientSession() as http:
            people = {p["id"]: p for p in await _get(http, f"{base}/sandbox/api/people")}
            assert people[1000]["role"] == "coordinator (HQ)" and people[1000]["started"]
            assert people[2002]["language_code"] == "kk"
            info = await _get(http, f"{base}/sandbox/api/info")
            assert info["state_file"] == "sandbox.people.json"
            places = await _get(http, f"{base}/sandbox/api/places")
            assert places[0]["name"] == "Кемеровский городской округ"
            # A chat with something in it, to find again after the restart.
            async with http.post(
                f"{base}/sandbox/api/people/3001/text", json={"text": "/start"}
            ) as response:
                assert response.status == 200
            for _ in range(100):
                chat = await _get(http, f"{base}/sandbox/api/people/3001/conversation")
                if len([m for m in chat["messages"] if m["from_bot"]]) >= 4:
                    break
                await asyncio.sleep(0.1)
            before = [m["text"] for m in chat["messages"]]
            assert "/start" in before
    finally:
        await _stop(proc)
    saved = json.loads((tmp_path / "sandbox.people.json").read_text(encoding="utf-8"))
    assert {p["id"] for p in saved["profiles"]} >= {1000, 1100, 2001, 3001}

    proc, base, lines = await _start(tmp_path)
    try:
        assert not any(line.startswith("demo data:") for line in lines), lines
        async with aiohttp.ClientSession() as http:
            back = {p["id"] for p in await _get(http, f"{base}/sandbox/api/people")}
            assert {1000, 1100, 2001, 2010, 3001, 3003} <= back
            chat = await _get(http, f"{base}/sandbox/api/people/3001/conversation")
            assert [m["text"] for m in chat["messages"]][: len(before)] == before
    finally:
        await _stop(proc)
