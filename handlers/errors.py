"""The last line of defence: apologise in the person's language, log once, keep running."""

from __future__ import annotations

import logging
import traceback

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.i18n import Translator
from bot.services.language import negotiate_locale
from models import User

router = Router(name=__name__)
logger = logging.getLogger(__name__)


@router.error()
async def on_error(
    event: ErrorEvent, bot: Bot, translator: Translator, user: User | None = None
) -> None:
    update = event.update
    # The exception's type and the code path, not its message: that could hold personal data.
    logger.error(
        "update=%s failed: %s\n%s",
        update.update_id,
        type(event.exception).__name__,
        "".join(traceback.format_tb(event.exception.__traceback__)).rstrip(),
    )
    tg_user = update.event.from_user if hasattr(update.event, "from_user") else None
    locale = negotiate_locale(
        user.locale if user else None,
        tg_user.language_code if tg_user else None,
        translator.default_locale,
    )
    text = translator.get(locale, "error-apology")
    try:
        # A button's query is already answered by CallbackAnswerMiddleware: write instead.
        if update.callback_query is not None:
            await bot.send_message(update.callback_query.from_user.id, text)
        elif update.message is not None:
            await bot.send_message(update.message.chat.id, text)
    except TelegramAPIError as exc:
        logger.warning("update=%s: could not apologise: %s", update.update_id, exc)
