"""/events and «📅 События»: a volunteer's calendar (issue 18). The upcoming events that want
them and their own sign-ups; an event's card signs up (a slot, or the waiting list when the
slots are gone) or cancels (the first waiting person gets the slot). The «Записаться» under an
invitation and the «Не смогу» under a reminder land here too."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.filters import Button
from bot.keyboards import events as kb
from bot.keyboards.callbacks import EventCb
from bot.keyboards.menus import main_menu
from bot.services import events
from bot.services.events import Mine, Outcome
from bot.services.users import Roles
from bot.telegram import edit_text
from models import EventStatus

router = Router(name=__name__)


async def _list_text(
    i18n: I18nContext, db: AsyncSession, user_id: int, clock: Clock
) -> tuple[str, list[tuple[Mine, str]]]:
    items = await events.upcoming_for(db, user_id, clock.now())
    if not items:
        return i18n.get("evt-my-empty"), []
    labelled = []
    for item in items:
        details = await events.details(db, item.event, i18n.locale)
        labelled.append((item, f"{details['when']} · {events.title_of(item.event, i18n.locale)}"))
    return i18n.get("evt-my-title"), labelled


async def _card_text(i18n: I18nContext, db: AsyncSession, item: Mine, *, open_: bool = True) -> str:
    """The event and where the volunteer stands; a closed one (called off, over, begun)
    says so instead of offering a sign-up."""
    details = await events.details(db, item.event, i18n.locale)
    if item.event.status == EventStatus.CANCELLED:
        where = i18n.get("evt-you-called-off")
    elif item.status == "going":
        where = i18n.get("evt-you-going")
    elif item.status == "waiting":
        where = i18n.get("evt-you-waiting", position=item.position)
    elif not open_:
        where = i18n.get("evt-closed")
    else:
        where = i18n.get("evt-you-free", free=details["free"])
    return i18n.get("evt-card", **details) + "\n\n" + where


@router.message(Command("events", ignore_case=True), StateFilter(None))
@router.message(Button("btn-events"), StateFilter(None))
async def cmd_events(
    message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles, clock: Clock
) -> None:
    if not roles.is_volunteer:
        await message.answer(i18n.get("evt-not-volunteer"), reply_markup=main_menu(i18n.get, roles))
        return
    text, items = await _list_text(i18n, db, message.chat.id, clock)
    await message.answer(text, reply_markup=kb.volunteer_list(items))


@router.callback_query(EventCb.filter(F.action == "list"))
async def cb_list(query: CallbackQuery, i18n: I18nContext, db: AsyncSession, clock: Clock) -> None:
    text, items = await _list_text(i18n, db, query.from_user.id, clock)
    if isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=kb.volunteer_list(items))


async def _show(
    query: CallbackQuery,
    i18n: I18nContext,
    db: AsyncSession,
    event_id: int,
    callback_answer: CallbackAnswer,
    clock: Clock,
) -> None:
    item = await events.mine(db, event_id, query.from_user.id)
    if item is None:
        callback_answer.text = i18n.get("stale-button")
        callback_answer.show_alert = True
        return
    if not isinstance(query.message, Message):
        return
    open_ = item.event.status == EventStatus.OPEN and item.event.starts_at > clock.now()
    markup = kb.volunteer_card(i18n.get, event_id, item.status, open_=open_)
    text = await _card_text(i18n, db, item, open_=open_)
    await edit_text(query.message, text, reply_markup=markup)


@router.callback_query(EventCb.filter(F.action == "open"))
async def cb_open(
    query: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
) -> None:
    await _show(query, i18n, db, callback_data.id, callback_answer, clock)


JOIN_ANSWERS = {
    Outcome.GOING: "evt-joined",
    Outcome.WAITING: "evt-waiting",
    Outcome.ALREADY_GOING: "evt-already-going",
    Outcome.ALREADY_WAITING: "evt-already-waiting",
    Outcome.CLOSED: "evt-closed",
    Outcome.NOT_ELIGIBLE: "evt-not-for-you",
}


@router.callback_query(EventCb.filter(F.action == "join"))
async def cb_join(
    query: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
) -> None:
    result = await events.sign_up(db, callback_data.id, query.from_user.id, clock.now())
    callback_answer.text = i18n.get(JOIN_ANSWERS[result.outcome], position=result.position)
    callback_answer.show_alert = result.outcome not in (Outcome.GOING, Outcome.ALREADY_GOING)
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return
    if result.outcome in (Outcome.CLOSED, Outcome.NOT_ELIGIBLE) or result.event is None:
        await edit_text(message, message.html_text)  # its buttons go
        return
    item = Mine(result.event, "going" if result.outcome.endswith("going") else "waiting")
    if item.status == "waiting":
        item = Mine(result.event, "waiting", result.position)
    await edit_text(
        message,
        await _card_text(i18n, db, item),
        reply_markup=kb.volunteer_card(i18n.get, callback_data.id, item.status),
    )


@router.callback_query(EventCb.filter(F.action == "leave"))
async def cb_leave(
    query: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    result = await events.cancel(
        db,
        callback_data.id,
        query.from_user.id,
        clock.now(),
        data=kb.button_data,
        default_locale=settings.default_locale,
    )
    message = query.message if isinstance(query.message, Message) else None
    if result.was is None:
        callback_answer.text = i18n.get("evt-nothing-to-cancel")
        callback_answer.show_alert = True
        if message is not None:
            await edit_text(message, message.html_text)
        return
    callback_answer.text = i18n.get("evt-cancelled")
    item = await events.mine(db, callback_data.id, query.from_user.id)
    if message is None:
        return
    if item is None:  # no longer wanted (their skills changed): the card just loses buttons
        await edit_text(message, message.html_text)
        return
    await edit_text(
        message,
        await _card_text(i18n, db, item),
        reply_markup=kb.volunteer_card(i18n.get, callback_data.id, item.status),
    )
