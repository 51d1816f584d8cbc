"""Door-to-door visits of a vaccination follow-up campaign: /visits (or «🚪 Взять маршрут
обхода») claims a small route of nearby addresses and sends its header and one card per
person (recorded before it is sent, edited down when the visit ends); the outcomes at the
door: «✅ Застали» opens the calls' script, «🚪 Нет дома» asks for the note left, refused,
moved, died are recorded at once; «👥 Позвать напарника» pairs the route with another
volunteer of the campaign and territory."""

from __future__ import annotations

import html
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramServerError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot import transactions
from bot.clock import Clock
from bot.config import Settings
from bot.forms import engine
from bot.forms.engine import Ctx, Form, build_router
from bot.forms.widgets import text_step
from bot.keyboards import campaigns as kb
from bot.keyboards.callbacks import VisitCb
from bot.services import campaign_calls, campaign_visits
from bot.services.campaign_visits import RouteView
from bot.services.cleaning import clean_bounded
from bot.services.timing import QuietHours
from bot.telegram import edit_text, no_blind_retry
from handlers.volunteer.calls import SCRIPT
from models import Campaign, CampaignPerson, CampaignRoute, Outcome, Territory

router = Router(name=__name__)

CARD_ATTEMPTS = 2
NOTE_MIN, NOTE_MAX = 2, 300
OUTCOME_VALUES = frozenset(str(o) for o in campaign_visits.CARD_OUTCOMES)


def _quiet(settings: Settings) -> QuietHours:
    return QuietHours.parse(settings.quiet_hours)


def _take_button(i18n: I18nContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=i18n.get("btn-visit-take"), callback_data=VisitCb(action="take").pack()
                )
            ]
        ]
    )


async def _zone(db: AsyncSession, territory_id: int) -> ZoneInfo:
    territory = await db.get(Territory, territory_id)
    return ZoneInfo(territory.timezone) if territory else ZoneInfo("UTC")


async def _name_of(db: AsyncSession, user_id: int | None) -> str:
    if user_id is None:
        return "?"
    partners = await campaign_visits.volunteer_names(db, [user_id])
    return partners.get(user_id, "?")


# --- the route: a header and one card per person still to visit ------------------------------
async def _header(
    i18n: I18nContext, db: AsyncSession, shown: RouteView, user_id: int, tz: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    route = shown.route
    until = min(
        (rp.person.claim_until for rp in shown.pending if rp.person.claim_until), default=None
    )
    lines = [
        i18n.get(
            "visit-route",
            id=route.id,
            campaign=html.escape(shown.campaign.name),
            count=len(shown.people),
            left=len(shown.pending),
            until=until.astimezone(tz).strftime("%H:%M") if until else "-",
        )
    ]
    if route.partner_id is not None and route.partner_id != user_id:
        lines.append(
            i18n.get("visit-route-partner", name=html.escape(await _name_of(db, route.partner_id)))
        )
    if route.volunteer_id != user_id:
        lines.append(
            i18n.get("visit-route-owner", name=html.escape(await _name_of(db, route.volunteer_id)))
        )
    lines += [
        i18n.get(
            "visit-route-line",
            name=html.escape(campaign_calls.first_name(rp.person.full_name)),
            outcome=rp.outcome,
        )
        for rp in shown.people
        if not rp.pending and rp.outcome
    ]
    markup = None
    if route.volunteer_id == user_id and route.partner_id is None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=i18n.get("btn-visit-partner"),
                        callback_data=VisitCb(action="partner", id=route.id).pack(),
                    )
                ]
            ]
        )
    return "\n".join(lines), markup


def _card_text(
    i18n: I18nContext, person: CampaignPerson, campaign: Campaign, n: int, count: int, year: int
) -> str:
    if person.birth_year:
        age = i18n.get("call-card-age", age=year - person.birth_year, year=person.birth_year)
    else:
        age = "-"
    return i18n.get(
        "visit-card",
        first=html.escape(campaign_calls.first_name(person.full_name)),
        n=n,
        count=count,
        name=html.escape(person.full_name),
        age=age,
        address=html.escape(person.address) if person.address else i18n.get("visit-no-address"),
        phone=html.escape(person.phone) if person.phone else "-",
        round=person.round + 1,
        rounds=len(campaign.rounds),
        attempt=person.attempts + 1,
        attempts=campaign.attempts,
    )


def _card_buttons(i18n: I18nContext, person_id: int) -> InlineKeyboardMarkup:
    def btn(outcome: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=i18n.get(f"btn-visit-{outcome}"),
            callback_data=VisitCb(action="out", id=person_id, value=outcome).pack(),
        )

    o = Outcome
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [btn(o.REACHED), btn(o.NOT_HOME)],
            [btn(o.REFUSED), btn(o.MOVED), btn(o.DIED)],
        ]
    )


async def _send_card(
    bot: Bot, db: AsyncSession, clock: Clock, user_id: int, person_id: int, text: str,
    markup: InlineKeyboardMarkup,
) -> bool:  # fmt: skip
    """A person's card, recorded before each attempt (as the calls' card), then its message
    id; False: the person left the route meanwhile, nothing sent."""
    for attempt in range(CARD_ATTEMPTS):
        key = await campaign_visits.card_begin(db, person_id, user_id, clock.now())
        if key is None:
            return False
        blind = no_blind_retry.set(True)
        try:
            sent = await bot.send_message(user_id, text, reply_markup=markup)
        except (TelegramNetworkError, TelegramServerError):
            if attempt + 1 == CARD_ATTEMPTS:
                raise
            continue
        except TelegramAPIError as exc:
            await transactions.apart(db, campaign_calls.card_not_sent, key, type(exc).__name__)
            raise
        finally:
            no_blind_retry.reset(blind)
        await campaign_calls.card_shown(db, key, sent.message_id)
        return True
    return False


async def _show(
    bot: Bot, db: AsyncSession, i18n: I18nContext, clock: Clock, user_id: int, shown: RouteView
) -> None:
    tz = await _zone(db, shown.route.territory_id)
    text, markup = await _header(i18n, db, shown, user_id, tz)
    await bot.send_message(user_id, text, reply_markup=markup)
    year = clock.now().astimezone(tz).year
    count = len(shown.people)
    numbers = {rp.person.id: n for n, rp in enumerate(shown.people, start=1)}
    for rp in shown.pending:
        person = rp.person
        card = _card_text(i18n, person, shown.campaign, numbers[person.id], count, year)
        await _send_card(bot, db, clock, user_id, person.id, card, _card_buttons(i18n, person.id))


async def _take(
    bot: Bot, user_id: int, i18n: I18nContext, db: AsyncSession, clock: Clock, settings: Settings
) -> None:
    now = clock.now()
    who = await campaign_calls.worker(db, user_id, now)
    if who is None:
        await bot.send_message(user_id, i18n.get("visits-not-on-campaign"))
        return
    got = await campaign_visits.claim_route(db, who, now, _quiet(settings))
    if isinstance(got, campaign_visits.NoRoute):
        key = "visits-hours" if got.reason == "hours" else "visits-none"
        await bot.send_message(user_id, i18n.get(key))
        return
    if got.again:
        await bot.send_message(user_id, i18n.get("visits-still-yours"))
    await _show(bot, db, i18n, clock, user_id, got)


@router.message(Command("visits", ignore_case=True), StateFilter(None))
async def cmd_visits(
    message: Message, i18n: I18nContext, db: AsyncSession, clock: Clock, settings: Settings,
    bot: Bot,
) -> None:  # fmt: skip
    await _take(bot, message.chat.id, i18n, db, clock, settings)


@router.callback_query(VisitCb.filter(F.action == "take"))
async def cb_take(
    query: CallbackQuery, i18n: I18nContext, db: AsyncSession, clock: Clock, settings: Settings,
    bot: Bot,
) -> None:  # fmt: skip
    await _take(bot, query.from_user.id, i18n, db, clock, settings)


@router.callback_query(VisitCb.filter(F.action == "show"))
async def cb_show(
    query: CallbackQuery,
    callback_data: VisitCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
) -> None:
    user_id = query.from_user.id
    shown = await campaign_visits.route_for(db, callback_data.id, user_id, clock.now())
    if shown is None:
        callback_answer.text = i18n.get("visits-route-closed")
        await bot.send_message(
            user_id, i18n.get("visits-route-closed"), reply_markup=_take_button(i18n)
        )
        return
    await _show(bot, db, i18n, clock, user_id, shown)


# --- outcomes at the door ----------------------------------------------------------------------
async def _after(i18n: I18nContext, db: AsyncSession, route_id: int | None) -> InlineKeyboardMarkup:
    """Under a recorded outcome: back to the route while it is open, else a new one."""
    route = await db.get(CampaignRoute, route_id) if route_id else None
    if route is not None and route.status == campaign_visits.OPEN:
        return kb.visit_route(i18n.get, route.id)
    return _take_button(i18n)


@router.callback_query(VisitCb.filter(F.action == "out"))
async def cb_outcome(
    query: CallbackQuery,
    callback_data: VisitCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
    **kwargs: Any,
) -> None:
    outcome = callback_data.value
    user_id = query.from_user.id
    if outcome not in OUTCOME_VALUES:
        callback_answer.text = i18n.get("stale-button")
        return
    now = clock.now()
    if outcome in campaign_visits.DIRECT_OUTCOMES:
        done = await campaign_visits.record(
            db, callback_data.id, user_id, outcome, now, _quiet(settings)
        )
        if done is None:
            callback_answer.text = i18n.get("visits-not-yours")
            callback_answer.show_alert = True
            return
        callback_answer.text = i18n.get("calls-saved")
        await bot.send_message(
            user_id,
            i18n.get("visits-saved", outcome=outcome, status=done.person.status),
            reply_markup=await _after(i18n, db, done.person.route_id),
        )
        return
    if await state.get_state() is not None:
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    held = await campaign_visits.held_on_route(db, callback_data.id, user_id)
    if held is None:
        callback_answer.text = i18n.get("visits-not-yours")
        callback_answer.show_alert = True
        return
    person, route = held
    tz = await _zone(db, person.territory_id)
    first = html.escape(campaign_calls.first_name(person.full_name))
    data = {"person_id": person.id, "round": person.round, "zone": str(tz), "route_id": route.id}
    base = {"state": state, "i18n": i18n, "db": db, "clock": clock, "bot": bot}
    base |= {"settings": settings, **kwargs}
    if outcome == Outcome.REACHED:
        ctx = await engine.context(user_id, base, SCRIPT)
        await engine.start(ctx, data, intro=i18n.get("script-start", name=first))
        return
    ctx = await engine.context(user_id, base, NOTE)
    await engine.start(
        ctx, {**data, "first": first}, intro=i18n.get("visit-note-start", name=first)
    )


# --- «not at home»: the note left ---------------------------------------------------------------
def _note(text: str | None) -> str | None:
    return clean_bounded(text, NOTE_MIN, NOTE_MAX)


async def _note_summary(ctx: Ctx) -> str:
    return ctx._(
        "visit-note-summary",
        name=str(ctx.data.get("first")),
        note=html.escape(str(ctx.data.get("note"))),
    )


async def _note_confirm(ctx: Ctx) -> bool:
    settings: Settings = ctx.extra["settings"]
    data, i18n = ctx.data, ctx.i18n
    done = await campaign_visits.record(
        ctx.db,
        int(data["person_id"]),
        ctx.chat_id,
        Outcome.NOT_HOME,
        ctx.clock.now(),
        _quiet(settings),
        note=str(data["note"]),
        form_token=str(data[engine.TOKEN]),
        round_seen=int(data["round"]),
    )
    await ctx.state.clear()
    if done is None:
        await ctx.bot.send_message(ctx.chat_id, i18n.get("visits-not-yours"))
        return True
    await ctx.bot.send_message(
        ctx.chat_id,
        i18n.get("visits-saved", outcome=Outcome.NOT_HOME, status=done.person.status),
        reply_markup=await _after(i18n, ctx.db, int(data["route_id"])),
    )
    return True


NOTE = Form(
    code="vn",
    steps=[text_step("note", "visit-ask-note", "note", _note, "visit-bad-note")],
    summary=_note_summary,
    confirm=_note_confirm,
)
router.include_router(build_router(NOTE))


# --- a pair ------------------------------------------------------------------------------------
@router.callback_query(VisitCb.filter(F.action == "partner"))
async def cb_partner(
    query: CallbackQuery,
    callback_data: VisitCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
) -> None:
    user_id = query.from_user.id
    shown = await campaign_visits.route_for(db, callback_data.id, user_id, clock.now())
    if shown is None or shown.route.volunteer_id != user_id or shown.route.partner_id:
        callback_answer.text = i18n.get("visit-partner-refused")
        callback_answer.show_alert = True
        return
    candidates = await campaign_visits.partner_candidates(db, shown.route)
    if not candidates:
        callback_answer.text = i18n.get("visit-partner-none")
        callback_answer.show_alert = True
        return
    rows = [
        [
            InlineKeyboardButton(
                text=c.name,
                callback_data=VisitCb(action="pair", id=shown.route.id, user=c.user_id).pack(),
            )
        ]
        for c in candidates[:20]
    ]
    await bot.send_message(
        user_id,
        i18n.get("visit-partner-pick"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


@router.callback_query(VisitCb.filter(F.action == "pair"))
async def cb_pair(
    query: CallbackQuery,
    callback_data: VisitCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
) -> None:
    route = await campaign_visits.set_partner(
        db,
        callback_data.id,
        query.from_user.id,
        callback_data.user,
        clock.now(),
        show_data=VisitCb(action="show", id=callback_data.id).pack(),
    )
    message = query.message if isinstance(query.message, Message) else None
    if route is None:
        callback_answer.text = i18n.get("visit-partner-refused")
        callback_answer.show_alert = True
        return
    text = i18n.get("visit-partner-set", name=html.escape(await _name_of(db, route.partner_id)))
    callback_answer.text = text
    if message is not None:
        await edit_text(message, text)
