""" "My requests": the requester's list, a card per request, cancel, and rating with thanks."""

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
from bot.filters import ANSWER, SPOKEN, Button
from bot.formatting import local_date
from bot.keyboards import requests as kb
from bot.keyboards import series as series_kb
from bot.keyboards.callbacks import MyRequestCb
from bot.keyboards.menus import main_menu, step_menu
from bot.presenters import request_fields
from bot.services import help_requests, series
from bot.services.cleaning import clean_bounded
from bot.services.users import Roles
from bot.telegram import edit_text
from models import HelpRequest, RequestStatus, Territory, Volunteer

router = Router(name=__name__)

COMMENT_MAX = 500
LIST_SIZE = 10


class Rating(StatesGroup):
    comment = State()


@router.message(Command("myrequests", ignore_case=True), StateFilter(None))
@router.message(Button("btn-my-requests"), StateFilter(None))
async def cmd_my_requests(
    message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles, settings: Settings
) -> None:
    requests = await help_requests.requests_of(db, message.chat.id, limit=LIST_SIZE)
    zones = {r.id: await _zone_name(db, r) for r in requests}
    if not requests:
        await message.answer(i18n.get("my-requests-empty"), reply_markup=main_menu(i18n.get, roles))
        return
    lines = [i18n.get("my-requests-title")]
    lines += [
        i18n.get(
            "my-requests-line",
            id=r.id,
            kind=r.kind,
            status=r.status,
            date=local_date(r.created_at, zones[r.id], settings.tz),
        )
        # past its window and still open (issue 19)
        + (i18n.get("esc-overdue-mark") if r.overdue and r.status in help_requests.OPEN else "")
        for r in requests
    ]
    # Recurring help (issue 19): each series' card is a tap away.
    repeating = await series.series_of(db, message.chat.id)
    markup = series_kb.with_row(
        kb.my_requests(i18n.get, requests), [series_kb.open_button(i18n.get, s) for s in repeating]
    )
    await message.answer("\n".join(lines), reply_markup=markup)


async def _zone_name(db: AsyncSession, request: HelpRequest) -> str | None:
    territory = await db.get(Territory, request.territory_id)
    return territory.timezone if territory else None


async def _own(db: AsyncSession, request_id: int, user_id: int) -> HelpRequest | None:
    request = await db.get(HelpRequest, request_id)
    if request is None or request.requester_id != user_id:
        return None
    return request


async def card_text(i18n: I18nContext, db: AsyncSession, request: HelpRequest) -> str:
    _ = i18n.get
    lines = [_("request-card", **request_fields(_, request))]
    if request.volunteer_id is not None and request.status in (
        RequestStatus.TAKEN,
        RequestStatus.ON_WAY,
        RequestStatus.DONE,
    ):
        volunteer = await db.get(Volunteer, request.volunteer_id)
        name = volunteer.name.split()[0] if volunteer and volunteer.name else "-"
        lines.append(_("request-card-volunteer", name=html.quote(name), code=request.door_code))
    if request.overdue and request.status in help_requests.OPEN:  # issue 19
        lines.append(_("esc-overdue-line"))
    if request.rating:
        lines.append(_("request-card-rating", stars="★" * request.rating))
    if request.close_reason and request.status == RequestStatus.FAILED:
        lines.append(_("request-card-reason", reason=html.quote(request.close_reason)))
    return "\n".join(lines)


@router.callback_query(MyRequestCb.filter(F.action == "open"))
async def cb_open(
    query: CallbackQuery,
    callback_data: MyRequestCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    bot: Bot,
) -> None:
    request = await _own(db, callback_data.id, query.from_user.id)
    if request is None:
        callback_answer.text = i18n.get("rq-not-yours")
        callback_answer.show_alert = True
        return
    text = await card_text(i18n, db, request)
    markup = kb.request_actions(i18n.get, request)
    if request.status not in (RequestStatus.CANCELLED, RequestStatus.FAILED):
        # «🔁 Repeat», or the card of the series it began or belongs to (issue 19)
        repeating = await series.of_request(db, request.id)
        markup = series_kb.with_row(
            markup,
            [
                series_kb.open_button(i18n.get, repeating)
                if repeating
                else series_kb.repeat_button(i18n.get, request.id)
            ],
        )
    await bot.send_message(query.from_user.id, text, reply_markup=markup)


@router.callback_query(MyRequestCb.filter(F.action == "cancel"))
async def cb_cancel_ask(
    query: CallbackQuery,
    callback_data: MyRequestCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    bot: Bot,
) -> None:
    request = await _own(db, callback_data.id, query.from_user.id)
    if request is None:
        callback_answer.text = i18n.get("rq-not-yours")
        callback_answer.show_alert = True
        return
    if request.status not in help_requests.OPEN:
        callback_answer.text = i18n.get("rq-cannot-cancel", id=request.id, status=request.status)
        callback_answer.show_alert = True
        return
    await bot.send_message(
        query.from_user.id,
        i18n.get("rq-cancel-confirm", id=request.id),
        reply_markup=kb.cancel_confirm(i18n.get, request.id),
    )


@router.callback_query(MyRequestCb.filter(F.action == "cancel_yes"))
async def cb_cancel(
    query: CallbackQuery,
    callback_data: MyRequestCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
) -> None:
    request = await _own(db, callback_data.id, query.from_user.id)
    if request is None:
        callback_answer.text = i18n.get("rq-not-yours")
        callback_answer.show_alert = True
        return
    cancelled = await help_requests.cancel(db, request, query.from_user.id, clock.now())
    await db.refresh(request)
    if cancelled:
        text = i18n.get("rq-cancelled", id=request.id)
    else:
        text = i18n.get("rq-cannot-cancel", id=request.id, status=request.status)
    if isinstance(query.message, Message):
        await edit_text(query.message, text)


@router.callback_query(MyRequestCb.filter(F.action == "rate"))
async def cb_rate(
    query: CallbackQuery,
    callback_data: MyRequestCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    bot: Bot,
) -> None:
    request = await _own(db, callback_data.id, query.from_user.id)
    if request is None or request.status != RequestStatus.DONE or request.rating is not None:
        callback_answer.text = i18n.get("rq-cannot-rate")
        callback_answer.show_alert = True
        return
    await bot.send_message(
        query.from_user.id,
        i18n.get("rq-ask-rating", id=request.id),
        reply_markup=kb.stars(request.id),
    )


@router.callback_query(MyRequestCb.filter(F.action == "star"))
async def cb_star(
    query: CallbackQuery,
    callback_data: MyRequestCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
) -> None:
    rating = callback_data.value
    # The stars count at once (and thank the volunteer); the comment is an optional extra.
    rated = 1 <= rating <= 5 and await help_requests.rate(
        db, callback_data.id, query.from_user.id, rating, clock.now()
    )
    if not rated:
        callback_answer.text = i18n.get("rq-cannot-rate")
        callback_answer.show_alert = True
        return
    if isinstance(query.message, Message):
        await edit_text(query.message, f"{query.message.html_text} {'★' * rating}")
    if await state.get_state() is not None:  # another form is open: do not wipe it
        await bot.send_message(query.from_user.id, i18n.get("rq-rated"))
        return
    await state.set_state(Rating.comment)
    await state.set_data({"request_id": callback_data.id})
    await bot.send_message(
        query.from_user.id,
        i18n.get("rq-ask-comment"),
        reply_markup=step_menu(i18n.get, back=False, skip=True),
    )


@router.message(Rating.comment, Button("btn-skip"))
async def process_comment_skip(
    message: Message, state: FSMContext, i18n: I18nContext, roles: Roles
) -> None:
    await state.clear()
    await message.answer(i18n.get("rq-rated"), reply_markup=main_menu(i18n.get, roles))


@router.message(Rating.comment, ANSWER)
async def process_comment(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
) -> None:
    comment = clean_bounded(message.text, 1, COMMENT_MAX)
    if comment is None:
        await message.answer(i18n.get("rq-bad-comment"))
        return
    await _save_rating(message, state, i18n, db, clock, roles, comment)


@router.message(StateFilter(Rating.comment), ~F.text.startswith("/"), ~SPOKEN)
async def comment_not_text(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("rq-bad-comment"))


async def _save_rating(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    comment: str,
) -> None:
    data = await state.get_data()
    await state.clear()
    await help_requests.add_comment(
        db, int(data["request_id"]), message.chat.id, comment, clock.now()
    )
    await message.answer(i18n.get("rq-rated"), reply_markup=main_menu(i18n.get, roles))
