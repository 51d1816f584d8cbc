"""The last line of defence: apologise in the person's language, log once, keep running."""

from __future__ import annotations

import logging
import traceback

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram_i18n import I18nContext

from bot.i18n import Translator
from bot.services.language import negotiate_locale
from bot.update_info import sender_of

router = Router(name=__name__)
logger = logging.getLogger(__name__)


@router.error()
async def on_error(
    event: ErrorEvent, bot: Bot, translator: Translator, i18n: I18nContext | None = None
) -> None:
    update = event.update
    # The exception's type and the code path, not its message: that could hold personal data.
    logger.error(
        "update=%s failed: %s\n%s",
        update.update_id,
        type(event.exception).__name__,
        "".join(traceback.format_tb(event.exception.__traceback__)).rstrip(),
    )
    # The person's ORM row may be expired by the rollback: use the locale already worked out.
    if i18n is not None:
        locale = i18n.locale
    else:
        # Never update.event: it raises for a kind of update aiogram does not know.
        tg_user = sender_of(update)
        code = tg_user.language_code if tg_user else None
        locale = negotiate_locale(None, code, translator.default_locale)
    text = translator.get(locale, "error-apology")
    try:
        # A button's query is already answered by CallbackAnswerMiddleware: write instead.
        if update.callback_query is not None:
            await bot.send_message(update.callback_query.from_user.id, text)
        elif update.message is not None:
            await bot.send_message(update.message.chat.id, text)
    except TelegramAPIError as exc:
        logger.warning("update=%s: could not apologise: %s", update.update_id, exc)
