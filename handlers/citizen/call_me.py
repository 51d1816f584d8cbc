"""«📞 Call me back»: a citizen who cannot or will not fill the whole form asks the HQ to phone
them, in two taps: share the contact (or type the number), confirm. The coordinators get it on
their list (handlers/coordinator/call_backs.py) and fill the form from the call."""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.filters import ANSWER, Button
from bot.formatting import format_datetime
from bot.keyboards import call_backs as kb
from bot.keyboards.callbacks import CallMeCb
from bot.keyboards.menus import main_menu
from bot.services import call_backs, volunteers
from bot.services.users import Roles
from bot.telegram import edit_text

router = Router(name=__name__)


class CallMe(StatesGroup):
    phone = State()
    confirm = State()


OURS = (None, CallMe.phone.state, CallMe.confirm.state)


@router.message(Command("callme", ignore_case=True))
@router.message(Button("btn-call-me"))
async def cmd_call_me(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    settings: Settings,
    roles: Roles,
) -> None:
    if await state.get_state() not in OURS:
        # Another form is open (maybe a coordinator's hotline form): never wiped silently.
        await message.answer(i18n.get("cb-other-form"))
        return
    waiting = await call_backs.open_of(db, message.chat.id)
    if waiting is not None:
        await state.clear()
        await message.answer(
            i18n.get("cb-already-waiting", when=format_datetime(waiting.created_at, settings.tz)),
            reply_markup=main_menu(i18n.get, roles),
        )
        return
    await state.set_state(CallMe.phone)
    await state.set_data({})
    await message.answer(i18n.get("cb-ask-phone"), reply_markup=kb.share_contact(i18n.get))


@router.message(CallMe.phone, F.contact)
async def process_contact(message: Message, state: FSMContext, i18n: I18nContext) -> None:
    contact = message.contact
    assert contact is not None
    # Only the person's own number: someone else's contact is not who asked to be called.
    if contact.user_id != message.chat.id:
        await message.answer(i18n.get("cb-not-own-contact"))
        return
    await _ask_to_confirm(message, state, i18n, contact.phone_number)


@router.message(CallMe.phone, ANSWER)
async def process_phone(message: Message, state: FSMContext, i18n: I18nContext) -> None:
    await _ask_to_confirm(message, state, i18n, message.text or "")


async def _ask_to_confirm(
    message: Message, state: FSMContext, i18n: I18nContext, text: str
) -> None:
    phone = volunteers.normalize_phone(text)
    if phone is None:
        await message.answer(i18n.get("cb-bad-phone"))
        return
    await state.update_data(phone=phone)
    await state.set_state(CallMe.confirm)
    await message.answer(
        i18n.get("cb-summary", phone=html.quote(volunteers.format_phone(phone))),
        reply_markup=kb.confirm(i18n.get),
    )


@router.callback_query(CallMeCb.filter(F.action == "ok"))
async def cb_confirm(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
    roles: Roles,
    bot: Bot,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    phone = None
    if await state.get_state() == CallMe.confirm.state:
        phone = (await state.get_data()).get("phone")
    if phone is None:
        # A second tap after the first went through, or an old summary.
        waiting = await call_backs.open_of(db, query.from_user.id)
        if waiting is None:
            callback_answer.text = i18n.get("stale-button")
            callback_answer.show_alert = True
            return
        if message is not None:
            await edit_text(message, message.html_text)
        callback_answer.text = i18n.get(
            "cb-already-waiting", when=format_datetime(waiting.created_at, settings.tz)
        )
        callback_answer.show_alert = True
        return
    asked = await call_backs.ask(
        db,
        query.from_user.id,
        str(phone),
        clock.now(),
        admin_ids=settings.admin_ids,
        tz=settings.tz,
        buttons=kb.push_buttons,
    )
    when = format_datetime(asked.callback.created_at, settings.tz)
    await state.clear()
    if message is not None:
        await edit_text(message, message.html_text)  # the buttons leave the screen
    if asked.new:
        text = i18n.get("cb-sent", phone=html.quote(volunteers.format_phone(str(phone))))
    else:
        text = i18n.get("cb-already-waiting", when=when)
    await bot.send_message(query.from_user.id, text, reply_markup=main_menu(i18n.get, roles))


@router.callback_query(CallMeCb.filter(F.action == "no"))
async def cb_drop(
    query: CallbackQuery, state: FSMContext, i18n: I18nContext, roles: Roles, bot: Bot
) -> None:
    if await state.get_state() in (CallMe.phone.state, CallMe.confirm.state):
        await state.clear()
    if isinstance(query.message, Message):
        await edit_text(query.message, query.message.html_text)
    await bot.send_message(
        query.from_user.id, i18n.get("cb-dropped"), reply_markup=main_menu(i18n.get, roles)
    )


# --- anything else while asking: say kindly what to do ------------------------------------
@router.message(StateFilter(CallMe.phone), ~F.text.startswith("/"))
async def phone_unexpected(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("cb-phone-please"))


@router.message(StateFilter(CallMe.confirm), ~F.text.startswith("/"))
async def confirm_unexpected(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("cb-use-buttons"))
