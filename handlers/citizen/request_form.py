"""The help request form, on the form engine: kind, for whom (the person's name, age, phone,
self-isolation), territory, address and an optional pin, what is needed (typed, or a voice note
or a photo), when, consent, then a summary to edit or confirm. A coordinator fills the same form
for a hotline caller (/hotline)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Router, html
from aiogram.filters import Command, StateFilter
from aiogram.types import InlineKeyboardButton, Message

from bot.filters import Button
from bot.forms import engine
from bot.forms.engine import Ctx, Done, Form, Say, Step
from bot.forms.widgets import choice_step, phone_step, territory_step, text_step
from bot.keyboards import requests as kb
from bot.keyboards.menus import main_menu
from bot.presenters import MEDIA_MARKS, details_text, who_line
from bot.services import audit, call_backs, help_requests, volunteers
from bot.services.cleaning import clean_bounded, clean_text, window_numbers_ok
from bot.services.territories import contains_point, picker_options
from models import RequestKind, Territory

router = Router(name=__name__)

ADDRESS_MIN, ADDRESS_MAX = 5, 300
DETAILS_MIN, DETAILS_MAX = 3, 1000
WINDOW_MAX = 30
PLANNED_DAYS_MAX = 60
EDITABLE = ("kind", "person", "territory", "address", "details", "when")


def _other(data: Mapping[str, Any]) -> bool:
    return data.get("for_other") is True


def _hotline(data: Mapping[str, Any]) -> bool:
    return bool(data.get("hotline"))


# --- steps with something of their own -----------------------------------------------------------
def _who(ctx: Ctx, value: str) -> dict[str, Any]:
    other = value == "other"
    values: dict[str, Any] = {"for_other": other}
    if ctx.data.get("for_other") is not None and ctx.data.get("for_other") != other:
        # Another person now: what was said of the previous one (and the consent given for
        # it) no longer holds.
        values.update(consent_at=None, age=None, isolation=None, phone=None)
    return values


def _age(text: str | None) -> int | None:
    text = (text or "").strip()
    age = int(text) if text.isdecimal() and text.isascii() and len(text) <= 3 else None
    return age if age is not None and 1 <= age <= 120 else None


def _pin_buttons(ctx: Ctx) -> list[list[InlineKeyboardButton]]:
    return [
        [ctx.button("pin", ctx._("btn-pin-keep"), "keep")],
        [ctx.button("pin", ctx._("btn-pin-again"), "again")],
    ]


async def _pin_sent(ctx: Ctx, message: Message) -> Done | Say | None:
    if message.location is None:
        return None
    lat, lon = message.location.latitude, message.location.longitude
    territory_id = ctx.data.get("territory_id")
    territory = await ctx.db.get(Territory, territory_id) if isinstance(territory_id, int) else None
    if territory is not None and not contains_point(territory, lat, lon):
        name = html.quote(territory.name(ctx.i18n.locale))
        return Say(
            ctx._("rq-pin-outside", territory=name),
            buttons=_pin_buttons(ctx),
            values={"pending_pin": [lat, lon]},
        )
    return Done({"lat": lat, "lon": lon, "pending_pin": None}, shown=ctx._("rq-pin-line"))


async def _pin_choice(ctx: Ctx, value: str, page: int) -> Done | Say | None:
    pending = ctx.data.get("pending_pin")
    if value not in ("keep", "again") or not isinstance(pending, list):
        return None
    if value == "keep":
        return Done({"lat": pending[0], "lon": pending[1], "pending_pin": None})
    return Say(ctx._("rq-pin-again"), values={"pending_pin": None})


async def _details(ctx: Ctx, message: Message) -> Done | Say | None:
    """Typed, or a voice note or a photo (a prescription, a list) with an optional caption:
    the file goes only to the volunteer who takes the task, never into a push."""
    media = message.voice or (message.photo[-1] if message.photo else None)
    if media is not None:
        kind = "voice" if message.voice is not None else "photo"
        file_id = media.file_id
        words = clean_text(message.caption, multiline=True)[:DETAILS_MAX]
        # No words: a mark, rendered in each reader's language (bot/presenters.py).
        text = words if len(words) >= DETAILS_MIN else MEDIA_MARKS[kind]
        return Done(
            {"details": text, "details_file_id": file_id, "details_file_kind": kind},
            shown=ctx._(f"rq-details-{kind}"),
        )
    if message.text is None:
        return None
    details = clean_text(message.text, multiline=True)
    if not DETAILS_MIN <= len(details) <= DETAILS_MAX:
        return Say(ctx._("rq-bad-details", max=DETAILS_MAX, length=len(details)))
    return Done({"details": details, "details_file_id": None, "details_file_kind": None})


async def _zone(ctx: Ctx) -> str:
    territory_id = ctx.data.get("territory_id")
    territory = await ctx.db.get(Territory, territory_id) if isinstance(territory_id, int) else None
    return territory.timezone if territory else str(ctx.data.get("default_zone") or "UTC")


async def _today(ctx: Ctx) -> date:
    return ctx.clock.now().astimezone(ZoneInfo(await _zone(ctx))).date()


async def _example(ctx: Ctx) -> str:
    return (await _today(ctx) + timedelta(days=2)).strftime("%d.%m.%Y")


async def _date(ctx: Ctx, message: Message) -> Done | Say | None:
    if message.text is None:
        return None
    today = await _today(ctx)
    try:
        planned = datetime.strptime(message.text.strip(), "%d.%m.%Y").date()
    except ValueError:
        planned = None
    if planned is None or not today < planned <= today + timedelta(days=PLANNED_DAYS_MAX):
        return Say(ctx._("rq-bad-date", example=await _example(ctx)))
    return Done({"planned_on": planned.isoformat()})


async def _window_typed(ctx: Ctx, message: Message) -> Done | Say | None:
    if message.text is None:
        return None
    window = clean_bounded(message.text, 1, WINDOW_MAX)
    if window is None or window in kb.WINDOWS:
        return Say(ctx._("rq-bad-window", max=WINDOW_MAX))
    # A typed window goes to every volunteer offered the request: no phone numbers in it.
    if not window_numbers_ok(window):
        return Say(ctx._("input-bad-window"))
    return Done({"window": window}, shown=html.quote(window))


async def _consent_question(ctx: Ctx) -> str:
    key = (
        "rq-consent-hotline"
        if _hotline(ctx.data)
        else ("rq-consent-other" if _other(ctx.data) else "rq-consent-self")
    )
    return ctx._(key) + "\n\n" + ctx._("rq-ask-consent")


async def _consent_keyboard(ctx: Ctx) -> list[list[InlineKeyboardButton]]:
    return [[ctx.button("consent", ctx._("btn-agree"), "yes")]]


async def _consent(ctx: Ctx, value: str, page: int) -> Done | None:
    if value != "yes":
        return None
    return Done({"consent_at": ctx.clock.now().isoformat()}, shown=ctx._("btn-agree"))


def _scope(ctx: Ctx) -> list[int] | None:
    scope = ctx.data.get("scope")
    return [int(t) for t in scope] if isinstance(scope, list) else None


def _territory_chosen(ctx: Ctx, territory: Territory) -> dict[str, Any]:
    if ctx.data.get("territory_id") != territory.id:
        return {"lat": None, "lon": None}  # a pin belongs to the old territory
    return {}


REQUEST = Form(
    code="rq",
    steps=[
        phone_step(
            "caller_phone",
            "rq-ask-caller-phone",
            "caller_phone",
            "rq-bad-phone",
            when=_hotline,
            contact=lambda data: False,
        ),
        choice_step(
            "kind",
            "rq-ask-kind",
            "kind",
            lambda ctx: [(k.value, ctx._("request-kind", kind=k.value)) for k in RequestKind],
            columns=2,
        ),
        choice_step(
            "who",
            "rq-ask-who",
            "for_other",
            lambda ctx: [("self", ctx._("btn-for-me")), ("other", ctx._("btn-for-other"))],
            store=_who,
        ),
        text_step(
            "name",
            lambda ctx: ctx._("rq-ask-name-other" if _other(ctx.data) else "rq-ask-name-self"),
            "name",
            volunteers.clean_name,
            "rq-bad-name",
        ),
        text_step("age", "rq-ask-age", "age", _age, "rq-bad-age", when=_other),
        phone_step(
            "phone",
            lambda ctx: ctx._("rq-ask-phone-other" if _other(ctx.data) else "rq-ask-phone-self"),
            "phone",
            "rq-bad-phone",
            when=lambda data: _other(data) or not _hotline(data),
            contact=lambda data: not _other(data) and not _hotline(data),
        ),
        choice_step(
            "isolation",
            "rq-ask-isolation",
            "isolation",
            lambda ctx: [("yes", ctx._("btn-yes")), ("no", ctx._("btn-no"))],
            columns=2,
            store=lambda ctx, value: {"isolation": value == "yes"},
            when=_other,
        ),
        territory_step(
            "territory",
            "rq-ask-territory",
            scope=_scope,
            out_of_scope="rq-out-of-scope",
            chosen=_territory_chosen,
        ),
        text_step(
            "address",
            "rq-ask-address",
            "address",
            lambda text: clean_bounded(text, ADDRESS_MIN, ADDRESS_MAX),
            "rq-bad-address",
        ),
        Step(
            "pin",
            "rq-ask-pin",
            None,
            on_message=_pin_sent,
            on_choice=_pin_choice,
            hint="rq-pin-again",
            skip={"lat": None, "lon": None, "pending_pin": None},
            location=True,
        ),
        Step(
            "details",
            lambda ctx: ctx._("rq-ask-details", max=DETAILS_MAX),
            "details",
            on_message=_details,
            hint="rq-bad-details-media",
        ),
        choice_step(
            "urgency",
            "rq-ask-urgency",
            "urgency",
            lambda ctx: [(u, ctx._(f"btn-urgency-{u}")) for u in kb.URGENCIES],
            store=lambda ctx, value: (
                {"urgency": value} if value == "planned" else {"urgency": value, "planned_on": None}
            ),
        ),
        Step(
            "date",
            lambda ctx: _ask_date(ctx),
            "planned_on",
            on_message=_date,
            when=lambda data: data.get("urgency") == "planned",
            hint="rq-bad-date-hint",
        ),
        choice_step(
            "window",
            "rq-ask-window",
            "window",
            lambda ctx: [(w, ctx._(f"btn-window-{w}")) for w in kb.WINDOWS],
            columns=2,
            on_message=_window_typed,
            hint="rq-bad-window-hint",
        ),
        Step(
            "consent",
            _consent_question,
            "consent_at",
            keyboard=_consent_keyboard,
            on_choice=_consent,
        ),
    ],
    summary=lambda ctx: _summary(ctx),
    confirm=lambda ctx: _confirm(ctx),
    groups={
        "kind": ["kind"],
        "person": ["who", "name", "age", "phone", "isolation"],
        "territory": ["territory", "pin"],
        "address": ["address", "pin"],
        "details": ["details"],
        "when": ["urgency", "date", "window"],
    },
    edit_buttons=lambda ctx: [(field, f"btn-rq-edit-{field}") for field in EDITABLE],
)
router.include_router(engine.build_router(REQUEST))


async def _ask_date(ctx: Ctx) -> str:
    return ctx._("rq-ask-date", example=await _example(ctx))


def _planned(data: Mapping[str, Any]) -> date | None:
    value = data.get("planned_on")
    return date.fromisoformat(value) if isinstance(value, str) else None


async def _summary(ctx: Ctx) -> str:
    data, _ = ctx.data, ctx._
    territory = await ctx.db.get(Territory, data["territory_id"])
    planned = _planned(data)
    window = data["window"]
    text = _(
        "rq-summary",
        kind=data["kind"],
        who=who_line(
            _,
            for_other=_other(data),
            name=data["name"],
            phone=data.get("phone") or data.get("caller_phone"),
            age=data.get("age"),
            self_isolation=data.get("isolation"),
        ),
        territory=html.quote(territory.name(ctx.i18n.locale)) if territory else "?",
        address=html.quote(data["address"]),
        details=details_text(_, data["details"], data.get("details_file_kind")),
        urgency=data["urgency"],
        planned=planned.strftime("%d.%m.%Y") if planned else "-",
        window=html.quote(window),
    )
    extra = []
    kind = data.get("details_file_kind")
    if kind in MEDIA_MARKS and data["details"] != MEDIA_MARKS[kind]:  # words and a file
        extra.append(_(f"rq-details-{kind}"))
    if data.get("caller_phone"):
        phone = html.quote(volunteers.format_phone(data["caller_phone"]))
        extra.append(_("rq-caller-line", phone=phone))
    if data.get("lat") is not None:
        extra.append(_("rq-pin-line"))
    return "\n".join([text, *extra, "", _("rq-summary-hint")])


async def _confirm(ctx: Ctx) -> bool:
    data, db, i18n, roles = ctx.data, ctx.db, ctx.i18n, ctx.roles
    settings = ctx.extra["settings"]
    now = ctx.clock.now()
    hotline = _hotline(data)
    planned = _planned(data)
    if planned is not None and planned <= await _today(ctx):
        # The form waited for days: the date passed; the summary asks for a new one.
        await ctx.state.update_data(planned_on=None)
        ctx.data["planned_on"] = None
        await engine.show_summary(ctx)
        return False
    if hotline and not roles.can_act_in(int(data["territory_id"])):
        await ctx.bot.send_message(
            ctx.chat_id, i18n.get("rq-out-of-scope"), reply_markup=main_menu(i18n.get, roles)
        )
        return True
    other = _other(data)
    draft = help_requests.Draft(
        kind=data["kind"],
        for_other=other,
        person_name=data["name"],
        territory_id=int(data["territory_id"]),
        address=data["address"],
        details=data["details"],
        details_file_id=data.get("details_file_id"),
        details_file_kind=data.get("details_file_kind"),
        urgency=data["urgency"],
        requester_id=None if hotline else ctx.chat_id,
        entered_by=ctx.chat_id if hotline else None,
        caller_phone=data.get("caller_phone"),
        person_age=data.get("age") if other else None,
        person_phone=data.get("phone") or data.get("caller_phone"),
        self_isolation=data.get("isolation") if other else None,
        lat=data.get("lat"),
        lon=data.get("lon"),
        planned_on=planned,
        time_window=data["window"],
        form_token=data.get(engine.TOKEN),
        consent_at=datetime.fromisoformat(data["consent_at"]),
    )
    existing = await help_requests.by_form_token(db, draft.form_token)
    request = existing or await help_requests.create(db, draft, now)
    offered: list[int] = []
    if not existing:
        offered = await help_requests.offer_or_escalate(
            db,
            request,
            now,
            take_data=kb.take_data(request.id),
            default_locale=settings.default_locale,
            admin_ids=settings.admin_ids,
        )
        if hotline:
            await audit.record(
                db,
                actor_id=ctx.chat_id,
                action="hotline_request",
                now=now,
                roles=roles,
                target=f"request:{request.id}",
            )
        if data.get("callback_id"):  # filled from a call-back request: it is answered now
            await call_backs.link_to_request(
                db, int(data["callback_id"]), request.id, ctx.chat_id, now, roles=roles
            )
    await ctx.state.clear()
    if hotline:
        text = i18n.get("rq-created-hotline", id=request.id, code=request.door_code)
    elif request.hold_until is not None and not existing:  # the night: «today» waits (issue 19)
        text = i18n.get("esc-created-night", id=request.id)
    elif offered or existing:
        text = i18n.get("rq-created", id=request.id, status=request.status)
    else:
        text = i18n.get("rq-created-unmatched", id=request.id)
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=main_menu(i18n.get, roles))
    return True


# --- entry ----------------------------------------------------------------------------------------
@router.message(Command("request", ignore_case=True), StateFilter(None))
@router.message(Button("btn-ask-help"), StateFilter(None))
async def cmd_request(message: Message, **kwargs: Any) -> None:
    await start_form(message, hotline=False, **kwargs)


async def start_form(
    message: Message,
    *,
    hotline: bool,
    scope: list[int] | None = None,
    known: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> None:
    """Open the form (``kwargs``: the handler's arguments); a hotline operator who is not HQ
    picks among ``scope``'s territories; ``known`` answers are kept (a call-back's phone)."""
    ctx = await engine.context(message.chat.id, kwargs, REQUEST)
    if not await picker_options(ctx.db):
        await message.answer(ctx._("rq-no-territories"))
        return
    data = {
        "hotline": hotline,
        "scope": scope,
        "default_zone": ctx.extra["settings"].default_timezone,
        **(known or {}),
    }
    await engine.start(ctx, data, intro=ctx._("rq-start-hotline" if hotline else "rq-start"))
