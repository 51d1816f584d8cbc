"""``python -m bot.cluster`` (``make cluster``): a local cluster as production runs it (issue 22).

The emulator with its web chat, ``--replicas`` webhook replicas of the bot (``python -m bot
webhook``, each its own process) on PostgreSQL and Redis, and a small load balancer
(bot/sandbox/balancer.py) that the emulator posts the updates to. Open the chat page and
watch the replicas share the work; kill one (its pid is printed) and the others go on.

DATABASE_URL must be PostgreSQL and REDIS_URL set (defaults: this machine's local services).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import SANDBOX_TOKEN
from bot.sandbox import Emulator
from bot.sandbox.balancer import Balancer

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
FIRST_REPLICA_PORT = 9101


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.cluster", description=__doc__)
    parser.add_argument("--replicas", type=int, default=2, help="webhook replicas (default 2)")
    parser.add_argument("--port", type=int, default=8081, help="the chat page's port")
    parser.add_argument("--logs", default="cluster-logs", help="folder of the replicas' logs")
    return parser


def replica_env(
    *,
    emulator_url: str,
    database_url: str,
    redis_url: str,
    balancer_url: str,
    secret: str,
    port: int,
    admin_ids: str,
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        BOT_TOKEN=SANDBOX_TOKEN,
        TELEGRAM_API_URL=emulator_url,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        ADMIN_IDS=admin_ids,
        WEBHOOK_URL=balancer_url,
        WEBHOOK_SECRET=secret,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    return env


async def spawn(args: Sequence[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """A bot process whose output goes to ``log`` (a file: a pipe nobody reads fills up)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=env, stdout=out, stderr=out
        )


async def main(replicas: int, port: int, logs: Path) -> None:
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    if not database_url.startswith("postgresql"):
        raise SystemExit("the cluster needs PostgreSQL: DATABASE_URL=postgresql+asyncpg://...")
    admin_ids = os.environ.get("ADMIN_IDS", "1000")
    emulator = Emulator(tokens=[SANDBOX_TOKEN])
    await emulator.start(host="127.0.0.1", port=port)
    upstreams = [f"http://127.0.0.1:{FIRST_REPLICA_PORT + n}" for n in range(replicas)]
    balancer = Balancer(upstreams)
    balancer_url = await balancer.start()
    secret = secrets.token_urlsafe(24)
    processes: list[asyncio.subprocess.Process] = []
    try:
        env = replica_env(
            emulator_url=emulator.base_url, database_url=database_url, redis_url=redis_url,
            balancer_url=balancer_url, secret=secret, port=FIRST_REPLICA_PORT,
            admin_ids=admin_ids,
        )  # fmt: skip
        migrate = await spawn(["migrate"], env, logs / "migrate.log")
        if await migrate.wait() != 0:
            raise SystemExit(f"migrations failed: see {logs / 'migrate.log'}")
        for n in range(replicas):
            env = {**env, "WEBHOOK_PORT": str(FIRST_REPLICA_PORT + n)}
            process = await spawn(["webhook"], env, logs / f"replica-{n + 1}.log")
            processes.append(process)
            print(f"replica {n + 1}: pid {process.pid}, {upstreams[n]}", flush=True)
        print(f"balancer: {balancer_url} → {', '.join(upstreams)}", flush=True)
        print(f"chat page: {emulator.base_url}/   (Ctrl-C stops everything)", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 30)
        await balancer.stop()
        await emulator.stop()


if __name__ == "__main__":
    options = _parser().parse_args()
    asyncio.run(main(options.replicas, options.port, Path(options.logs)))
