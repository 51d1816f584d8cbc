"""A coordinator unsticks a searching request from its card: offer it again to the fitting
volunteers, or assign it to a chosen one (the minimum so that nothing stays with nobody; the
fuller console is its own feature)."""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.formatting import local
from bot.keyboards import requests as kb
from bot.keyboards import series as series_kb
from bot.keyboards.callbacks import AssignCb, ReofferCb
from bot.services import audit, console, help_requests, volunteers
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.coordinator import console as console_handlers
from handlers.coordinator.requests import request_in_scope
from models import RequestStatus, Territory, Volunteer

router = Router(name=__name__)
PAGE = 8


@router.callback_query(ReofferCb.filter())
async def cb_reoffer(
    query: CallbackQuery,
    callback_data: ReofferCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    settings: Settings,
) -> None:
    callback_answer.show_alert = True
    request = await request_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if request is None:
        return
    now = clock.now()
    offered = await help_requests.reoffer(
        db,
        request.id,
        callback_data.round,
        now,
        take_data=kb.take_data(request.id),
        default_locale=settings.default_locale,
        actor_id=query.from_user.id,
    )
    if offered is None:
        await db.refresh(request)
        key = (
            "coord-request-not-searching"
            if request.status != RequestStatus.NEW
            else "coord-request-reoffered-already"
        )
        callback_answer.text = i18n.get(key, id=request.id, status=request.status)
        return
    await audit.record(
        db,
        actor_id=query.from_user.id,
        action="request_reoffered",
        now=now,
        roles=roles,
        target=f"request:{request.id}",
        details={"offered": len(offered)},
    )
    if offered:
        callback_answer.text = i18n.get(
            "coord-request-reoffered", id=request.id, count=len(offered)
        )
    else:
        callback_answer.text = i18n.get("coord-request-reoffer-nobody", id=request.id)


@router.callback_query(AssignCb.filter(F.volunteer == 0))
async def cb_assign_list(
    query: CallbackQuery,
    callback_data: AssignCb,
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
    held = request.status in (RequestStatus.TAKEN, RequestStatus.ON_WAY)
    if held != callback_data.re or request.status not in help_requests.OPEN:
        # assign only a searching request; the console's reassign only a held one
        key = "console-request-not-held" if callback_data.re else "coord-request-not-searching"
        callback_answer.text = i18n.get(key, id=request.id, status=request.status)
        callback_answer.show_alert = True
        return
    candidates = await console_handlers.candidates_for(db, request, clock)
    request_id, kind = request.id, request.kind
    if not candidates:
        callback_answer.text = i18n.get("coord-assign-nobody", id=request_id)
        callback_answer.show_alert = True
        return
    offset = min(callback_data.offset, max(0, len(candidates) - 1))
    page = candidates[offset : offset + PAGE]
    markup = kb.assign_list(
        i18n.get,
        request_id,
        [(v.name, v.id, tasks) for v, tasks in page],
        offset=offset,
        total=len(candidates),
        page_size=PAGE,
        reassign=callback_data.re,
    )
    text = "\n".join(
        [
            i18n.get("coord-assign-title", id=request_id, kind=kind)
            if request.status == RequestStatus.NEW
            else i18n.get("console-reassign-title", id=request_id, kind=kind),
            *await console_handlers.candidate_lines(i18n, db, request, page, settings.tz),
        ]
    )
    if callback_data.offset and isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)  # turning a page
    else:
        await bot.send_message(query.from_user.id, text, reply_markup=markup)


@router.callback_query(AssignCb.filter(F.volunteer > 0))
async def cb_assign(
    query: CallbackQuery,
    callback_data: AssignCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    settings: Settings,
) -> None:
    callback_answer.show_alert = True
    request = await request_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if request is None:
        return
    now = clock.now()
    volunteer = await db.get(Volunteer, callback_data.volunteer)
    today = await volunteers.local_today(db, request.territory_id, now)
    # The same people the list offers (a forged or stale button cannot pick someone else:
    # another territory, paused, blocked, the requester, or one who said they cannot).
    usable = volunteer is not None and volunteer.id in {
        v.id for v, _ in await help_requests.assignable(db, request, today)
    }
    if volunteer is None or not usable:
        callback_answer.text = i18n.get("coord-assign-unavailable")
        return
    former = request.volunteer_id if callback_data.re else None
    if not callback_data.re and settings.assign_accept_minutes > 0:
        # The HQ asks first: the volunteer accepts within the time limit, or everyone fits.
        until = await console.ask(
            db,
            request.id,
            volunteer,
            now,
            minutes=settings.assign_accept_minutes,
            actor_id=query.from_user.id,
            take_data=kb.take_data(request.id),
            decline_data=series_kb.decline_data(request.id),
            default_locale=settings.default_locale,
        )
        if until is None:
            await db.refresh(request)
            key = (
                "coord-request-not-searching"
                if request.status != RequestStatus.NEW
                else "console-ask-running"
            )
            callback_answer.text = i18n.get(key, id=request.id, status=request.status)
            return
        await audit.record(
            db, actor_id=query.from_user.id, action="request_asked", now=now, roles=roles,
            target=f"request:{request.id}", details={"volunteer": volunteer.id},
        )  # fmt: skip
        territory = await db.get(Territory, request.territory_id)
        deadline = local(until, territory.timezone if territory else None, settings.tz)
        text = i18n.get(
            "console-asked", id=request.id, name=html.quote(volunteer.name), until=deadline
        )
        callback_answer.show_alert = False
        callback_answer.text = i18n.get(
            "console-asked", id=request.id, name=volunteer.name, until=deadline
        )
        if isinstance(query.message, Message):
            await edit_text(query.message, text)
        return
    if not callback_data.re:  # a stale or second assign never takes a request from someone
        assigned = await help_requests.assign(
            db,
            request.id,
            volunteer,
            now,
            open_data=kb.open_task_data(request.id),
            default_locale=settings.default_locale,
            actor_id=query.from_user.id,
        )
    else:  # the console: someone holds it, give it to another
        assigned = await console.reassign(
            db,
            request.id,
            volunteer,
            now,
            actor_id=query.from_user.id,
            open_data=kb.open_task_data(request.id),
            default_locale=settings.default_locale,
        )
    if assigned is None:
        await db.refresh(request)
        key = "console-request-not-held" if callback_data.re else "coord-request-not-searching"
        callback_answer.text = i18n.get(key, id=request.id, status=request.status)
        return
    await audit.record(
        db,
        actor_id=query.from_user.id,
        action="request_reassigned" if callback_data.re else "request_assigned",
        now=now,
        roles=roles,
        target=f"request:{request.id}",
        details={"volunteer": volunteer.id, **({"former": former} if former else {})},
    )
    name = volunteer.name
    text = i18n.get("coord-request-assigned", id=request.id, name=html.quote(name))
    callback_answer.show_alert = False
    callback_answer.text = i18n.get("coord-request-assigned", id=request.id, name=name)
    if isinstance(query.message, Message):
        await edit_text(query.message, text)
