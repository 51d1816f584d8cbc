"""/appoint: an HQ coordinator makes someone a coordinator of territories, or of the HQ.

The person is found by Telegram id, @username, or a message of theirs forwarded here; they
must have started the bot. They are told in their own language, and their menu changes.
"""

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
from bot.filters import ANSWER, SPOKEN
from bot.keyboards.callbacks import ConfirmCb, TerritoryPickCb
from bot.keyboards.coordinators import confirm, territory_picker
from bot.keyboards.menus import cancel_menu, main_menu
from bot.services import audit, coordinators, outbox
from bot.services.outbox import OutgoingMessage, Text
from bot.services.territories import all_territories, by_ids
from bot.services.users import Roles
from bot.telegram import edit_text
from models import Priority, Territory

router = Router(name=__name__)


class Appoint(StatesGroup):
    person = State()
    territories = State()
    confirm = State()


@router.message(Command("appoint", ignore_case=True), StateFilter(None))
async def cmd_appoint(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    if not await all_territories(db):
        await message.answer(i18n.get("territories-none"))
        return
    await state.set_state(Appoint.person)
    await message.answer(i18n.get("appoint-ask-person"), reply_markup=cancel_menu(i18n.get))


@router.message(Appoint.person, F.forward_origin)
async def process_forwarded_person(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    origin = message.forward_origin
    sender = getattr(origin, "sender_user", None)
    if sender is None:
        await message.answer(i18n.get("appoint-person-hidden"))
        return
    await _person_chosen(message, state, i18n, db, str(sender.id))


@router.message(Appoint.person, ANSWER)
async def process_person(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    await _person_chosen(message, state, i18n, db, message.text or "")


async def _person_chosen(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, text: str
) -> None:
    person = await coordinators.find_person(db, text[:100])
    if person is None:
        await message.answer(i18n.get("appoint-person-unknown"))
        return
    await state.update_data(person_id=person.id, person_name=person.first_name, chosen=[], hq=False)
    await state.set_state(Appoint.territories)
    territories = await all_territories(db)
    await message.answer(
        i18n.get("appoint-pick-territories", name=html.quote(person.first_name)),
        reply_markup=territory_picker(i18n.get, territories, set(), False, 0, i18n.locale),
    )


@router.callback_query(Appoint.territories, TerritoryPickCb.filter())
async def cb_pick_territory(
    query: CallbackQuery,
    callback_data: TerritoryPickCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    data = await state.get_data()
    chosen: set[int] = set(data.get("chosen", []))
    hq: bool = data.get("hq", False)
    territories = await all_territories(db)
    if callback_data.action == "t" and callback_data.id in {t.id for t in territories}:
        chosen ^= {callback_data.id}
        hq = False
    elif callback_data.action == "hq":
        hq = not hq
    elif callback_data.action == "ok":
        if not hq and not chosen:
            callback_answer.text = i18n.get("appoint-pick-nothing")
            callback_answer.show_alert = True
            return
        await state.update_data(chosen=sorted(chosen), hq=hq)
        await state.set_state(Appoint.confirm)
        what = i18n.get("appoint-scope-hq") if hq else _names(await by_ids(db, chosen), i18n.locale)
        if isinstance(query.message, Message):
            await edit_text(
                query.message,
                i18n.get("appoint-confirm", name=html.quote(data["person_name"]), what=what),
                reply_markup=confirm(i18n.get, "ap"),
            )
        return
    await state.update_data(chosen=sorted(chosen), hq=hq)
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            i18n.get("appoint-pick-territories", name=html.quote(data["person_name"])),
            reply_markup=territory_picker(
                i18n.get, territories, chosen, hq, callback_data.page, i18n.locale
            ),
        )


def _names(territories: list[Territory], locale: str) -> str:
    return html.quote(", ".join(t.name(locale) for t in territories))


@router.callback_query(Appoint.confirm, ConfirmCb.filter(F.form == "ap"))
async def cb_confirm_appoint(
    query: CallbackQuery,
    callback_data: ConfirmCb,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    bot: Bot,
) -> None:
    data = await state.get_data()
    await state.clear()
    message = query.message if isinstance(query.message, Message) else None
    if not callback_data.ok:
        if message:
            await edit_text(message, i18n.get("form-cancelled"))
        await bot.send_message(
            query.from_user.id, i18n.get("menu-shown"), reply_markup=main_menu(i18n.get, roles)
        )
        return
    now = clock.now()
    person_id, hq = int(data["person_id"]), bool(data["hq"])
    territories = [] if hq else await by_ids(db, data["chosen"])
    await coordinators.appoint(
        db,
        user_id=person_id,
        territory_ids=[t.id for t in territories],
        hq=hq,
        actor_id=query.from_user.id,
        now=now,
    )
    entry = await audit.record(
        db,
        actor_id=query.from_user.id,
        action="appoint",
        now=now,
        roles=roles,
        target=f"user:{person_id}",
        details={"hq": hq, "territories": [t.code for t in territories]},
    )
    notice = (
        Text(key="coordinator-appointed-hq")
        if hq
        else Text(key="coordinator-appointed-territories", args={"count": len(territories)})
    )
    await outbox.enqueue(
        db,
        chat_id=person_id,
        message=OutgoingMessage(notice, main_menu=True),
        key=f"audit:{entry.id}:notice",
        now=now,
        priority=Priority.URGENT,
    )
    what = i18n.get("appoint-scope-hq") if hq else _names(territories, i18n.locale)
    if message:
        await edit_text(
            message, i18n.get("appoint-done", name=html.quote(data["person_name"]), what=what)
        )
    await bot.send_message(
        query.from_user.id, i18n.get("menu-shown"), reply_markup=main_menu(i18n.get, roles)
    )
    # The notice brings the person's new keyboard and command menu (bot/delivery).


@router.message(StateFilter(Appoint.territories, Appoint.confirm), ~F.text.startswith("/"), ~SPOKEN)
async def appoint_use_buttons(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("form-use-buttons"), reply_markup=cancel_menu(i18n.get))
