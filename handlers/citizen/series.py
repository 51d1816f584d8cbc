"""Recurring help (issue 19): «🔁 Repeat» on a request opens the series' set-up form (the kind
of repeat, days, time, until); a series' card pauses, resumes, skips the next occurrence or
ends it in one tap, for its requester and for the coordinators of its territory (audited);
the previous volunteer's «❌ Cannot» under an occurrence offered to them first."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.forms import engine
from bot.forms.engine import Ctx, Done, Form
from bot.forms.widgets import choice_step, text_step, toggles_step
from bot.keyboards import requests as request_kb
from bot.keyboards import series as kb
from bot.keyboards.callbacks import SeriesCb
from bot.keyboards.menus import main_menu
from bot.ranges import parse_int
from bot.services import audit, help_requests, series, volunteers
from bot.services.timing import WEEKDAYS, RepeatRule
from bot.services.users import Roles
from bot.telegram import edit_text
from models import HelpRequest, RequestSeries, RequestStatus

router = Router(name=__name__)

UNTIL_DAYS_MAX = 366


# --- who may act on what -------------------------------------------------------------------------
def repeatable(request: HelpRequest) -> bool:
    """A request whose person is still on record and which was not called off."""
    return request.person_name != help_requests.ERASED and request.status not in (
        RequestStatus.CANCELLED,
        RequestStatus.FAILED,
    )


def may_manage(territory_id: int, requester_id: int | None, user_id: int, roles: Roles) -> bool:
    """The requester, or a coordinator of the territory."""
    return requester_id == user_id or (roles.is_coordinator and roles.can_act_in(territory_id))


async def _today(db: AsyncSession, territory_id: int, clock: Clock) -> date:
    return await volunteers.local_today(db, territory_id, clock.now())


# --- texts ---------------------------------------------------------------------------------------
def describe(i18n: I18nContext, rule_text: str, at: str | None = None) -> str:
    """A rule in words; ``at``: the local time of day of an "every N days" rule (its text
    holds none: the first occurrence set it)."""
    rule = RepeatRule.parse(rule_text)
    clock = rule.at.strftime("%H:%M") if rule.at else at or "-"
    if rule.weekdays:
        days = ", ".join(i18n.get(f"series-day-{WEEKDAYS[d]}") for d in sorted(rule.weekdays))
        return i18n.get("series-rule", kind="weekly", days=days, time=clock, n=0, day=0)
    if rule.day_of_month is not None:
        return i18n.get(
            "series-rule", kind="monthly", days="-", time=clock, n=0, day=rule.day_of_month
        )
    days_n = int(rule.interval.total_seconds() // 86400) if rule.interval else 0
    return i18n.get("series-rule", kind="every", days="-", time=clock, n=days_n, day=0)


def _until_words(i18n: I18nContext, until: date | None) -> str:
    if until is None:
        return i18n.get("series-until-none")
    return i18n.get("series-until-date", date=until.strftime("%d.%m.%Y"))


async def card_text(i18n: I18nContext, db: AsyncSession, item: RequestSeries) -> str:
    following = await series.local_next(db, item)
    return i18n.get(
        "series-card",
        id=item.id,
        kind=item.kind,
        request=item.template_request_id,
        rule=describe(i18n, item.rule, following.strftime("%H:%M") if following else None),
        until=_until_words(i18n, item.until),
        status=item.status,
        next=following.strftime("%d.%m.%Y %H:%M") if following else "-",
        count=item.occurrences,
    )


async def send_card(
    bot: Bot, chat_id: int, i18n: I18nContext, db: AsyncSession, item: RequestSeries
) -> None:
    await bot.send_message(
        chat_id, await card_text(i18n, db, item), reply_markup=kb.card(i18n.get, item)
    )


# --- the set-up form -----------------------------------------------------------------------------
def _clock(text: str | None) -> str | None:
    parts = (text or "").strip().replace(".", ":").split(":")
    if len(parts) != 2:
        return None
    hours, minutes = parse_int(parts[0], 0, 23), parse_int(parts[1], 0, 59)
    if hours is None or minutes is None or len(parts[1].strip()) != 2:
        return None
    return f"{hours:02d}:{minutes:02d}"


def _every(text: str | None) -> int | None:
    return parse_int(text or "", 1, series.EVERY_DAYS_MAX)


def _day_of_month(text: str | None) -> int | None:
    return parse_int(text or "", 1, 31)


async def _until_step(ctx: Ctx, message: Message) -> Done | engine.Say | None:
    if message.text is None:
        return None
    try:
        until = datetime.strptime(message.text.strip(), "%d.%m.%Y").date()
    except ValueError:
        return engine.Say(ctx._("series-bad-until"))
    today = await _today(ctx.db, int(ctx.data["territory_id"]), ctx.clock)
    if not today < until <= today + timedelta(days=UNTIL_DAYS_MAX):
        return engine.Say(ctx._("series-bad-until"))
    return Done({"until": until.isoformat()})


def _until_of(data: dict[str, Any]) -> date | None:
    return (
        date.fromisoformat(data["until"])
        if data.get("end") == "date" and data.get("until")
        else None
    )


async def _summary(ctx: Ctx) -> str:
    rule, _at = series.rule_of_answers(ctx.data)
    return ctx._(
        "series-summary",
        request=int(ctx.data["request_id"]),
        rule=describe(ctx.i18n, rule, ctx.data["at"]),
        until=_until_words(ctx.i18n, _until_of(ctx.data)),
    )


async def _confirm(ctx: Ctx) -> bool:
    db, roles, now = ctx.db, ctx.roles, ctx.clock.now()
    request = await db.get(HelpRequest, int(ctx.data["request_id"]))
    if request is None or not may_manage(
        request.territory_id, request.requester_id, ctx.chat_id, roles
    ):
        await ctx.state.clear()
        await ctx.bot.send_message(
            ctx.chat_id, ctx._("series-not-allowed"), reply_markup=main_menu(ctx._, roles)
        )
        return True
    token = ctx.data.get(engine.TOKEN)
    made = await series.by_form_token(db, token)
    if made is None:
        existing = await series.of_request(db, request.id)
        if existing is not None:
            await ctx.state.clear()
            await ctx.bot.send_message(
                ctx.chat_id,
                ctx._("series-exists", id=existing.id),
                reply_markup=main_menu(ctx._, roles),
            )
            return True
        rule, at = series.rule_of_answers(ctx.data)
        made = await series.start(
            db, request, rule=rule, at=at, until=_until_of(ctx.data),
            actor_id=ctx.chat_id, now=now, form_token=token,
        )  # fmt: skip
        if request.requester_id != ctx.chat_id:
            await audit.record(
                db, actor_id=ctx.chat_id, action="series_start", now=now, roles=roles,
                target=f"request:{request.id}", details={"series": made.id, "rule": rule},
            )  # fmt: skip
    await ctx.state.clear()
    following = await series.local_next(db, made)
    await ctx.bot.send_message(
        ctx.chat_id,
        ctx._(
            "series-started",
            id=made.id,
            next=following.strftime("%d.%m.%Y %H:%M") if following else "-",
        ),
        reply_markup=main_menu(ctx._, roles),
    )
    await ctx.bot.send_message(
        ctx.chat_id, await card_text(ctx.i18n, db, made), reply_markup=kb.card(ctx._, made)
    )
    return True


SERIES_FORM = Form(
    code="srs",
    steps=[
        choice_step(
            "repeat",
            "series-ask-repeat",
            "repeat",
            lambda ctx: [
                (k, ctx._(f"btn-series-kind-{k}"))
                for k in (series.WEEKLY, series.EVERY, series.MONTHLY)
            ],
        ),
        toggles_step(
            "days",
            "series-ask-days",
            "days",
            WEEKDAYS,
            lambda ctx, day: ctx._(f"series-day-{day}"),
            "series-need-day",
            when=lambda data: data.get("repeat") == series.WEEKLY,
        ),
        text_step(
            "every",
            "series-ask-every",
            "every",
            _every,
            "series-bad-every",
            when=lambda data: data.get("repeat") == series.EVERY,
        ),
        text_step(
            "mday",
            "series-ask-mday",
            "mday",
            _day_of_month,
            "series-bad-mday",
            when=lambda data: data.get("repeat") == series.MONTHLY,
        ),
        text_step("at", "series-ask-at", "at", _clock, "series-bad-at"),
        choice_step(
            "end",
            "series-ask-end",
            "end",
            lambda ctx: [
                ("open", ctx._("btn-series-open-ended")),
                ("date", ctx._("btn-series-until-date")),
            ],
            store=lambda ctx, value: {"end": value, "until": None},
        ),
        engine.Step(
            "until",
            "series-ask-until",
            "until",
            on_message=_until_step,
            when=lambda data: data.get("end") == "date",
            hint="series-bad-until",
        ),
    ],
    summary=_summary,
    confirm=_confirm,
    groups={"repeat": ["repeat", "days", "every", "mday"], "at": ["at"], "end": ["end", "until"]},
    edit_buttons=lambda ctx: [
        ("repeat", "btn-series-edit-repeat"),
        ("at", "btn-series-edit-at"),
        ("end", "btn-series-edit-until"),
    ],
)
router.include_router(engine.build_router(SERIES_FORM))


async def open_form(chat_id: int, request: HelpRequest, **kwargs: Any) -> None:
    ctx = await engine.context(chat_id, kwargs, SERIES_FORM)
    await engine.start(
        ctx,
        {"request_id": request.id, "territory_id": request.territory_id},
        intro=ctx._("series-intro", id=request.id),
    )


@router.callback_query(SeriesCb.filter(F.action == "new"))
async def cb_repeat(
    query: CallbackQuery,
    callback_data: SeriesCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    **kwargs: Any,
) -> None:
    i18n: I18nContext = kwargs["i18n"]
    db: AsyncSession = kwargs["db"]
    roles: Roles = kwargs["roles"]
    callback_answer.show_alert = True
    request = await db.get(HelpRequest, callback_data.id)
    if request is None or not may_manage(
        request.territory_id, request.requester_id, query.from_user.id, roles
    ):
        callback_answer.text = i18n.get("series-not-allowed")
        return
    existing = await series.of_request(db, request.id)
    if existing is not None:
        callback_answer.show_alert = False
        await send_card(kwargs["bot"], query.from_user.id, i18n, db, existing)
        return
    if not repeatable(request):
        callback_answer.text = i18n.get("series-not-repeatable", id=request.id)
        return
    if await state.get_state() is not None:
        callback_answer.text = i18n.get("form-finish-first")
        return
    callback_answer.show_alert = False
    await open_form(query.from_user.id, request, state=state, **kwargs)


# --- the card: open, pause, resume, skip, end ----------------------------------------------------
async def _managed(
    db: AsyncSession, series_id: int, user_id: int, roles: Roles
) -> RequestSeries | None:
    item = await db.get(RequestSeries, series_id)
    if item is None or not may_manage(item.territory_id, item.requester_id, user_id, roles):
        return None
    return item


@router.callback_query(SeriesCb.filter(F.action == "open"))
async def cb_open(
    query: CallbackQuery,
    callback_data: SeriesCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
) -> None:
    item = await _managed(db, callback_data.id, query.from_user.id, roles)
    if item is None:
        callback_answer.text = i18n.get("series-not-allowed")
        callback_answer.show_alert = True
        return
    await send_card(bot, query.from_user.id, i18n, db, item)


@router.callback_query(SeriesCb.filter(F.action.in_({"pause", "resume", "skip", "end"})))
async def cb_change(
    query: CallbackQuery,
    callback_data: SeriesCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    item = await _managed(db, callback_data.id, query.from_user.id, roles)
    if item is None:
        callback_answer.text = i18n.get("series-not-allowed")
        callback_answer.show_alert = True
        return
    now, action = clock.now(), callback_data.action
    changed: bool
    answer: str
    if action == "pause":
        changed = await series.pause(db, item.id, now)
        answer = i18n.get("series-paused", id=item.id)
    elif action == "resume":
        changed = await series.resume(db, item.id, now)
        answer = i18n.get("series-resumed", id=item.id)
    elif action == "skip":
        seen = kb.minutes(item.next_at) == callback_data.at
        skipped = await series.skip(db, item.id, item.next_at, now) if seen else None
        changed = skipped is not None
        answer = i18n.get("series-skipped", date=skipped.strftime("%d.%m.%Y")) if skipped else ""
    else:
        changed = await series.end(db, item.id, now)
        answer = i18n.get("series-ended", id=item.id)
    if not changed:
        callback_answer.text = i18n.get("series-stale")
    else:
        callback_answer.text = answer
        if item.requester_id != query.from_user.id:
            await audit.record(
                db, actor_id=query.from_user.id, action=f"series_{action}", now=now, roles=roles,
                target=f"request:{item.template_request_id}", details={"series": item.id},
            )  # fmt: skip
            await series.tell_requester(db, item, action, query.from_user.id, now)
    await db.refresh(item)
    if isinstance(query.message, Message):
        await edit_text(
            query.message, await card_text(i18n, db, item), reply_markup=kb.card(i18n.get, item)
        )


# --- the previous volunteer's «Cannot» -----------------------------------------------------------
@router.callback_query(SeriesCb.filter(F.action == "no"))
async def cb_decline_first_offer(
    query: CallbackQuery,
    callback_data: SeriesCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    volunteer = await volunteers.profile_of(db, query.from_user.id)
    request = (
        await series.first_offer_of(db, callback_data.id, volunteer.id)
        if volunteer is not None
        else None
    )
    if volunteer is None or request is None:
        callback_answer.text = i18n.get("series-offer-stale")
        if isinstance(query.message, Message):
            await edit_text(query.message, i18n.get("series-offer-stale"))
        return
    await series.release(
        db,
        request.id,
        clock.now(),
        declined_by=volunteer,
        take_data=request_kb.take_data(request.id),
        default_locale=settings.default_locale,
        admin_ids=settings.admin_ids,
    )
    callback_answer.text = i18n.get("series-declined", id=request.id)
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("series-declined", id=request.id))
