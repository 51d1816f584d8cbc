"""A bare aiogram 3 echo bot: the baseline of the help-requests benchmark (bench/requests.py).

One Dispatcher, one message handler that sends the text back, one callback handler that
answers the query; no database, no middlewares, no FSM storage. Polls the Bot API at
TELEGRAM_API_URL with BOT_TOKEN, the way ``python -m bot`` does (updates handled as tasks),
under the bot's own runtime (``bot.runtime``: ``run_main``, and ``settle_memory`` once started).
Run as ``python -m bench.echo_bot``; SIGTERM stops it.
"""

from __future__ import annotations

import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message

from bot.runtime import run_main, settle_memory


async def echo(message: Message) -> None:
    await message.answer(message.text or "-")


async def answer(query: CallbackQuery) -> None:
    await query.answer()


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(token=os.environ["BOT_TOKEN"], session=session)
    dispatcher = Dispatcher()
    dispatcher.message.register(echo)
    dispatcher.callback_query.register(answer)
    settle_memory()  # the bot's own GC settings once started, as python -m bot does
    await dispatcher.start_polling(bot, handle_as_tasks=True, handle_signals=True)


if __name__ == "__main__":
    run_main(main())
