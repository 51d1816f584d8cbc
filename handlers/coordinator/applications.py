"""Coordinators decide on volunteer applications of their territories: from the push, or from
/applications (oldest first, paged). Exactly one decision counts; the others are told who
decided and when, and every coordinator's push is updated."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.filters import ANSWER, SPOKEN
from bot.formatting import local
from bot.i18n import Translator
from bot.keyboards.callbacks import ApplicationCb
from bot.keyboards.menus import cancel_menu, main_menu
from bot.keyboards.requests import take_data
from bot.keyboards.volunteers import decision, open_buttons
from bot.presenters import application_card
from bot.services import audit, help_requests, outbox, volunteers
from bot.services.outbox import OutgoingMessage, Text
from bot.services.users import Roles, get_user, locale_of
from bot.telegram import edit_text
from handlers.coordinator.rescope import still_in_scope
from handlers.coordinator.scope import volunteer_in_scope
from models import Priority, Territory, Volunteer, VolunteerStatus

router = Router(name=__name__)
PAGE = 5


class Reject(StatesGroup):
    reason = State()


async def _territory_name(db: AsyncSession, volunteer: Volunteer, locale: str) -> str:
    territory = await db.get(Territory, volunteer.territory_id)
    return territory.name(locale) if territory else "?"


async def _when(
    db: AsyncSession, volunteer: Volunteer, moment: datetime, settings: Settings
) -> str:
    """A moment of this application in its territory's time zone."""
    territory = await db.get(Territory, volunteer.territory_id)
    return local(moment, territory.timezone if territory else None, settings.tz)


async def _decided_text(
    i18n: I18nContext, db: AsyncSession, volunteer: Volunteer, settings: Settings
) -> str:
    if volunteer.decided_by is None:  # withdrawn (left, erased) before anyone decided
        return i18n.get("application-withdrawn")
    decider = await get_user(db, volunteer.decided_by)
    verdict = {
        VolunteerStatus.REJECTED: "verdict-rejected",
        VolunteerStatus.BLOCKED: "verdict-blocked",
    }.get(VolunteerStatus(volunteer.status), "verdict-approved")
    return i18n.get(
        "application-already-decided",
        verdict=i18n.get(verdict),
        who=html.quote(decider.first_name if decider else str(volunteer.decided_by)),
        when=await _when(db, volunteer, volunteer.decided_at, settings)
        if volunteer.decided_at
        else "-",
    )


@router.message(Command("applications", ignore_case=True))
async def cmd_applications(
    message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles, settings: Settings
) -> None:
    text, markup = await _page(i18n, db, roles, settings, 0)
    await message.answer(text, reply_markup=markup)


async def _page(
    i18n: I18nContext, db: AsyncSession, roles: Roles, settings: Settings, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    rows, total = await volunteers.pending_in_scope(db, roles, offset=offset, limit=PAGE)
    if not rows:
        return i18n.get("applications-empty"), None
    lines = [i18n.get("applications-title", first=offset + 1, last=offset + len(rows), total=total)]
    for row in rows:
        lines.append(
            i18n.get(
                "applications-row",
                id=row.id,
                name=html.quote(row.name),
                territory=html.quote(await _territory_name(db, row, i18n.locale)),
                when=await _when(db, row, row.created_at, settings),
            )
        )
    keyboard = open_buttons(i18n.get, [row.id for row in rows])
    paging = []
    if offset > 0:
        paging.append(
            (i18n.get("btn-prev"), ApplicationCb(id=max(0, offset - PAGE), action="page"))
        )
    if offset + PAGE < total:
        paging.append((i18n.get("btn-next"), ApplicationCb(id=offset + PAGE, action="page")))
    if paging:
        keyboard.append(
            [InlineKeyboardButton(text=label, callback_data=cb.pack()) for label, cb in paging]
        )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=keyboard)


@router.callback_query(ApplicationCb.filter(F.action == "page"))
async def cb_applications_page(
    query: CallbackQuery,
    callback_data: ApplicationCb,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    settings: Settings,
) -> None:
    text, markup = await _page(i18n, db, roles, settings, max(0, callback_data.id))
    if isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)


@router.callback_query(ApplicationCb.filter(F.action == "open"))
async def cb_open(
    query: CallbackQuery,
    callback_data: ApplicationCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
    settings: Settings,
    clock: Clock,
) -> None:
    volunteer = await volunteer_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if volunteer is None:
        return
    card = application_card(i18n.get, volunteer, await _territory_name(db, volunteer, i18n.locale))
    await audit.record(
        db,
        actor_id=query.from_user.id,
        action="view_application",
        now=clock.now(),
        roles=roles,
        target=f"volunteer:{volunteer.id}",
    )
    if volunteer.status != VolunteerStatus.PENDING:
        card += "\n\n" + await _decided_text(i18n, db, volunteer, settings)
        await bot.send_message(query.from_user.id, card)
        return
    await bot.send_message(query.from_user.id, card, reply_markup=decision(i18n.get, volunteer.id))


@router.callback_query(ApplicationCb.filter(F.action == "ok"))
async def cb_approve(
    query: CallbackQuery,
    callback_data: ApplicationCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    bot: Bot,
    translator: Translator,
    settings: Settings,
) -> None:
    volunteer = await volunteer_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if volunteer is None:
        return
    await _decide(
        query,
        volunteer.id,
        True,
        None,
        callback_answer,
        i18n,
        db,
        roles,
        clock,
        bot,
        translator,
        settings,
    )


@router.callback_query(ApplicationCb.filter(F.action == "no"))
async def cb_reject_ask(
    query: CallbackQuery,
    callback_data: ApplicationCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
    settings: Settings,
) -> None:
    volunteer = await volunteer_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if volunteer is None:
        return
    if volunteer.status != VolunteerStatus.PENDING:
        callback_answer.text = await _decided_text(i18n, db, volunteer, settings)
        callback_answer.show_alert = True
        return
    await state.set_state(Reject.reason)
    await state.update_data(application_id=volunteer.id)
    await bot.send_message(
        query.from_user.id,
        i18n.get("application-ask-reason", id=volunteer.id),
        reply_markup=cancel_menu(i18n.get),
    )


@router.message(Reject.reason, ANSWER)
async def process_reject_reason(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    bot: Bot,
    translator: Translator,
    settings: Settings,
) -> None:
    reason = volunteers.clean_reason(message.text)
    if reason is None:
        await message.answer(i18n.get("application-bad-reason"))
        return
    application_id = int((await state.get_data())["application_id"])
    await state.clear()
    application = await db.get(Volunteer, application_id)
    if application is not None and not await still_in_scope(
        message, application.territory_id, f"volunteer:{application_id}", application_id,
        i18n, db, roles, clock,
    ):  # fmt: skip
        return
    await _decide(
        message,
        application_id,
        False,
        reason,
        None,
        i18n,
        db,
        roles,
        clock,
        bot,
        translator,
        settings,
    )


@router.message(StateFilter(Reject.reason), ~F.text.startswith("/"), ~SPOKEN)
async def reject_reason_not_text(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("application-bad-reason"))


async def _decide(
    event: CallbackQuery | Message,
    application_id: int,
    approve: bool,
    reason: str | None,
    callback_answer: CallbackAnswer | None,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    bot: Bot,
    translator: Translator,
    settings: Settings,
) -> None:
    actor = event.from_user
    assert actor is not None
    now = clock.now()
    own = await db.get(Volunteer, application_id)
    if own is not None and own.user_id == actor.id:  # nobody approves their own application
        if callback_answer is not None:
            callback_answer.text = i18n.get("application-own")
            callback_answer.show_alert = True
        else:
            await bot.send_message(
                actor.id, i18n.get("application-own"), reply_markup=main_menu(i18n.get, roles)
            )
        return
    result = await volunteers.decide(
        db, application_id, approve=approve, actor_id=actor.id, reason=reason, now=now
    )
    if result is None:
        return
    volunteer = result.volunteer
    if not result.decided_now:
        text = await _decided_text(i18n, db, volunteer, settings)
        if callback_answer is not None:
            callback_answer.text = text
            callback_answer.show_alert = True
        else:
            await bot.send_message(actor.id, text, reply_markup=main_menu(i18n.get, roles))
        return
    entry = await audit.record(
        db,
        actor_id=actor.id,
        action="approve_volunteer" if approve else "reject_volunteer",
        now=now,
        roles=roles,
        target=f"volunteer:{volunteer.id}",
        details={"user_id": volunteer.user_id, "reason": reason}
        if reason
        else {"user_id": volunteer.user_id},
    )
    notice = (
        Text(key="volunteer-approved")
        if approve
        else Text(key="volunteer-rejected", args={"reason": html.quote(reason or "")})
    )
    await outbox.enqueue(
        db,
        chat_id=volunteer.user_id,
        message=OutgoingMessage(notice, main_menu=True),
        key=f"audit:{entry.id}:notice",
        now=now,
        priority=Priority.URGENT,
    )
    if approve:  # requests already searching in their territory reach them now
        await help_requests.offer_waiting(
            db,
            now,
            take_data=take_data,
            default_locale=settings.default_locale,
            volunteer_id=volunteer.id,
        )
    # Every coordinator's push now says who decided, without its buttons.
    verdict = "verdict-approved" if approve else "verdict-rejected"
    decided_when = await _when(db, volunteer, now, settings)
    for coordinator_id in await volunteers.coordinators_of(
        db, volunteer.territory_id, settings.admin_ids
    ):
        locale = await locale_of(db, coordinator_id, settings.default_locale)
        _ = partial(translator.get, locale)
        await outbox.enqueue(
            db,
            chat_id=coordinator_id,
            message=OutgoingMessage(
                Text(
                    literal=_(
                        "volunteer-application-decided",
                        verdict=_(verdict),
                        id=volunteer.id,
                        name=html.quote(volunteer.name),
                        who=html.quote(actor.first_name),
                        when=decided_when,
                    )
                ),
                locale=locale,
            ),
            key=f"vol:{volunteer.id}:decided:{coordinator_id}",
            edit_key=f"vol:{volunteer.id}:app:{coordinator_id}",
            now=now,
            priority=Priority.NORMAL,
            personal=True,
        )
    done = i18n.get(
        "application-approved-done" if approve else "application-rejected-done", id=volunteer.id
    )
    if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
        await edit_text(event.message, event.message.html_text)
    await bot.send_message(actor.id, done, reply_markup=main_menu(i18n.get, roles))
