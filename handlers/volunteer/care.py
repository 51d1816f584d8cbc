"""Standing care for a senior, the member's side (issue 19): /myteams lists the teams a person
is a member of; the person's card (recorded before it is sent, hidden when the member leaves,
the team ends or the person is erased) shows the schedule, what is coming and the visits to
record; a visit is recorded with its outcome (all fine / needs help, with what is needed / not
at home / refused); a missed visit's question is answered «still doing it» or «cannot».
Anyone may reach these handlers: access is membership, checked by bot/services/care.py."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.keyboards import care as kb
from bot.keyboards.callbacks import CareCb
from bot.keyboards.menus import main_menu
from bot.services import care, details
from bot.services.cleaning import clean_bounded
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.coordinator.care import card_args
from models import CareTeam

router = Router(name=__name__)


class NeedsHelp(StatesGroup):
    what = State()


@router.message(Command("myteams", ignore_case=True), StateFilter(None))
async def cmd_my_teams(message: Message, i18n: I18nContext, db: AsyncSession) -> None:
    assert message.from_user is not None
    teams = await care.teams_of(db, message.from_user.id)
    if not teams:
        await message.answer(i18n.get("care-my-none"))
        return
    await message.answer(i18n.get("care-my-title"), reply_markup=kb.my_teams(i18n.get, teams))


@router.callback_query(CareCb.filter(F.a == "my"))
async def cb_my_team(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
) -> None:
    user_id = query.from_user.id
    team = await db.get(CareTeam, callback_data.id)
    key = await care.card_begin(db, team.id, user_id, clock.now()) if team is not None else None
    if team is None or key is None:  # not (or no longer) a member: the card is not theirs
        callback_answer.text = i18n.get("care-not-member")
        callback_answer.show_alert = True
        return
    text = i18n.get("care-member-card", **await card_args(i18n, db, team))
    markup = kb.member_card(i18n.get, team.id, await care.open_visits(db, team.id, clock.now()))
    # The record is committed before the send (the commit-before-send middleware); then the
    # message's id, so that leaving the team hides it.
    sent = await bot.send_message(user_id, text, reply_markup=markup)
    await details.shown(db, key, sent.message_id)


@router.callback_query(CareCb.filter(F.a == "quit"))
async def cb_quit(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    bot: Bot,
) -> None:
    if await care.membership(db, callback_data.id, query.from_user.id) is None:
        callback_answer.text = i18n.get("care-not-member")
        callback_answer.show_alert = True
        return
    await bot.send_message(
        query.from_user.id,
        i18n.get("care-ask-quit", team=callback_data.id),
        reply_markup=kb.quit_confirm(i18n.get, callback_data.id),
    )


@router.callback_query(CareCb.filter(F.a == "quit!"))
async def cb_quit_confirmed(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """A member leaves the team: their card is hidden, the coordinators fill the seat."""
    left = await care.withdraw(
        db, query.from_user.id, clock.now(), admin_ids=settings.admin_ids, team_id=callback_data.id
    )
    text = i18n.get("care-quit-done", team=callback_data.id) if left else i18n.get("care-stale")
    callback_answer.text = text
    if isinstance(query.message, Message):  # the answered button leaves the screen
        await edit_text(query.message, text)


@router.callback_query(CareCb.filter(F.a == "rec"))
async def cb_record(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    bot: Bot,
) -> None:
    found = await care.visit_of_member(db, callback_data.id, query.from_user.id)
    if found is None:
        callback_answer.text = i18n.get("care-visit-stale")
        callback_answer.show_alert = True
        return
    visit = found[0]
    await bot.send_message(
        query.from_user.id,
        i18n.get("care-ask-outcome", date=visit.due_on.strftime("%d.%m.%Y"), kind=visit.kind),
        reply_markup=kb.outcomes(i18n.get, visit.id, visit.kind),
    )


@router.callback_query(CareCb.filter(F.a == "out"))
async def cb_outcome(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    state: FSMContext,
    settings: Settings,
) -> None:
    callback_answer.show_alert = True
    if callback_data.v >= len(care.OUTCOMES):
        callback_answer.text = i18n.get("care-visit-stale")
        return
    outcome = care.OUTCOMES[callback_data.v]
    if await care.visit_of_member(db, callback_data.id, query.from_user.id) is None:
        callback_answer.text = i18n.get("care-visit-stale")
        if isinstance(query.message, Message):
            await edit_text(query.message, i18n.get("care-visit-stale"))
        return
    if outcome == care.NEEDS_HELP:  # what is needed, in the member's words, then recorded
        if await state.get_state() is not None:
            callback_answer.text = i18n.get("form-finish-first")
            return
        await state.set_state(NeedsHelp.what)
        await state.update_data(care_visit=callback_data.id)
        callback_answer.show_alert = False
        if isinstance(query.message, Message):
            await edit_text(query.message, i18n.get("care-ask-help"))
        return
    visit = await care.record(
        db, callback_data.id, query.from_user.id, outcome, None, clock.now(),
        default_locale=settings.default_locale, admin_ids=settings.admin_ids,
    )  # fmt: skip
    text = (
        i18n.get("care-recorded", outcome=outcome, kind=visit.kind)
        if visit
        else i18n.get("care-visit-stale")
    )
    callback_answer.show_alert = False
    callback_answer.text = text
    if isinstance(query.message, Message):  # the answered buttons leave the screen
        await edit_text(query.message, text)


@router.message(StateFilter(NeedsHelp.what), F.text)
async def process_help_needed(
    message: Message,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    state: FSMContext,
    settings: Settings,
    roles: Roles,
) -> None:
    assert message.from_user is not None
    note = clean_bounded(message.text, 2, 1000, multiline=True)
    if note is None:
        await message.answer(i18n.get("care-bad-help"))
        return
    visit_id = int((await state.get_data()).get("care_visit") or 0)
    await state.clear()
    visit = await care.record(
        db, visit_id, message.from_user.id, care.NEEDS_HELP, note, clock.now(),
        default_locale=settings.default_locale, admin_ids=settings.admin_ids,
    )  # fmt: skip
    text = (
        i18n.get("care-recorded", outcome=care.NEEDS_HELP, kind=visit.kind)
        if visit
        else i18n.get("care-visit-stale")
    )
    await message.answer(text, reply_markup=main_menu(i18n.get, roles))


@router.callback_query(CareCb.filter(F.a.in_({"still", "cannot"})))
async def cb_missed_answer(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    now, user_id = clock.now(), query.from_user.id
    if callback_data.a == "still":
        done = await care.still_doing(db, callback_data.id, user_id, now)
        key = "care-still-thanks"
    else:
        done = await care.cannot(
            db, callback_data.id, user_id, now,
            default_locale=settings.default_locale, admin_ids=settings.admin_ids,
        )  # fmt: skip
        key = "care-cannot-thanks"
    text = i18n.get(key) if done else i18n.get("care-visit-stale")
    callback_answer.text = text
    callback_answer.show_alert = True
    if done and isinstance(query.message, Message):  # the answered buttons leave the screen
        await edit_text(query.message, text)
