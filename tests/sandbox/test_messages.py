"""sendMessage / edits / deletes / chat actions and their Telegram errors."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)

from bot.sandbox import Emulator, Person

from .conftest import drain


def dumped(markup: object) -> object:
    # Returned objects carry a bot reference, so compare plain data.
    return markup.model_dump() if isinstance(markup, InlineKeyboardMarkup) else markup


def inline(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=label)] for label in labels
        ]
    )


async def test_send_message_shape(bot: Bot, alice: Person) -> None:
    sent = await bot.send_message(alice.id, "Hello, <b>Алия</b> &amp; co", parse_mode="HTML")
    assert sent.text == "Hello, Алия & co"
    assert sent.entities is not None
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 7, 4)]
    assert sent.chat.id == alice.id and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.message_id == 2  # the person's /start was message 1 in this chat
    again = await bot.send_message(alice.id, "next")
    assert again.message_id == 3
    assert again.entities is None
    assert alice.last_bot_message is not None and alice.last_bot_message.text == "next"


async def test_only_inline_keyboards_are_echoed(bot: Bot, alice: Person) -> None:
    with_inline = await bot.send_message(alice.id, "a", reply_markup=inline("Yes"))
    assert dumped(with_inline.reply_markup) == inline("Yes").model_dump()
    keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Menu")]], resize_keyboard=True)
    with_reply = await bot.send_message(alice.id, "b", reply_markup=keyboard)
    assert with_reply.reply_markup is None
    assert alice.reply_keyboard == [["Menu"]]
    forced = await bot.send_message(alice.id, "c", reply_markup=ForceReply(force_reply=True))
    assert forced.reply_markup is None
    assert alice.reply_keyboard == [["Menu"]]  # persists until removed or replaced
    removed = await bot.send_message(
        alice.id, "d", reply_markup=ReplyKeyboardRemove(remove_keyboard=True)
    )
    assert removed.reply_markup is None
    assert alice.reply_keyboard is None


async def test_text_errors(bot: Bot, alice: Person) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(alice.id, "")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(alice.id, "<b> </b>", parse_mode="HTML")
    await bot.send_message(alice.id, "я" * 4096)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(alice.id, "я" * 4097)
    # Length counts after entity parsing.
    await bot.send_message(alice.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.send_message(alice.id, "<b>oops", parse_mode="HTML")
    assert caught.value.message == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag b"
    )


async def test_callback_data_is_limited_in_bytes(bot: Bot, alice: Person) -> None:
    await bot.send_message(alice.id, "ok", reply_markup=inline("x" * 64))
    await bot.send_message(alice.id, "ok", reply_markup=inline("ж" * 32))  # 64 bytes
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await bot.send_message(alice.id, "no", reply_markup=inline("ж" * 33))  # 66 bytes
    with pytest.raises(TelegramBadRequest, match="text buttons are unallowed"):
        await bot.send_message(
            alice.id,
            "no",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x")]]),
        )


async def test_unknown_and_unstarted_chats(emu: Emulator, bot: Bot, alice: Person) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(424242, "hello")
    emu.user(2002, first_name="Silent")  # exists but never wrote to the bot
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(2002, "hello")
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message("@nobody", "hello")


async def test_missing_chat_id(emu: Emulator) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        url = f"{emu.base_url}/bot123456:sandbox-token/sendMessage"
        async with http.post(url, json={"text": "x"}) as resp:
            assert resp.status == 400
            assert (await resp.json())["description"] == "Bad Request: chat_id is empty"
        async with http.post(url, json={"chat_id": 1}) as resp:
            assert (await resp.json())["description"] == "Bad Request: message text is empty"


async def test_blocked_user_is_forbidden(bot: Bot, alice: Person) -> None:
    await alice.block()
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(alice.id, "hello?")
    await alice.unblock()
    assert (await bot.send_message(alice.id, "welcome back")).text == "welcome back"


async def test_edit_message_text(bot: Bot, alice: Person) -> None:
    sent = await bot.send_message(alice.id, "v1", reply_markup=inline("A"))
    edited = await bot.edit_message_text(
        text="<i>v2</i>",
        chat_id=alice.id,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=inline("B"),
    )
    assert not isinstance(edited, bool)
    assert edited.text == "v2" and edited.edit_date is not None
    assert dumped(edited.reply_markup) == inline("B").model_dump()
    view = alice.messages[-1]
    assert (view.text, view.buttons, view.edit_date is not None) == ("v2", [["B"]], True)
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.edit_message_text(
            text="<i>v2</i>",
            chat_id=alice.id,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=inline("B"),
        )
    assert caught.value.message == (
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message"
    )
    # Editing text without reply_markup removes the inline keyboard, as in Telegram.
    plain = await bot.edit_message_text(text="v3", chat_id=alice.id, message_id=sent.message_id)
    assert not isinstance(plain, bool) and plain.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=alice.id, message_id=999)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message can't be edited"):
        await bot.edit_message_text(text="x", chat_id=alice.id, message_id=1)  # alice's /start


async def test_edit_reply_markup(bot: Bot, alice: Person) -> None:
    sent = await bot.send_message(alice.id, "pick", reply_markup=inline("A", "B"))
    edited = await bot.edit_message_reply_markup(
        chat_id=alice.id, message_id=sent.message_id, reply_markup=inline("C")
    )
    assert not isinstance(edited, bool) and dumped(edited.reply_markup) == inline("C").model_dump()
    assert alice.messages[-1].buttons == [["C"]]
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=alice.id, message_id=sent.message_id, reply_markup=inline("C")
        )
    await bot.edit_message_reply_markup(chat_id=alice.id, message_id=sent.message_id)
    assert alice.messages[-1].buttons == []


async def test_delete_message(bot: Bot, alice: Person) -> None:
    sent = await bot.send_message(alice.id, "temporary")
    assert await bot.delete_message(alice.id, sent.message_id) is True
    assert [m.text for m in alice.messages] == ["/start"]
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=alice.id, message_id=sent.message_id)


async def test_reply_parameters(bot: Bot, alice: Person) -> None:
    answer = await bot.send_message(alice.id, "re", reply_parameters=ReplyParameters(message_id=1))
    assert answer.reply_to_message is not None and answer.reply_to_message.text == "/start"
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(alice.id, "re", reply_parameters=ReplyParameters(message_id=77))


async def test_send_chat_action(bot: Bot, alice: Person) -> None:
    assert await bot.send_chat_action(alice.id, "typing") is True
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(alice.id, "dancing")


async def test_group_chat(emu: Emulator, bot: Bot, alice: Person) -> None:
    bob = emu.user(1002, first_name="Bob", language_code="ru")
    group = emu.group(-1001, title="HQ", members=[alice, bob])
    joined = await drain(bot)
    assert joined[0].my_chat_member is not None
    assert joined[0].my_chat_member.new_chat_member.status == "member"
    await bob.send_text("hi all", chat=group)
    (update,) = await drain(bot)
    assert update.message is not None and update.message.chat.title == "HQ"
    assert update.message.chat.type == "group"
    await bot.send_message(-1001, "hello group")
    (reply,) = await group.wait_messages(1, timeout=1)
    assert reply.text == "hello group"
    # Bob wrote only in the group: the bot knows him but cannot start a private chat.
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(bob.id, "psst")
