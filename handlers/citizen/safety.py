"""The safety library for everyone (issue 18): topics and tips in inline menus, the weekly
tip and seasonal alerts (subscribe, unsubscribe in one tap), and «I got a suspicious call»:
a checklist, the numbers, and a volunteer's help (a short form that makes a help request)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from aiogram import F, Router, html
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.filters import Button
from bot.forms import engine
from bot.forms.engine import Ctx, Done, Form
from bot.forms.widgets import phone_step, territory_step, text_step
from bot.keyboards import requests as request_kb
from bot.keyboards import safety as kb
from bot.keyboards.callbacks import SafetyCb
from bot.keyboards.menus import main_menu
from bot.services import help_requests, safety
from bot.services.cleaning import clean_bounded
from bot.services.territories import all_territories
from bot.services.users import Roles
from bot.telegram import edit_text
from models import Territory, User

router = Router(name=__name__)


def _locale(i18n: I18nContext) -> str:
    return str(i18n.locale)


async def _show(query: CallbackQuery, text: str, markup: Any) -> None:
    """One screen: the library's message is edited in place; one Telegram will not edit any
    more (too old, gone) is answered by a new message instead."""
    if isinstance(query.message, Message):
        try:
            await edit_text(query.message, text, reply_markup=markup)
            return
        except TelegramBadRequest:
            pass
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


# --- browsing -------------------------------------------------------------------------------
@router.message(Command("tips", ignore_case=True))
@router.message(Button("btn-tips"))
async def cmd_tips(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("tips-home"), reply_markup=kb.topics(i18n.get))


@router.callback_query(SafetyCb.filter(F.a == "home"))
async def cb_home(query: CallbackQuery, i18n: I18nContext) -> None:
    await _show(query, i18n.get("tips-home"), kb.topics(i18n.get))


@router.callback_query(SafetyCb.filter(F.a.in_({"t", "tm"})))
async def cb_topic(
    query: CallbackQuery,
    callback_data: SafetyCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    if callback_data.v not in safety.TOPICS:
        callback_answer.text = i18n.get("stale-button")
        return
    tips = await safety.tips_of(db, callback_data.v)
    name = i18n.get("tips-topic", topic=callback_data.v)
    text = i18n.get("tips-topic-screen" if tips else "tips-topic-empty", name=name)
    markup = kb.topic(i18n.get, _locale(i18n), tips)
    if callback_data.a == "tm" and query.bot is not None:
        # «More tips» under a pushed tip: the tip stays, the topic comes as a new message.
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)
        return
    await _show(query, text, markup)


@router.callback_query(SafetyCb.filter(F.a == "v"))
async def cb_tip(
    query: CallbackQuery,
    callback_data: SafetyCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
) -> None:
    tip = await safety.get_tip(db, callback_data.id)
    if tip is None:
        callback_answer.text = i18n.get("tips-gone")
        return
    markup = kb.tip(i18n.get, tip, can_edit=roles.is_coordinator)
    await _show(query, safety.render_tip(tip, _locale(i18n)), markup)


# --- subscriptions --------------------------------------------------------------------------
def _subs_text(i18n: I18nContext, subs: safety.Subscriptions) -> str:
    if subs.weekly and subs.weekday is not None and subs.minute is not None:
        weekly = i18n.get(
            "tips-weekly-state",
            day=subs.weekday,
            time=kb.clock_text(subs.minute),
            zone=subs.timezone or "",
        )
    else:
        weekly = i18n.get("tips-weekly-none")
    seasonal = i18n.get("tips-seasonal-state-on" if subs.seasonal else "tips-seasonal-state-off")
    return i18n.get("tips-subscriptions", weekly=weekly, seasonal=seasonal)


@router.callback_query(SafetyCb.filter(F.a == "sub"))
async def cb_subscriptions(query: CallbackQuery, i18n: I18nContext, db: AsyncSession) -> None:
    subs = await safety.subscriptions_of(db, query.from_user.id)
    await _show(query, _subs_text(i18n, subs), kb.subscriptions(i18n.get, subs))


@router.callback_query(SafetyCb.filter(F.a == "wd"))
async def cb_weekday(query: CallbackQuery, i18n: I18nContext) -> None:
    await _show(query, i18n.get("tips-ask-day"), kb.weekdays(i18n.get))


def _day(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 <= int(value) <= 6 else None


@router.callback_query(SafetyCb.filter(F.a == "wt"))
async def cb_time(
    query: CallbackQuery,
    callback_data: SafetyCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
) -> None:
    day = _day(callback_data.v)
    if day is None:
        callback_answer.text = i18n.get("stale-button")
        return
    await _show(query, i18n.get("tips-ask-time", day=day), kb.times(i18n.get, day))


@router.callback_query(SafetyCb.filter(F.a == "ws"))
async def cb_save_weekly(
    query: CallbackQuery,
    callback_data: SafetyCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    day_text, _, minute_text = callback_data.v.partition("-")
    day = _day(day_text)
    minute = int(minute_text) if minute_text.isdigit() else -1
    if day is None or minute not in safety.WEEKLY_TIMES:
        callback_answer.text = i18n.get("stale-button")
        return
    row = await safety.subscribe_weekly(
        db, query.from_user.id, day, minute, clock.now(), settings.default_timezone
    )
    text = i18n.get("tips-weekly-on", day=day, time=kb.clock_text(minute), zone=row.timezone)
    await _show(query, text, kb.back_to_subscriptions(i18n.get))


@router.callback_query(SafetyCb.filter(F.a == "so"))
async def cb_seasonal_on(
    query: CallbackQuery, i18n: I18nContext, db: AsyncSession, clock: Clock, settings: Settings
) -> None:
    await safety.subscribe_seasonal(db, query.from_user.id, clock.now(), settings.default_timezone)
    await _show(query, i18n.get("tips-seasonal-on"), kb.back_to_subscriptions(i18n.get))


@router.callback_query(SafetyCb.filter(F.a.in_({"off", "po"})))
async def cb_unsubscribe(
    query: CallbackQuery,
    callback_data: SafetyCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
) -> None:
    """One tap, from a pushed tip or from the subscriptions screen."""
    what = callback_data.v if callback_data.v in ("w", "s") else "all"
    done = await safety.unsubscribe(db, query.from_user.id, what, clock.now())
    key = {"w": "tips-weekly-off", "s": "tips-seasonal-off"}.get(what, "tips-all-off")
    text = i18n.get(key) if done else i18n.get("tips-not-subscribed")
    message = query.message
    if callback_data.a == "po" and isinstance(message, Message):
        # A pushed tip: it stays readable; its buttons go and the answer comes under it.
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)
        await message.answer(text, reply_markup=kb.back_to_subscriptions(i18n.get))
        return
    subs = await safety.subscriptions_of(db, query.from_user.id)
    callback_answer.text = text
    await _show(query, _subs_text(i18n, subs), kb.subscriptions(i18n.get, subs))


# --- «I got a suspicious call» --------------------------------------------------------------
@router.callback_query(SafetyCb.filter(F.a == "fr"))
async def cb_fraud(query: CallbackQuery, i18n: I18nContext) -> None:
    if query.bot is not None:
        await query.bot.send_message(
            query.from_user.id, i18n.get("tips-fraud-checklist"), reply_markup=kb.fraud(i18n.get)
        )


@router.message(Command("fraud", ignore_case=True))
async def cmd_fraud(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("tips-fraud-checklist"), reply_markup=kb.fraud(i18n.get))


def _what(text: str | None) -> str | None:
    return clean_bounded(text, 3, 1000, multiline=True)


async def _consent_keyboard(ctx: Ctx) -> list[list[InlineKeyboardButton]]:
    return [[ctx.button("consent", ctx._("btn-agree"), "yes")]]


async def _consent(ctx: Ctx, value: str, page: int) -> Done | None:
    if value != "yes":
        return None
    return Done({"consent_at": ctx.clock.now().isoformat()}, shown=ctx._("btn-agree"))


async def _consent_question(ctx: Ctx) -> str:
    return ctx._("rq-consent-self") + "\n\n" + ctx._("rq-ask-consent")


async def _summary(ctx: Ctx) -> str:
    territory = await ctx.db.get(Territory, int(ctx.data["territory_id"]))
    return ctx._(
        "tips-fraud-summary",
        territory=html.quote(territory.name(str(ctx.i18n.locale))) if territory else "—",
        phone=html.quote(str(ctx.data["phone"])),
        what=html.quote(ctx.data.get("what") or "—"),
    )


async def _confirm(ctx: Ctx) -> bool:
    settings: Settings = ctx.extra["settings"]
    now = ctx.clock.now()
    token = ctx.data.get(engine.TOKEN)
    request = await help_requests.by_form_token(ctx.db, token)
    if request is None:
        user: User | None = ctx.extra.get("user")
        what = ctx.data.get("what") or ""
        draft = help_requests.Draft(
            kind="other",
            for_other=False,
            person_name=((user.first_name if user else "") or "—")[:100],
            territory_id=int(ctx.data["territory_id"]),
            address=ctx._("tips-fraud-address"),
            details=ctx._("tips-fraud-details", what=what or "—")[:1000],
            urgency="today",
            requester_id=ctx.chat_id,
            person_phone=str(ctx.data["phone"]),
            time_window="any",
            form_token=token,
            consent_at=datetime.fromisoformat(ctx.data["consent_at"]),
        )
        request = await help_requests.create(ctx.db, draft, now)
        await help_requests.offer_or_escalate(
            ctx.db,
            request,
            now,
            take_data=request_kb.take_data(request.id),
            default_locale=settings.default_locale,
            admin_ids=settings.admin_ids,
        )
    await ctx.state.clear()
    await ctx.bot.send_message(
        ctx.chat_id,
        ctx._("tips-fraud-created", id=request.id),
        reply_markup=main_menu(ctx._, ctx.roles),
    )
    return True


FRAUD_HELP = Form(
    code="frh",
    steps=[
        territory_step("territory", "tips-fraud-ask-territory"),
        phone_step("phone", "rq-ask-phone-self", "phone", "rq-bad-phone"),
        text_step(
            "what",
            "tips-fraud-ask-what",
            "what",
            _what,
            "tips-fraud-bad-what",
            skip={"what": ""},
        ),
        engine.Step(
            "consent",
            _consent_question,
            "consent_at",
            keyboard=_consent_keyboard,
            on_choice=_consent,
            hint="rq-ask-consent",
        ),
    ],
    summary=_summary,
    confirm=_confirm,
    groups={"territory": ["territory"], "phone": ["phone"], "what": ["what"]},
    edit_buttons=lambda ctx: [
        ("territory", "btn-tips-edit-territory"),
        ("phone", "btn-tips-edit-phone"),
        ("what", "btn-tips-edit-what"),
    ],
    confirm_label="btn-tips-fraud-send",
)
router.include_router(engine.build_router(FRAUD_HELP))


@router.callback_query(SafetyCb.filter(F.a == "fh"))
async def cb_fraud_help(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    **kwargs: Any,
) -> None:
    if await state.get_state() is not None:  # another form is open: do not wipe it
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    if not await all_territories(db):
        callback_answer.text = i18n.get("rq-no-territories")
        callback_answer.show_alert = True
        return
    ctx = await engine.context(
        query.from_user.id, {**kwargs, "state": state, "i18n": i18n, "db": db}, FRAUD_HELP
    )
    await engine.start(ctx, {}, intro=i18n.get("tips-fraud-start"))
