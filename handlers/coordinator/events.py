"""/calendar: the volunteer calendar (issue 18), the coordinator's side.

The list shows the events of the coordinator's territories (HQ: all), ahead and of the last 30
days; «➕ Новое событие» opens the creation form (code "evt") on the form engine, starting from
one of the days of action (bot/data/action_days.py: the title in both languages and the next
date suggested) or an event of their own. Confirming invites the matching volunteers through
the outbox. The card lists who signed up and who waits; once the event has begun the
coordinator ticks who came and confirms, which adds the event's hours to each one's record.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.data.action_days import ACTION_DAYS, BY_CODE
from bot.forms import engine
from bot.forms.engine import Ctx, Done, Form, Say, Step
from bot.forms.widgets import choice_step, territory_step, text_step, toggles_step
from bot.keyboards import events as kb
from bot.keyboards.callbacks import EventAdminCb
from bot.keyboards.menus import main_menu
from bot.services import audit, events
from bot.services.cleaning import clean_bounded
from bot.services.territories import all_territories
from bot.services.timing import QuietHours
from bot.services.users import Roles
from bot.services.volunteers import SKILLS
from bot.telegram import edit_text
from models import EventStatus, VolunteerEvent

router = Router(name=__name__)
OWN = "own"
ANY = "any"
SLOT_CHOICES = ("5", "10", "20", "50")


# --- the creation form ---------------------------------------------------------------------
def _templates(ctx: Ctx) -> list[tuple[str, str]]:
    locale = ctx.i18n.locale
    return [(day.code, day.title(locale)) for day in ACTION_DAYS] + [(OWN, ctx._("evt-own-event"))]


def _scope(ctx: Ctx) -> list[int] | None:
    return None if ctx.roles.is_hq else sorted(ctx.roles.territory_ids)


async def _zone(ctx: Ctx) -> ZoneInfo:
    return await events.zone_of_territory(ctx.db, int(ctx.data["territory_id"]))


async def _suggested(ctx: Ctx) -> datetime | None:
    """A day of action's next date at 10:00 in the territory's time."""
    day = BY_CODE.get(str(ctx.data.get("template")))
    if day is None:
        return None
    zone = await _zone(ctx)
    today = ctx.clock.now().astimezone(zone).date()
    return datetime.combine(events.suggested_date(day, today), time(10, 0), tzinfo=zone)


async def _when_question(ctx: Ctx) -> str:
    suggested = await _suggested(ctx)
    if suggested is None:
        return ctx._("evt-ask-when")
    return ctx._("evt-ask-when-suggested", when=suggested.strftime("%d.%m.%Y %H:%M"))


async def _when_keyboard(ctx: Ctx) -> list[list[InlineKeyboardButton]]:
    suggested = await _suggested(ctx)
    if suggested is None:
        return []
    return [[ctx.button("when", "📅 " + suggested.strftime("%d.%m.%Y %H:%M"), "s")]]


def _when_done(ctx: Ctx, moment: datetime, zone: ZoneInfo) -> Done:
    return Done({"starts_at": moment.isoformat()}, shown=events.format_when(moment, zone))


async def _when_choice(ctx: Ctx, value: str, page: int) -> Done | Say | None:
    suggested = await _suggested(ctx)
    if value != "s" or suggested is None:
        return None
    return _when_done(ctx, suggested.astimezone(ctx.clock.now().tzinfo), await _zone(ctx))


async def _when_typed(ctx: Ctx, message: Message) -> Done | Say | None:
    if message.text is None:
        return None
    zone = await _zone(ctx)
    moment = events.parse_when(message.text, zone, ctx.clock.now())
    if moment is None:
        return Say(ctx._("evt-bad-when"))
    return _when_done(ctx, moment, zone)


async def _slots_typed(ctx: Ctx, message: Message) -> Done | Say | None:
    slots = events.parse_slots(message.text)
    if slots is None:
        return Say(ctx._("evt-bad-slots", max=events.MAX_SLOTS))
    return Done({"slots": str(slots)}, shown=str(slots))


def _kind_label(ctx: Ctx, kind: str) -> str:
    return ctx._("evt-kind-any") if kind == ANY else kind_name(ctx._, kind)


def kind_name(_: Any, kind: str) -> str:
    """A skill's name, or «Серебряные волонтёры (55+)»."""
    return str(_("evt-kind-silver")) if kind == events.SILVER else str(_(f"skill-{kind}"))


def _kinds(data: dict[str, Any]) -> list[str]:
    chosen = [str(k) for k in data.get("kinds") or []]
    return [] if ANY in chosen else chosen


async def _title(ctx: Ctx) -> str:
    day = BY_CODE.get(str(ctx.data.get("template")))
    return day.title(ctx.i18n.locale) if day else str(ctx.data.get("title") or "")


async def _summary(ctx: Ctx) -> str:
    data, _ = ctx.data, ctx._
    zone = await _zone(ctx)
    territory = await events.territory_name(ctx.db, int(data["territory_id"]), ctx.i18n.locale)
    kinds = _kinds(data)
    return (
        _(
            "evt-summary",
            title=html.quote(await _title(ctx)),
            when=events.format_when(datetime.fromisoformat(data["starts_at"]), zone),
            duration=int(data["duration"]),
            place=html.quote(data["place"]),
            territory=html.quote(territory),
            slots=int(data["slots"]),
            kinds=", ".join(_kind_label(ctx, k) for k in kinds) or _("evt-kind-any"),
        )
        + "\n\n"
        + _("evt-summary-hint")
    )


def _quiet_hours(settings: Any) -> QuietHours:
    """The deployment's quiet hours (the default without settings)."""
    text = getattr(settings, "quiet_hours", None)
    return QuietHours.parse(text) if isinstance(text, str) else QuietHours()


async def _confirm(ctx: Ctx) -> bool:
    data, _ = ctx.data, ctx._
    now = ctx.clock.now()
    territory_id = int(data["territory_id"])
    if not ctx.roles.can_act_in(territory_id):
        await ctx.bot.send_message(ctx.chat_id, _("evt-territory-changed"))
        data["territory_id"] = None
        await ctx.state.update_data({"territory_id": None})
        await engine.show_summary(ctx)
        return False
    starts_at = datetime.fromisoformat(data["starts_at"])
    if starts_at <= now:  # the form sat open past the start
        await ctx.bot.send_message(ctx.chat_id, _("evt-bad-when"))
        data["starts_at"] = None
        await ctx.state.update_data({"starts_at": None})
        await engine.show_summary(ctx)
        return False
    settings = ctx.extra.get("settings")
    default_locale = str(getattr(settings, "default_locale", "ru"))
    template = str(data.get("template"))
    made = await events.create(
        ctx.db,
        events.NewEvent(
            template=template if template in BY_CODE else None,
            title=None if template in BY_CODE else str(data.get("title")),
            starts_at=starts_at,
            duration_hours=float(data["duration"]),
            place=str(data["place"]),
            territory_id=territory_id,
            slots=int(data["slots"]),
            kinds=_kinds(data),
            form_token=str(data[engine.TOKEN]),
        ),
        actor_id=ctx.chat_id,
        now=now,
        data=kb.button_data,
        default_locale=default_locale,
        quiet=_quiet_hours(settings),
    )
    event = made.event
    if made.created:
        await audit.record(
            ctx.db,
            actor_id=ctx.chat_id,
            action="event_create",
            now=now,
            roles=ctx.roles,
            target=f"event:{event.id}",
            details={"territory": territory_id, "slots": event.slots, "invited": len(made.invited)},
        )
    await ctx.state.clear()
    await ctx.bot.send_message(
        ctx.chat_id,
        _("evt-created", count=len(made.invited)),
        reply_markup=main_menu(_, ctx.roles),
    )
    text, markup = await _card(ctx.i18n, ctx.db, event, now)
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=markup)
    return True


CREATE = Form(
    code="evt",
    steps=[
        choice_step("template", "evt-ask-template", "template", _templates),
        text_step(
            "title",
            "evt-ask-title",
            "title",
            lambda t: clean_bounded(t, 3, 200),
            "evt-bad-title",
            when=lambda data: data.get("template") == OWN,
        ),
        territory_step("territory", "evt-ask-territory", scope=_scope),
        Step(
            "when",
            _when_question,
            "starts_at",
            keyboard=_when_keyboard,
            on_choice=_when_choice,
            on_message=_when_typed,
            hint="evt-bad-when",
        ),
        choice_step(
            "duration",
            "evt-ask-duration",
            "duration",
            lambda ctx: [(str(h), ctx._("evt-hours", n=h)) for h in events.DURATIONS],
            columns=3,
        ),
        text_step(
            "place", "evt-ask-place", "place", lambda t: clean_bounded(t, 3, 300), "evt-bad-place"
        ),
        choice_step(
            "slots",
            "evt-ask-slots",
            "slots",
            lambda ctx: [(n, n) for n in SLOT_CHOICES],
            columns=4,
            on_message=_slots_typed,
            hint="evt-bad-slots",
        ),
        toggles_step(
            "kinds",
            "evt-ask-kinds",
            "kinds",
            (ANY, *SKILLS, events.SILVER),
            _kind_label,
            "evt-pick-kind",
        ),
    ],
    summary=_summary,
    confirm=_confirm,
    groups={
        "what": ["template", "title", "when"],
        # Another territory has another clock: the date is asked again.
        "territory": ["territory", "when"],
        "when": ["when", "duration"],
        "place": ["place"],
        "slots": ["slots"],
        "kinds": ["kinds"],
    },
    edit_buttons=lambda ctx: (
        ("what", "btn-evt-edit-what"),
        ("territory", "btn-evt-edit-territory"),
        ("when", "btn-evt-edit-when"),
        ("place", "btn-evt-edit-place"),
        ("slots", "btn-evt-edit-slots"),
        ("kinds", "btn-evt-edit-kinds"),
    ),
)
router.include_router(engine.build_router(CREATE))


# --- the list and the card -----------------------------------------------------------------
async def _list(
    i18n: I18nContext, db: AsyncSession, roles: Roles, now: datetime
) -> tuple[str, Any]:
    listed = await events.list_in_scope(db, roles, now)
    items = []
    for event in listed:
        details = await events.details(db, event, i18n.locale)
        mark = {"done": "🏁", "open": "📅"}.get(event.status, "")
        label = f"{mark} {details['when']} · {events.title_of(event, i18n.locale)}"
        items.append((event.id, f"{label} ({event.slots_taken}/{event.slots})"))
    text = i18n.get("evt-admin-list" if items else "evt-admin-empty")
    return text, kb.admin_list(i18n.get, items)


async def _card(
    i18n: I18nContext, db: AsyncSession, event: VolunteerEvent, now: datetime
) -> tuple[str, Any]:
    _ = i18n.get
    details = await events.details(db, event, i18n.locale)
    roster = await events.roster(db, event.id)
    kinds = ", ".join(kind_name(_, k) for k in event.kinds or []) or _("evt-kind-any")
    lines = [
        _(
            "evt-admin-card",
            **details,
            taken=event.slots_taken,
            duration=events.hours_text(event.duration_hours),
            kinds=kinds,
            status=_(f"evt-status-{event.status}"),
        )
    ]
    if event.status == EventStatus.DONE:
        lines.append(_("evt-admin-came", count=len(roster.attended)))
        lines += _numbered(
            _, [f"{html.quote(p.name)} · {events.hours_text(h)}" for p, h in roster.attended]
        )
    else:
        lines.append(_("evt-admin-going", count=len(roster.going)))
        lines += _numbered(_, [html.quote(p.name) for p in roster.going])
        if roster.waiting:
            lines.append(_("evt-admin-waiting", count=len(roster.waiting)))
            lines += _numbered(_, [html.quote(p.name) for p in roster.waiting])
    markup = kb.admin_card(
        _, event.id, started=event.starts_at <= now, open_=event.status == EventStatus.OPEN
    )
    return "\n".join(lines), markup


SHOWN_NAMES = 40  # a list's names on the card: a message holds at most 4,096 characters


def _numbered(_: Any, names: list[str]) -> list[str]:
    lines = [f"{n}. {name}" for n, name in enumerate(names[:SHOWN_NAMES], 1)]
    if len(names) > SHOWN_NAMES:
        lines.append(_("evt-admin-more", count=len(names) - SHOWN_NAMES))
    return lines


def _stale(callback_answer: CallbackAnswer, i18n: I18nContext) -> None:
    callback_answer.text = i18n.get("stale-button")
    callback_answer.show_alert = True


@router.message(Command("calendar", ignore_case=True))
async def cmd_calendar(
    message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles, clock: Clock
) -> None:
    text, markup = await _list(i18n, db, roles, clock.now())
    await message.answer(text, reply_markup=markup)


@router.callback_query(EventAdminCb.filter(F.action == "list"))
async def cb_list(
    query: CallbackQuery, i18n: I18nContext, db: AsyncSession, roles: Roles, clock: Clock
) -> None:
    text, markup = await _list(i18n, db, roles, clock.now())
    if isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)


@router.callback_query(EventAdminCb.filter(F.action == "new"))
async def cb_new(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    **kwargs: Any,
) -> None:
    if await state.get_state() is not None:  # another form is open: do not wipe it
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    # Nowhere to hold an event: no territories of theirs, or none loaded at all (HQ).
    if not (roles.territory_ids or (roles.is_hq and await all_territories(db))):
        callback_answer.text = i18n.get("evt-no-territories")
        callback_answer.show_alert = True
        return
    ctx = await engine.context(
        query.from_user.id,
        {**kwargs, "state": state, "i18n": i18n, "db": db, "roles": roles},
        CREATE,
    )
    await engine.start(ctx, {}, intro=i18n.get("evt-start"))


@router.callback_query(EventAdminCb.filter(F.action == "open"))
async def cb_open(
    query: CallbackQuery,
    callback_data: EventAdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    event = await events.in_scope(db, callback_data.id, roles)
    if event is None:
        _stale(callback_answer, i18n)
        return
    text, markup = await _card(i18n, db, event, clock.now())
    if isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)


async def _attendance_screen(
    query: CallbackQuery, i18n: I18nContext, db: AsyncSession, event: VolunteerEvent, page: int
) -> None:
    roster = await events.roster(db, event.id)
    details = await events.details(db, event, i18n.locale)
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            i18n.get("evt-attendance", title=details["title"], when=details["when"]),
            reply_markup=kb.attendance(i18n.get, event.id, roster.going, page),
        )


@router.callback_query(EventAdminCb.filter(F.action.in_({"att", "tog"})))
async def cb_attendance(
    query: CallbackQuery,
    callback_data: EventAdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    event = await events.in_scope(db, callback_data.id, roles)
    if event is None:
        _stale(callback_answer, i18n)
        return
    now = clock.now()
    if event.status != EventStatus.OPEN or event.starts_at > now:
        callback_answer.text = i18n.get(
            "evt-attendance-done" if event.status == EventStatus.DONE else "evt-not-started"
        )
        callback_answer.show_alert = True
        text, markup = await _card(i18n, db, event, now)
        if isinstance(query.message, Message):
            await edit_text(query.message, text, reply_markup=markup)
        return
    if callback_data.action == "tog" and not await events.toggle_present(
        db, event.id, callback_data.user, now
    ):
        _stale(callback_answer, i18n)
    await _attendance_screen(query, i18n, db, event, callback_data.page)


@router.callback_query(EventAdminCb.filter(F.action == "ok"))
async def cb_attendance_ok(
    query: CallbackQuery,
    callback_data: EventAdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    settings: Settings,
) -> None:
    event = await events.in_scope(db, callback_data.id, roles)
    if event is None:
        _stale(callback_answer, i18n)
        return
    now = clock.now()
    came = await events.confirm_attendance(
        db, event.id, actor_id=query.from_user.id, now=now, default_locale=settings.default_locale
    )
    if came is None:
        callback_answer.text = i18n.get("evt-attendance-done")
        callback_answer.show_alert = True
    else:
        await audit.record(
            db,
            actor_id=query.from_user.id,
            action="event_attendance",
            now=now,
            roles=roles,
            target=f"event:{event.id}",
            details={"came": len(came), "hours": event.duration_hours},
        )
        callback_answer.text = i18n.get("evt-attendance-saved", count=len(came))
    await db.refresh(event)
    text, markup = await _card(i18n, db, event, now)
    if isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)


@router.callback_query(EventAdminCb.filter(F.action == "off"))
async def cb_call_off(
    query: CallbackQuery,
    callback_data: EventAdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
) -> None:
    event = await events.in_scope(db, callback_data.id, roles)
    if event is None or event.status != EventStatus.OPEN:
        _stale(callback_answer, i18n)
        return
    details = await events.details(db, event, i18n.locale)
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            i18n.get("evt-call-off-confirm", title=details["title"], when=details["when"]),
            reply_markup=kb.call_off_confirm(i18n.get, event.id),
        )


@router.callback_query(EventAdminCb.filter(F.action == "off_ok"))
async def cb_call_off_ok(
    query: CallbackQuery,
    callback_data: EventAdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    settings: Settings,
) -> None:
    event = await events.in_scope(db, callback_data.id, roles)
    if event is None:
        _stale(callback_answer, i18n)
        return
    now = clock.now()
    if await events.cancel_event(
        db, event.id, now=now, data=kb.button_data, default_locale=settings.default_locale
    ):
        await audit.record(
            db,
            actor_id=query.from_user.id,
            action="event_call_off",
            now=now,
            roles=roles,
            target=f"event:{event.id}",
        )
        callback_answer.text = i18n.get("evt-called-off-done")
    await db.refresh(event)
    text, markup = await _card(i18n, db, event, now)
    if isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)
