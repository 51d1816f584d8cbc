"""`python -m bot.sandbox`: run the emulator and its chat page until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from .emulator import DEFAULT_TOKEN, serve


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.sandbox", description="Local Telegram Bot API with a chat page"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--token",
        action="append",
        dest="tokens",
        help=f"bot token to accept (repeatable; default {DEFAULT_TOKEN})",
    )
    parser.add_argument("--username", default="sandbox_bot", help="the bot's username")
    parser.add_argument("--limits", action="store_true", help="answer 429 like Telegram does")
    parser.add_argument(
        "--state-file",
        default=None,
        help="keep people, chats, menus and files in this JSON file across restarts "
        "(default: nothing is kept)",
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    tokens = args.tokens or [DEFAULT_TOKEN]
    emu = await serve(
        args.host,
        args.port,
        tokens,
        username=args.username,
        limits=args.limits,
        state_file=args.state_file,
    )
    print(f"Sandbox chat: {emu.base_url}/", flush=True)
    for token in tokens:
        print(f"Bot API base: {emu.base_url}  (api: {emu.api_base(token)})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    main()
