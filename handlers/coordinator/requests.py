"""/requests: the help requests of a coordinator's territories (the HQ sees all), oldest open
first, with a card (personal data: on record in the audit log), "could not help" with a reason
the requester reads, and erasing a person's data on their demand. /hotline enters a request
for someone who phoned the HQ."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.filters import ANSWER, SPOKEN
from bot.formatting import local
from bot.keyboards import requests as kb
from bot.keyboards.callbacks import CoordRequestCb
from bot.keyboards.menus import cancel_menu, main_menu
from bot.presenters import request_fields
from bot.services import (
    audit,
    call_backs,
    erasure,
    help_requests,
    volunteers,
)
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.citizen import request_form
from handlers.coordinator.request_history_view import history_lines
from handlers.coordinator.rescope import still_in_scope
from models import HelpRequest, Territory, User, Volunteer

router = Router(name=__name__)
PAGE = 10
FAIL_REASON_MAX = 300  # close_reason's column


class FailReason(StatesGroup):
    reason = State()


@router.message(Command("hotline", ignore_case=True), StateFilter(None))
async def cmd_hotline(message: Message, roles: Roles, **kwargs: Any) -> None:
    waiting = await call_backs.count_open(kwargs["db"])
    if waiting:  # people who asked to be called back come first
        await message.answer(kwargs["i18n"].get("cb-hotline-note", count=waiting))
    scope = None if roles.is_hq else sorted(roles.territory_ids)
    await request_form.start_form(message, hotline=True, scope=scope, roles=roles, **kwargs)


async def request_in_scope(
    db: AsyncSession,
    request_id: int,
    roles: Roles,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
) -> HelpRequest | None:
    request = await db.get(HelpRequest, request_id)
    if request is None or not roles.can_act_in(request.territory_id):
        callback_answer.text = i18n.get("coord-request-not-yours" if request else "stale-button")
        callback_answer.show_alert = True
        return None
    return request


async def card(i18n: I18nContext, db: AsyncSession, request: HelpRequest, hq_zone: ZoneInfo) -> str:
    _ = i18n.get
    territory = await db.get(Territory, request.territory_id)
    fields = request_fields(_, request)
    lines = [
        _(
            "coord-request-card",
            **fields,
            territory=html.quote(territory.name(i18n.locale) if territory else "?"),
            created=local(request.created_at, territory.timezone if territory else None, hq_zone),
        )
    ]
    if request.caller_phone:
        phone = html.quote(volunteers.format_phone(request.caller_phone))
        lines.append(_("rq-caller-line", phone=phone))
    elif request.requester_id is not None:
        requester = await db.get(User, request.requester_id)
        name = requester.first_name if requester else "-"
        lines.append(_("coord-request-requester", name=html.quote(name), user=request.requester_id))
    if request.volunteer_id is not None:
        volunteer = await db.get(Volunteer, request.volunteer_id)
        if volunteer is not None:
            lines.append(
                _(
                    "coord-request-volunteer",
                    name=html.quote(volunteer.name),
                    phone=html.quote(volunteers.format_phone(volunteer.phone)),
                )
            )
    if request.report:
        lines.append(
            _(
                "coord-request-report",
                report=html.quote(request.report),
                hours=request.hours or 0,
            )
        )
    if request.rating:
        lines.append(_("coord-request-rating", stars="★" * request.rating))
    for volunteer_id, reason in await help_requests.declines_of(db, request.id):
        declined = await db.get(Volunteer, volunteer_id)
        lines.append(
            _(
                "coord-request-declined",
                name=html.quote(declined.name if declined else "-"),
                reason=html.quote(reason or "-"),
            )
        )
    if request.close_reason:
        lines.append(_("request-card-reason", reason=html.quote(request.close_reason)))
    if await help_requests.unattended_ids(db, [request.id]):
        lines.append(_("coord-request-unattended-line"))
    lines += await history_lines(i18n, db, request, hq_zone)  # the console (issue 19)
    return "\n".join(lines)


@router.callback_query(CoordRequestCb.filter(F.action == "open"))
async def cb_open(
    query: CallbackQuery,
    callback_data: CoordRequestCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    bot: Bot,
    settings: Settings,
) -> None:
    request = await request_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if request is None:
        return
    text = await card(i18n, db, request, settings.tz)
    await audit.record(
        db,
        actor_id=query.from_user.id,
        action="view_request",
        now=clock.now(),
        roles=roles,
        target=f"request:{request.id}",
    )
    markup = kb.coord_card(i18n.get, request)
    receipt = request.receipt_file_id
    await bot.send_message(query.from_user.id, text, reply_markup=markup)
    if receipt:
        await bot.send_photo(query.from_user.id, receipt)


@router.callback_query(CoordRequestCb.filter(F.action == "fail"))
async def cb_fail(
    query: CallbackQuery,
    callback_data: CoordRequestCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
) -> None:
    request = await request_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if request is None:
        return
    if request.status not in help_requests.OPEN:
        callback_answer.text = i18n.get(
            "coord-request-not-open", id=request.id, status=request.status
        )
        callback_answer.show_alert = True
        return
    if await state.get_state() is not None:  # another form is open: do not wipe it
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    await state.set_state(FailReason.reason)
    await state.set_data({"request_id": request.id})
    await bot.send_message(
        query.from_user.id,
        i18n.get("coord-ask-fail-reason", id=request.id),
        reply_markup=cancel_menu(i18n.get),
    )


@router.message(FailReason.reason, ANSWER)
async def process_fail_reason(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
) -> None:
    reason = volunteers.clean_reason(message.text)
    if reason is None or len(reason) > FAIL_REASON_MAX:
        await message.answer(i18n.get("coord-bad-fail-reason", max=FAIL_REASON_MAX))
        return
    request_id = int((await state.get_data())["request_id"])
    await state.clear()
    request = await db.get(HelpRequest, request_id)
    if request is not None and not await still_in_scope(
        message, request.territory_id, f"request:{request_id}", request_id,
        i18n, db, roles, clock,
    ):  # fmt: skip
        return
    if request is None or not roles.can_act_in(request.territory_id):
        await message.answer(
            i18n.get("coord-request-not-yours"), reply_markup=main_menu(i18n.get, roles)
        )
        return
    now = clock.now()
    failed = await help_requests.fail(db, request_id, reason, now)
    if failed:
        await audit.record(
            db,
            actor_id=message.chat.id,
            action="request_failed",
            now=now,
            roles=roles,
            target=f"request:{request_id}",
            details={"reason": reason},
        )
    await db.refresh(request)
    status = request.status
    key = "coord-request-failed" if failed else "coord-request-not-open"
    await message.answer(
        i18n.get(key, id=request_id, status=status), reply_markup=main_menu(i18n.get, roles)
    )


@router.message(StateFilter(FailReason.reason), ~F.text.startswith("/"), ~SPOKEN)
async def fail_reason_not_text(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("coord-bad-fail-reason", max=FAIL_REASON_MAX))


@router.callback_query(CoordRequestCb.filter(F.action == "erase"))
async def cb_erase_ask(
    query: CallbackQuery,
    callback_data: CoordRequestCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
) -> None:
    request = await request_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if request is None:
        return
    await bot.send_message(
        query.from_user.id,
        i18n.get("coord-erase-confirm", id=request.id),
        reply_markup=kb.erase_confirm(i18n.get, request.id),
    )


@router.callback_query(CoordRequestCb.filter(F.action == "erase_yes"))
async def cb_erase(
    query: CallbackQuery,
    callback_data: CoordRequestCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    request = await request_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if request is None:
        return
    now = clock.now()
    await audit.record(
        db,
        actor_id=query.from_user.id,
        action="request_erased",
        now=now,
        roles=roles,
        target=f"request:{request.id}",
    )
    # In bounded steps (bot/services/erasure.py), as /forget: the first chunk here (it
    # cancels an open request), the rest after the button is answered, if any remains.
    erasure_id = await erasure.begin(db, erasure.REQUEST, request.id, query.from_user.id, now)
    if await erasure.run_some(db, erasure_id, now) is not erasure.Outcome.FINISHED:
        callback_answer.disable()
        await query.answer(i18n.get("coord-request-erasing", id=request.id))
        if not await erasure.run(sessionmaker, erasure_id, clock):
            return  # another runner finished it, and tells them
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("coord-request-erased", id=request.id))
