"""The bot serves private chats only; in a group it points people to a private chat."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

router = Router(name=__name__)


async def _private_only_text(bot: Bot, i18n: I18nContext) -> str:
    me = await bot.me()
    return i18n.get("group-private-only", bot_username=me.username or "")


@router.my_chat_member(
    F.new_chat_member.status.in_({ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR})
)
async def on_added_to_group(event: ChatMemberUpdated, bot: Bot, i18n: I18nContext) -> None:
    await bot.send_message(event.chat.id, await _private_only_text(bot, i18n))


@router.message(F.text.startswith("/") | F.reply_to_message.from_user.is_bot)
async def group_command(message: Message, bot: Bot, i18n: I18nContext) -> None:
    await message.reply(await _private_only_text(bot, i18n))


@router.message()
async def group_chatter(message: Message) -> None:
    """Ordinary talk in a group is not for the bot: answering it would spam the group."""


@router.callback_query()
async def group_button(
    query: CallbackQuery, callback_answer: CallbackAnswer, bot: Bot, i18n: I18nContext
) -> None:
    callback_answer.text = await _private_only_text(bot, i18n)
    callback_answer.show_alert = True
