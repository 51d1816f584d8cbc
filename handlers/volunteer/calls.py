"""The volunteer's worklist of a vaccination follow-up campaign: «📞 Следующий звонок» (or
/calls) claims the next due person and shows the card (the phone as a tap-to-call link, the
outcomes as buttons); «✅ Дозвонился» opens the script (a Form); the medic's «✅ Принял» on an
«unwell» alert. The card is recorded before it is sent and edited down when the claim ends."""

from __future__ import annotations

import contextlib
import html
from datetime import datetime
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
from bot.filters import Button
from bot.forms import engine, vaccination
from bot.forms.engine import Ctx, Form, build_router
from bot.keyboards.callbacks import AlertCb, CallCb
from bot.keyboards.campaigns import visit_route
from bot.services import campaign_alerts, campaign_calls, campaign_visits
from bot.services.timing import QuietHours
from bot.telegram import no_blind_retry
from models import Campaign, CampaignPerson, Outcome, Territory
from scheduler.jobs.campaigns import ack_data

router = Router(name=__name__)

CARD_ATTEMPTS = 2
OUTCOME_VALUES = frozenset(str(o) for o in campaign_calls.CARD_OUTCOMES)


def _quiet(settings: Settings) -> QuietHours:
    return QuietHours.parse(settings.quiet_hours)


# --- the card -----------------------------------------------------------------------------------
def _phone_link(e164: str | None) -> str:
    """The phone as Telegram makes it tap-to-call: E.164 in plain text (Telegram detects it as
    a phone number; an <a href="tel:..."> is dropped by Telegram, its text left unlinked)."""
    return html.escape(e164) if e164 else "-"


async def _card_text(
    i18n: I18nContext, db: AsyncSession, person: CampaignPerson, campaign: Campaign, now: datetime
) -> str:
    _ = i18n.get
    territory = await db.get(Territory, person.territory_id)
    year = now.year
    if person.birth_year:
        age = _("call-card-age", age=year - person.birth_year, year=person.birth_year)
    else:
        age = "-"
    lines = [
        _(
            "call-card",
            campaign=html.escape(campaign.name),
            first=html.escape(campaign_calls.first_name(person.full_name)),
            name=html.escape(person.full_name),
            age=age,
            territory=html.escape(territory.name(i18n.locale)) if territory else "?",
            phone=_phone_link(person.phone),
            round=person.round + 1,
            rounds=len(campaign.rounds),
            attempt=person.attempts + 1,
            attempts=campaign.attempts,
        )
    ]
    if person.address:
        lines.append(_("call-card-address", address=html.escape(person.address)))
    before = await campaign_calls.history(db, person.id)
    if before:
        lines.append(_("call-card-before"))
        zone = ZoneInfo(territory.timezone) if territory else ZoneInfo("UTC")
        lines += [
            _(
                "call-card-before-line",
                date=c.created_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
                outcome=c.outcome,
            )
            for c in before
        ]
    return "\n".join(lines)


def _card_buttons(i18n: I18nContext, person_id: int) -> InlineKeyboardMarkup:
    def btn(outcome: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=i18n.get(f"btn-call-{outcome}"),
            callback_data=CallCb(action="out", id=person_id, value=outcome).pack(),
        )

    o = Outcome
    rows = [
        [btn(o.REACHED)],
        [btn(o.NO_ANSWER), btn(o.BUSY)],
        [btn(o.WRONG_NUMBER), btn(o.REFUSED)],
        [btn(o.MOVED), btn(o.DIED)],
        [
            InlineKeyboardButton(
                text=i18n.get("btn-call-release"),
                callback_data=CallCb(action="release", id=person_id).pack(),
            )
        ],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _next_button(i18n: I18nContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=i18n.get("btn-next-call"), callback_data=CallCb(action="next").pack()
                )
            ]
        ]
    )


async def _send_card(
    bot: Bot,
    db: AsyncSession,
    i18n: I18nContext,
    clock: Clock,
    user_id: int,
    person: CampaignPerson,
    campaign: Campaign,
) -> bool:
    """The card, recorded before each attempt (the commit-before-send middleware commits the
    record), then its message id: a crash or a lost answer leaves a record the hiding finds.
    False: the claim ended meanwhile, nothing sent."""
    text = await _card_text(i18n, db, person, campaign, clock.now())
    markup = _card_buttons(i18n, person.id)
    for attempt in range(CARD_ATTEMPTS):
        key = await campaign_calls.card_begin(db, person.id, user_id, clock.now())
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


async def _next(
    bot: Bot,
    user_id: int,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    now = clock.now()
    who = await campaign_calls.worker(db, user_id, now)
    if who is None:
        await bot.send_message(user_id, i18n.get("calls-not-on-campaign"))
        return
    got = await campaign_calls.claim_next(db, who, now, _quiet(settings))
    if isinstance(got, campaign_calls.NothingDue):
        if got.next_due is None:
            await bot.send_message(user_id, i18n.get("calls-list-empty"))
            return
        local = got.next_due.astimezone(who.tz)
        same_day = local.date() == now.astimezone(who.tz).date()
        await bot.send_message(
            user_id,
            i18n.get(
                "calls-nothing-due",
                time=local.strftime("%H:%M"),
                date="none" if same_day else local.strftime("%d.%m"),
            ),
        )
        return
    if got.again:
        await bot.send_message(user_id, i18n.get("calls-still-yours"))
    if not await _send_card(bot, db, i18n, clock, user_id, got.person, got.campaign):
        await bot.send_message(user_id, i18n.get("calls-not-yours"))


@router.message(Command("calls", ignore_case=True), StateFilter(None))
@router.message(Button("btn-next-call"), StateFilter(None))
async def cmd_calls(
    message: Message,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    await _next(bot, message.chat.id, i18n, db, clock, settings)


@router.callback_query(CallCb.filter(F.action == "next"))
async def cb_next(
    query: CallbackQuery,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    if isinstance(query.message, Message):
        await _drop_buttons(query.message)
    await _next(bot, query.from_user.id, i18n, db, clock, settings)


async def _drop_buttons(message: Message) -> None:
    with contextlib.suppress(TelegramAPIError):
        await message.edit_reply_markup(reply_markup=None)


@router.callback_query(CallCb.filter(F.action == "release"))
async def cb_release(
    query: CallbackQuery,
    callback_data: CallCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
) -> None:
    if not await campaign_calls.release(db, callback_data.id, query.from_user.id, clock.now()):
        callback_answer.text = i18n.get("calls-not-yours")
        callback_answer.show_alert = True
        return
    callback_answer.text = i18n.get("calls-released")
    await bot.send_message(
        query.from_user.id, i18n.get("calls-released"), reply_markup=_next_button(i18n)
    )


@router.callback_query(CallCb.filter(F.action == "out"))
async def cb_outcome(
    query: CallbackQuery,
    callback_data: CallCb,
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
    if outcome == Outcome.REACHED:
        if await state.get_state() is not None:
            callback_answer.text = i18n.get("form-finish-first")
            callback_answer.show_alert = True
            return
        person = await db.get(CampaignPerson, callback_data.id)
        if person is None or not await campaign_calls.extend(db, person.id, user_id, now):
            callback_answer.text = i18n.get("calls-not-yours")
            callback_answer.show_alert = True
            return
        who = await campaign_calls.worker(db, user_id, now)
        zone = str(who.tz) if who else "UTC"
        ctx = await engine.context(
            user_id,
            {
                "state": state,
                "i18n": i18n,
                "db": db,
                "clock": clock,
                "bot": bot,
                "settings": settings,
                **kwargs,
            },
            SCRIPT,
        )
        first = html.escape(campaign_calls.first_name(person.full_name))
        await engine.start(
            ctx,
            {"person_id": person.id, "round": person.round, "zone": zone},
            intro=i18n.get("script-start", name=first),
        )
        return
    done = await campaign_calls.record(
        db, callback_data.id, user_id, outcome, now, _quiet(settings)
    )
    if done is None:
        callback_answer.text = i18n.get("calls-not-yours")
        callback_answer.show_alert = True
        return
    callback_answer.text = i18n.get("calls-saved")
    await bot.send_message(
        user_id,
        i18n.get("calls-outcome-saved", outcome=outcome, status=done.person.status),
        reply_markup=_next_button(i18n),
    )


# --- the script (bot/forms/vaccination.py) ----------------------------------------------------
async def _confirm(ctx: Ctx) -> bool:
    data, db, i18n = ctx.data, ctx.db, ctx.i18n
    settings: Settings = ctx.extra["settings"]
    now = ctx.clock.now()
    answers = vaccination.answers_of(data)
    answers["by_user_id"] = ctx.chat_id
    answers["created_at"] = now.isoformat()
    person_id = int(data["person_id"])
    token = str(data[engine.TOKEN])
    route_id = data.get("route_id")  # at the door, on a route of visits
    record = campaign_visits.record if route_id else campaign_calls.record
    done = await record(
        db,
        person_id,
        ctx.chat_id,
        Outcome.REACHED,
        now,
        _quiet(settings),
        answers=answers,
        form_token=token,
        round_seen=int(data["round"]),
    )
    await ctx.state.clear()
    if done is None:
        await ctx.bot.send_message(ctx.chat_id, i18n.get("calls-not-yours"))
        return True
    person = done.person
    extra: list[str] = []
    if done.plan is not None and answers.get("feeling") == "unwell":
        await campaign_alerts.raise_alert(
            db,
            person_id=person.id,
            contact_id=done.contact.id,
            reported_by=ctx.chat_id,
            note=answers.get("unwell_note"),
            now=now,
            ack_data=ack_data,
            admin_ids=settings.admin_ids,
        )
        extra.append(i18n.get("script-unwell-sent"))
    if done.plan is not None and answers.get("ride"):
        request_id = await vaccination.ride_request(
            ctx, person, token, now, requester_id=None, entered_by=ctx.chat_id
        )
        extra.append(i18n.get("script-ride-created", id=request_id))
    saved = "visit-script-saved" if route_id else "script-saved"
    text = "\n".join([i18n.get(saved, status=person.status), *extra])
    markup = visit_route(i18n.get, int(route_id)) if route_id else _next_button(i18n)
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=markup)
    return True


SCRIPT = Form(
    code="cs",
    steps=vaccination.script_steps(),
    summary=vaccination.summary,
    confirm=_confirm,
)
router.include_router(build_router(SCRIPT))


# --- the medic's «✅ Принял» ---------------------------------------------------------------------
@router.callback_query(AlertCb.filter())
async def cb_ack(
    query: CallbackQuery,
    callback_data: AlertCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    user_id = query.from_user.id
    callback_answer.show_alert = True
    if not await campaign_alerts.was_told(db, callback_data.id, user_id):
        callback_answer.text = i18n.get("stale-button")
        return
    taken = await campaign_alerts.acknowledge(
        db, callback_data.id, user_id, clock.now(), admin_ids=settings.admin_ids
    )
    if taken is None:
        callback_answer.text = i18n.get("stale-button")
        return
    if not taken.won:
        mine = taken.alert.acknowledged_by == user_id
        callback_answer.text = i18n.get("alert-already-yours" if mine else "alert-already-taken")
        return
    callback_answer.show_alert = False
    callback_answer.text = i18n.get("alert-taken-ok")
