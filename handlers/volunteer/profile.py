"""The volunteer's profile: see it, pause until a date, resume, leave; and /forget for anyone."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.commands import sync_chat_menu
from bot.config import Settings
from bot.filters import ANSWER, SPOKEN, Button
from bot.forms import engine
from bot.i18n import Translator
from bot.keyboards import events as event_keyboards
from bot.keyboards.callbacks import MyStatsCb, ProfileCb
from bot.keyboards.menus import cancel_menu, main_menu
from bot.keyboards.requests import take_data
from bot.presenters import profile_card
from bot.services import care, consultations, erasure, events, help_requests, volunteers
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.volunteer import signup
from models import Territory, User, Volunteer, VolunteerStatus

router = Router(name=__name__)


class Pause(StatesGroup):
    until = State()


def _button(text: str, action: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ProfileCb(action=action).pack())


async def _zone(db: AsyncSession, volunteer: Volunteer, settings: Settings) -> str:
    territory = await db.get(Territory, volunteer.territory_id)
    return territory.timezone if territory else settings.default_timezone


def _today(clock: Clock, zone: str) -> date:
    return clock.now().astimezone(ZoneInfo(zone)).date()


@router.message(Command("profile", ignore_case=True))
@router.message(Button("btn-my-profile"))
async def cmd_profile(
    message: Message,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
    roles: Roles,
) -> None:
    volunteer = await volunteers.profile_of(db, message.chat.id)
    if volunteer is None:
        await message.answer(
            i18n.get("profile-not-volunteer"), reply_markup=main_menu(i18n.get, roles)
        )
        return
    territory = await db.get(Territory, volunteer.territory_id)
    zone = territory.timezone if territory else settings.default_timezone
    card = profile_card(i18n.get, volunteer, territory.name(i18n.locale) if territory else "?")
    from_events = await events.hours_of(db, volunteer.user_id)  # the calendar's (issue 18)
    if from_events:
        card += "\n" + i18n.get("evt-profile-hours", hours=events.hours_text(from_events))
    rows: list[list[InlineKeyboardButton]] = []
    if volunteer.status == VolunteerStatus.BLOCKED:
        status = i18n.get(
            "volunteer-card-status-blocked", reason=html.quote(volunteer.decision_reason or "-")
        )
    elif volunteers.is_paused(volunteer, _today(clock, zone)):
        assert volunteer.paused_until is not None
        status = i18n.get("profile-paused", until=volunteer.paused_until.strftime("%d.%m.%Y"))
        rows.append([_button(i18n.get("btn-resume"), "resume")])
    else:
        status = i18n.get("profile-active")
        rows.append([_button(i18n.get("btn-pause"), "pause")])
    stats = MyStatsCb(action="show").pack()  # /mystats (issue 20)
    rows.append([InlineKeyboardButton(text=i18n.get("btn-my-stats"), callback_data=stats)])
    rows.append([_button(i18n.get("btn-edit-profile"), "edit")])
    rows.append([_button(i18n.get("btn-leave"), "leave")])
    await message.answer(
        f"{card}\n\n{status}", reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
    )


async def _own_profile(query: CallbackQuery, db: AsyncSession) -> Volunteer | None:
    volunteer = await volunteers.profile_of(db, query.from_user.id)
    if volunteer is None or volunteer.status != VolunteerStatus.APPROVED:
        return None
    return volunteer


@router.callback_query(ProfileCb.filter(F.action == "pause"))
async def cb_pause(
    query: CallbackQuery,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
    settings: Settings,
) -> None:
    volunteer = await _own_profile(query, db)
    if volunteer is None:
        return
    example = (_today(clock, await _zone(db, volunteer, settings)) + timedelta(days=7)).strftime(
        "%d.%m.%Y"
    )
    await state.set_state(Pause.until)
    await bot.send_message(
        query.from_user.id,
        i18n.get("pause-ask-date", example=example),
        reply_markup=cancel_menu(i18n.get),
    )


@router.message(Pause.until, ANSWER)
async def process_pause_date(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
    roles: Roles,
) -> None:
    volunteer = await volunteers.profile_of(db, message.chat.id)
    if volunteer is None or volunteer.status != VolunteerStatus.APPROVED:
        await state.clear()
        await message.answer(
            i18n.get("profile-not-volunteer"), reply_markup=main_menu(i18n.get, roles)
        )
        return
    zone = await _zone(db, volunteer, settings)
    today = _today(clock, zone)
    example = (today + timedelta(days=7)).strftime("%d.%m.%Y")
    try:
        until = datetime.strptime((message.text or "").strip(), "%d.%m.%Y").date()
    except ValueError:
        until = None
    if until is None or not today < until <= today + timedelta(days=365):
        await message.answer(i18n.get("pause-bad-date", example=example))
        return
    await volunteers.pause(db, volunteer, until, zone, clock.now())
    await state.clear()
    await message.answer(
        i18n.get("pause-done", until=until.strftime("%d.%m.%Y")),
        reply_markup=main_menu(i18n.get, roles),
    )


@router.message(StateFilter(Pause.until), ~F.text.startswith("/"), ~SPOKEN)
async def pause_date_not_text(
    message: Message, i18n: I18nContext, db: AsyncSession, clock: Clock, settings: Settings
) -> None:
    volunteer = await volunteers.profile_of(db, message.chat.id)
    zone = await _zone(db, volunteer, settings) if volunteer else settings.default_timezone
    example = (_today(clock, zone) + timedelta(days=7)).strftime("%d.%m.%Y")
    await message.answer(i18n.get("pause-bad-date", example=example))


@router.callback_query(ProfileCb.filter(F.action == "resume"))
async def cb_resume(
    query: CallbackQuery, i18n: I18nContext, db: AsyncSession, clock: Clock, settings: Settings
) -> None:
    volunteer = await _own_profile(query, db)
    if volunteer is None:
        return
    await volunteers.resume(db, volunteer, clock.now())
    await help_requests.offer_waiting(  # what is searching in their territory now
        db,
        clock.now(),
        take_data=take_data,
        default_locale=settings.default_locale,
        volunteer_id=volunteer.id,
    )
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("resume-done"))


@router.callback_query(ProfileCb.filter(F.action == "edit"))
async def cb_edit_profile(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    db: AsyncSession,
    **kwargs: Any,
) -> None:
    volunteer = await _own_profile(query, db)  # approved only: a blocked profile stays as is
    if volunteer is None:
        return
    if await state.get_state() is not None:  # another form is open: do not wipe it
        callback_answer.text = kwargs["i18n"].get("form-finish-first")
        callback_answer.show_alert = True
        return
    ctx = await engine.context(
        query.from_user.id, {**kwargs, "state": state, "db": db}, signup.SIGNUP
    )
    await signup.edit_profile(ctx, volunteer.id)


@router.callback_query(ProfileCb.filter(F.action == "leave"))
async def cb_leave_ask(query: CallbackQuery, i18n: I18nContext, bot: Bot) -> None:
    await bot.send_message(
        query.from_user.id,
        i18n.get("leave-confirm"),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[_button(i18n.get("btn-leave-yes"), "leave_yes")]]
        ),
    )


@router.callback_query(ProfileCb.filter(F.action == "leave_yes"))
async def cb_leave(
    query: CallbackQuery,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
    translator: Translator,
    settings: Settings,
    roles: Roles,
    user: User,
) -> None:
    volunteer = await _own_profile(query, db)
    if volunteer is None:
        return
    await hand_back_tasks(db, volunteer, "left", clock, settings)
    await volunteers.leave(db, volunteer, clock.now())
    # Their standing-care teams hear of it and fill the seat (issue 19).
    await care.withdraw(db, volunteer.user_id, clock.now(), admin_ids=settings.admin_ids)
    # No longer a volunteer, still whatever else they are: keyboard and command menu follow.
    remaining = replace(roles, is_volunteer=False)
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("leave-done"))
    await bot.send_message(
        query.from_user.id, i18n.get("menu-shown"), reply_markup=main_menu(i18n.get, remaining)
    )
    await sync_chat_menu(
        bot, translator, user.id, i18n.locale, remaining, chosen=user.locale is not None
    )


async def hand_back_tasks(
    db: AsyncSession, volunteer: Volunteer, reason: str, clock: Clock, settings: Settings
) -> None:
    """A volunteer who leaves or erases their data hands their open tasks to the others (and
    ends the consultations they hold as a medic: each citizen is told)."""
    await consultations.release_medic(db, volunteer.user_id, clock.now())
    await help_requests.release_tasks(
        db,
        volunteer,
        reason=reason,
        now=clock.now(),
        take_data=take_data,
        default_locale=settings.default_locale,
        admin_ids=settings.admin_ids,
    )
    # Their places at events still ahead go to the waiting lists (issue 18).
    await events.release_all(
        db,
        volunteer.user_id,
        clock.now(),
        data=event_keyboards.button_data,
        default_locale=settings.default_locale,
    )


@router.message(Command("forget", ignore_case=True))
async def cmd_forget(message: Message, i18n: I18nContext) -> None:
    await message.answer(
        i18n.get("forget-confirm"),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[_button(i18n.get("btn-forget-yes"), "forget_yes")]]
        ),
    )


@router.callback_query(ProfileCb.filter(F.action == "forget_yes"))
async def cb_forget(
    query: CallbackQuery,
    state: FSMContext,
    settings: Settings,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
    translator: Translator,
    roles: Roles,
    callback_answer: CallbackAnswer,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await state.clear()
    now = clock.now()
    volunteer = await volunteers.profile_of(db, query.from_user.id)
    if volunteer is not None:
        await hand_back_tasks(db, volunteer, "forget", clock, settings)
    # The rest in bounded steps (bot/services/erasure.py): the first chunk here, with the
    # record of the erasure; if more remains, the button is answered now (which commits this
    # update's transaction), then each further chunk is a transaction of its own.
    user_id = query.from_user.id
    erasure_id = await erasure.begin(
        db, erasure.PERSON, user_id, user_id, now, admin_ids=settings.admin_ids
    )
    if await erasure.run_some(db, erasure_id, now) is not erasure.Outcome.FINISHED:
        callback_answer.disable()
        await query.answer(i18n.get("forget-erasing"))
        if not await erasure.run(sessionmaker, erasure_id, clock):
            return  # another runner finished it, and tells them
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("forget-done"))
    remaining = Roles(
        is_coordinator=roles.is_coordinator, is_hq=roles.is_hq, territory_ids=roles.territory_ids
    )
    await bot.send_message(
        query.from_user.id, i18n.get("menu-shown"), reply_markup=main_menu(i18n.get, remaining)
    )
    await sync_chat_menu(bot, translator, query.from_user.id, i18n.locale, remaining, chosen=True)
