"""The help request form: kind, for whom (the person's name, age, phone, self-isolation),
territory, address and an optional pin, what is needed, when, consent, then a summary to edit
or confirm. Back and cancel work at every step; the form lives in FSM storage, so it survives
a restart. A coordinator fills the same form for a hotline caller (/hotline)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.filters import ANSWER, Button
from bot.keyboards import requests as kb
from bot.keyboards.callbacks import RequestFormCb
from bot.keyboards.menus import main_menu
from bot.keyboards.volunteers import step_menu
from bot.keyboards.volunteers import territories as territory_picker
from bot.presenters import who_line
from bot.ranges import INT32_MAX, parse_int
from bot.services import audit, help_requests, volunteers
from bot.services.cleaning import clean_bounded, clean_text, window_numbers_ok
from bot.services.territories import all_territories, contains_point, options_under
from bot.services.users import Roles
from bot.telegram import edit_text
from models import RequestKind, Territory

router = Router(name=__name__)

ADDRESS_MIN, ADDRESS_MAX = 5, 300
DETAILS_MIN, DETAILS_MAX = 3, 1000
WINDOW_MAX = 30
PLANNED_DAYS_MAX = 60


class RequestForm(StatesGroup):
    caller_phone = State()
    kind = State()
    who = State()
    name = State()
    age = State()
    phone = State()
    isolation = State()
    territory = State()
    address = State()
    pin = State()
    details = State()
    urgency = State()
    date = State()
    window = State()
    consent = State()
    summary = State()


# Which steps each "edit" button of the summary walks through before returning to it.
EDIT_GROUPS: dict[str, tuple[State, ...]] = {
    "kind": (RequestForm.kind,),
    "person": (
        RequestForm.who,
        RequestForm.name,
        RequestForm.age,
        RequestForm.phone,
        RequestForm.isolation,
    ),
    "territory": (RequestForm.territory, RequestForm.pin),
    "address": (RequestForm.address, RequestForm.pin),
    "details": (RequestForm.details,),
    "when": (RequestForm.urgency, RequestForm.date, RequestForm.window),
}


def steps_for(data: dict[str, object]) -> list[State]:
    """The form's steps for what is known so far: the other person's age and self-isolation
    only when helping someone else, the date only for a planned request, the phone not again
    when a hotline caller asks for themselves."""
    other = data.get("for_other") is True
    hotline = bool(data.get("hotline"))
    steps: list[State] = [RequestForm.caller_phone] if hotline else []
    steps += [RequestForm.kind, RequestForm.who, RequestForm.name]
    if other:
        steps.append(RequestForm.age)
    if other or not hotline:
        steps.append(RequestForm.phone)
    if other:
        steps.append(RequestForm.isolation)
    steps += [RequestForm.territory, RequestForm.address, RequestForm.pin, RequestForm.details]
    steps.append(RequestForm.urgency)
    if data.get("urgency") == "planned":
        steps.append(RequestForm.date)
    steps += [RequestForm.window, RequestForm.consent]
    return steps


# What each step must leave in the form's data (the pin is optional).
REQUIRED: dict[str | None, str] = {
    RequestForm.caller_phone.state: "caller_phone",
    RequestForm.kind.state: "kind",
    RequestForm.who.state: "for_other",
    RequestForm.name.state: "name",
    RequestForm.age.state: "age",
    RequestForm.phone.state: "phone",
    RequestForm.isolation.state: "isolation",
    RequestForm.territory.state: "territory_id",
    RequestForm.address.state: "address",
    RequestForm.details.state: "details",
    RequestForm.urgency.state: "urgency",
    RequestForm.date.state: "planned_on",
    RequestForm.window.state: "window",
    RequestForm.consent.state: "consent_at",
}


def first_missing(data: dict[str, object]) -> State | None:
    """The first step whose answer is missing (e.g. a new person's age after "for whom" was
    edited and Back pressed): the summary and the confirmation send the person there."""
    for step in steps_for(data):
        key = REQUIRED.get(str(step.state))
        if key is not None and data.get(key) is None:
            return step
    return None


def group_of(step: State) -> str | None:
    return next((name for name, group in EDIT_GROUPS.items() if step in group), None)


# --- entry ----------------------------------------------------------------------------------
@router.message(Command("request", ignore_case=True), StateFilter(None))
@router.message(Button("btn-ask-help"), StateFilter(None))
async def cmd_request(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, settings: Settings
) -> None:
    await start_form(message, state, i18n, db, settings, hotline=False)


async def start_form(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    settings: Settings,
    *,
    hotline: bool,
    scope: list[int] | None = None,
) -> None:
    """Open the form; a hotline operator who is not HQ picks among ``scope``'s territories."""
    if not await all_territories(db):
        await message.answer(i18n.get("rq-no-territories"))
        return
    await state.set_data(
        {
            "hotline": hotline,
            "scope": scope,
            "default_zone": settings.default_timezone,
            # One per form: confirming it twice finds the request already made.
            "form_token": uuid.uuid4().hex,
        }
    )
    await message.answer(i18n.get("rq-start-hotline" if hotline else "rq-start"))
    first = RequestForm.caller_phone if hotline else RequestForm.kind
    await _ask(message, state, i18n, db, first)


async def _ask(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, step: State
) -> None:
    """Put the form on ``step`` and ask its question."""
    await state.set_state(step)
    data = await state.get_data()
    _ = i18n.get
    other = data.get("for_other") is True
    first = step == steps_for(data)[0]
    menu = step_menu(_, back=not first)
    if step == RequestForm.caller_phone:
        await message.answer(_("rq-ask-caller-phone"), reply_markup=menu)
    elif step == RequestForm.kind:
        await message.answer(_("rq-ask-kind"), reply_markup=menu)
        await message.answer(_("rq-ask-kind"), reply_markup=kb.kinds(_))
    elif step == RequestForm.who:
        await message.answer(_("rq-ask-who"), reply_markup=menu)
        await message.answer(_("rq-ask-who"), reply_markup=kb.who(_))
    elif step == RequestForm.name:
        await message.answer(
            _("rq-ask-name-other" if other else "rq-ask-name-self"), reply_markup=menu
        )
    elif step == RequestForm.age:
        await message.answer(_("rq-ask-age"), reply_markup=menu)
    elif step == RequestForm.phone:
        await message.answer(
            _("rq-ask-phone-other" if other else "rq-ask-phone-self"),
            reply_markup=step_menu(_, contact=not other and not data.get("hotline")),
        )
    elif step == RequestForm.isolation:
        await message.answer(_("rq-ask-isolation"), reply_markup=menu)
        await message.answer(_("rq-ask-isolation"), reply_markup=kb.yes_no(_, "i"))
    elif step == RequestForm.territory:
        await state.update_data(territory_node=None)
        await message.answer(_("rq-ask-territory"), reply_markup=menu)
        options = await _options(db, data, None)
        await message.answer(
            _("rq-ask-territory"),
            reply_markup=territory_picker(_, options, 0, i18n.locale, kb.form_button),
        )
    elif step == RequestForm.address:
        await message.answer(_("rq-ask-address"), reply_markup=menu)
    elif step == RequestForm.pin:
        await message.answer(_("rq-ask-pin"), reply_markup=step_menu(_, location=True, skip=True))
    elif step == RequestForm.details:
        await message.answer(_("rq-ask-details", max=DETAILS_MAX), reply_markup=menu)
    elif step == RequestForm.urgency:
        await message.answer(_("rq-ask-urgency"), reply_markup=menu)
        await message.answer(_("rq-ask-urgency"), reply_markup=kb.urgencies(_))
    elif step == RequestForm.date:
        example = (await _today(db, data) + timedelta(days=2)).strftime("%d.%m.%Y")
        await message.answer(_("rq-ask-date", example=example), reply_markup=menu)
    elif step == RequestForm.window:
        await message.answer(_("rq-ask-window"), reply_markup=menu)
        await message.answer(_("rq-ask-window"), reply_markup=kb.windows(_))
    elif step == RequestForm.consent:
        await message.answer(_("rq-ask-consent"), reply_markup=menu)
        consent = (
            "rq-consent-hotline"
            if data.get("hotline")
            else ("rq-consent-other" if other else "rq-consent-self")
        )
        await message.answer(_(consent), reply_markup=kb.consent(_))
    else:
        await _show_summary(message, state, i18n, db)


async def _next(message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession) -> None:
    """After a valid answer: the next step; when editing, the next step of the edited group or
    the summary."""
    data = await state.get_data()
    current = await state.get_state()
    steps = steps_for(data)
    index = next((i for i, s in enumerate(steps) if s.state == current), len(steps) - 1)
    following = steps[index + 1] if index + 1 < len(steps) else RequestForm.summary
    editing = data.get("editing")
    if editing:
        group = EDIT_GROUPS.get(str(editing), ())
        if following not in group:
            await _show_summary(message, state, i18n, db)
            return
    await _ask(message, state, i18n, db, following)


async def _options(
    db: AsyncSession, data: dict[str, object], parent_id: int | None
) -> list[Territory]:
    """The picker's choices; a hotline operator who is not HQ picks among their own."""
    scope = data.get("scope")
    if isinstance(scope, list):
        return sorted(
            (t for t in await all_territories(db) if t.id in scope), key=lambda t: t.name_ru
        )
    return await options_under(db, parent_id)


async def _zone(db: AsyncSession, data: dict[str, object]) -> str:
    territory_id = data.get("territory_id")
    territory = await db.get(Territory, territory_id) if isinstance(territory_id, int) else None
    if territory is not None:
        return territory.timezone
    return str(data.get("default_zone") or "UTC")


async def _today(db: AsyncSession, data: dict[str, object]) -> date:
    """Today in the territory's zone, as of the update that led to the date question (the
    urgency or date handler stores the clock's "now"; _ask has no clock of its own)."""
    now = data.get("now")
    moment = (
        datetime.fromisoformat(str(now)) if isinstance(now, str) else datetime.now(ZoneInfo("UTC"))
    )
    return moment.astimezone(ZoneInfo(await _zone(db, data))).date()


# --- back, and the steps ------------------------------------------------------------------
@router.message(StateFilter(RequestForm), Button("btn-back"))
async def form_back(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    data = await state.get_data()
    current = await state.get_state()
    if current == RequestForm.summary.state:
        await _ask(message, state, i18n, db, RequestForm.consent)
        return
    steps = steps_for(data)
    index = next((i for i, s in enumerate(steps) if s.state == current), 0)
    previous = steps[max(0, index - 1)]
    editing = data.get("editing")
    if editing and (index == 0 or previous not in EDIT_GROUPS.get(str(editing), ())):
        # Back from the first step of an edit: the summary (which asks for anything missing).
        await _show_summary(message, state, i18n, db)
        return
    await _ask(message, state, i18n, db, previous)


@router.message(RequestForm.caller_phone, ANSWER)
async def process_caller_phone(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    phone = volunteers.normalize_phone(message.text)
    if phone is None:
        await message.answer(i18n.get("rq-bad-phone"))
        return
    await state.update_data(caller_phone=phone)
    await _next(message, state, i18n, db)


@router.callback_query(RequestForm.kind, RequestFormCb.filter(F.step == "k"))
async def cb_kind(
    query: CallbackQuery,
    callback_data: RequestFormCb,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    if not isinstance(query.message, Message) or callback_data.value not in set(RequestKind):
        return
    await state.update_data(kind=callback_data.value)
    label = i18n.get("request-kind", kind=callback_data.value)
    await edit_text(query.message, f"{i18n.get('rq-ask-kind')} {label}")
    await _next(query.message, state, i18n, db)


@router.callback_query(RequestForm.who, RequestFormCb.filter(F.step == "w"))
async def cb_who(
    query: CallbackQuery,
    callback_data: RequestFormCb,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    if not isinstance(query.message, Message) or callback_data.value not in ("self", "other"):
        return
    data = await state.get_data()
    other = callback_data.value == "other"
    if data.get("for_other") is not None and data.get("for_other") != other:
        # Another person now: what was said of the previous one (and the consent given for
        # it) no longer holds.
        await state.update_data(consent_at=None, age=None, isolation=None, phone=None)
    await state.update_data(for_other=other)
    label = i18n.get("btn-for-other" if other else "btn-for-me")
    await edit_text(query.message, f"{i18n.get('rq-ask-who')} {label}")
    await _next(query.message, state, i18n, db)


@router.message(RequestForm.name, ANSWER)
async def process_name(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    name = volunteers.clean_name(message.text)
    if name is None:
        await message.answer(i18n.get("rq-bad-name"))
        return
    await state.update_data(name=name)
    await _next(message, state, i18n, db)


@router.message(RequestForm.age, ANSWER)
async def process_age(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    text = (message.text or "").strip()
    age = int(text) if text.isdecimal() and text.isascii() else None
    if age is None or not 1 <= age <= 120:
        await message.answer(i18n.get("rq-bad-age"))
        return
    await state.update_data(age=age)
    await _next(message, state, i18n, db)


@router.message(RequestForm.phone, F.contact)
async def process_contact(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    """Any shared contact will do: for another person it is usually theirs from the phone book."""
    assert message.contact is not None
    await _take_phone(message, state, i18n, db, message.contact.phone_number)


@router.message(RequestForm.phone, ANSWER)
async def process_phone(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    await _take_phone(message, state, i18n, db, message.text or "")


async def _take_phone(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, text: str
) -> None:
    phone = volunteers.normalize_phone(text)
    if phone is None:
        await message.answer(i18n.get("rq-bad-phone"))
        return
    await state.update_data(phone=phone)
    await _next(message, state, i18n, db)


@router.callback_query(RequestForm.isolation, RequestFormCb.filter(F.step == "i"))
async def cb_isolation(
    query: CallbackQuery,
    callback_data: RequestFormCb,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    if not isinstance(query.message, Message) or callback_data.value not in ("yes", "no"):
        return
    await state.update_data(isolation=callback_data.value == "yes")
    label = i18n.get(f"btn-{callback_data.value}")
    await edit_text(query.message, f"{i18n.get('rq-ask-isolation')} {label}")
    await _next(query.message, state, i18n, db)


@router.callback_query(RequestForm.territory, RequestFormCb.filter(F.step.in_({"t", "tp"})))
async def cb_territory(
    query: CallbackQuery,
    callback_data: RequestFormCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return
    data = await state.get_data()
    _ = i18n.get
    if callback_data.step == "tp":
        node = data.get("territory_node")
        options = await _options(db, data, node if isinstance(node, int) else None)
        await edit_text(
            message,
            _("rq-ask-territory"),
            reply_markup=territory_picker(
                _, options, callback_data.page, i18n.locale, kb.form_button
            ),
        )
        return
    chosen_id = parse_int(callback_data.value, 1, INT32_MAX)  # territories.id is 32-bit
    chosen = await db.get(Territory, chosen_id) if chosen_id is not None else None
    if chosen is None:
        callback_answer.text = _("stale-button")
        callback_answer.show_alert = True
        return
    scope = data.get("scope")
    if isinstance(scope, list) and chosen.id not in scope:
        callback_answer.text = _("rq-out-of-scope")
        callback_answer.show_alert = True
        return
    children = [] if isinstance(scope, list) else await options_under(db, chosen.id)
    if children:  # a region: choose one of its districts
        await state.update_data(territory_node=chosen.id)
        await edit_text(
            message,
            _("rq-ask-territory"),
            reply_markup=territory_picker(_, children, 0, i18n.locale, kb.form_button),
        )
        return
    if data.get("territory_id") != chosen.id:
        await state.update_data(lat=None, lon=None)  # a pin belongs to the old territory
    await state.update_data(territory_id=chosen.id, territory_node=None)
    await edit_text(message, f"{_('rq-ask-territory')} {html.quote(chosen.name(i18n.locale))}")
    await _next(message, state, i18n, db)


@router.message(RequestForm.address, ANSWER)
async def process_address(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    address = clean_bounded(message.text, ADDRESS_MIN, ADDRESS_MAX)
    if address is None:
        await message.answer(i18n.get("rq-bad-address"))
        return
    await state.update_data(address=address)
    await _next(message, state, i18n, db)


@router.message(RequestForm.pin, F.location)
async def process_pin(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    assert message.location is not None
    lat, lon = message.location.latitude, message.location.longitude
    data = await state.get_data()
    territory_id = data.get("territory_id")
    territory = await db.get(Territory, territory_id) if isinstance(territory_id, int) else None
    if territory is not None and not contains_point(territory, lat, lon):
        await state.update_data(pending_pin=[lat, lon])
        await message.answer(
            i18n.get("rq-pin-outside", territory=html.quote(territory.name(i18n.locale))),
            reply_markup=kb.pin_outside(i18n.get),
        )
        return
    await state.update_data(lat=lat, lon=lon, pending_pin=None)
    await _next(message, state, i18n, db)


@router.callback_query(RequestForm.pin, RequestFormCb.filter(F.step == "pin"))
async def cb_pin_outside(
    query: CallbackQuery,
    callback_data: RequestFormCb,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    pending = (await state.get_data()).get("pending_pin")
    if message is None or not isinstance(pending, list):
        return
    await edit_text(message, message.html_text)
    if callback_data.value == "keep":
        await state.update_data(lat=pending[0], lon=pending[1], pending_pin=None)
        await _next(message, state, i18n, db)
        return
    await state.update_data(pending_pin=None)
    await message.answer(i18n.get("rq-pin-again"))


@router.message(RequestForm.pin, Button("btn-skip"))
async def process_pin_skip(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    await state.update_data(lat=None, lon=None, pending_pin=None)
    await _next(message, state, i18n, db)


@router.message(RequestForm.details, ANSWER)
async def process_details(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    details = clean_text(message.text, multiline=True)
    if not DETAILS_MIN <= len(details) <= DETAILS_MAX:
        await message.answer(i18n.get("rq-bad-details", max=DETAILS_MAX, length=len(details)))
        return
    await state.update_data(details=details)
    await _next(message, state, i18n, db)


@router.callback_query(RequestForm.urgency, RequestFormCb.filter(F.step == "u"))
async def cb_urgency(
    query: CallbackQuery,
    callback_data: RequestFormCb,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
) -> None:
    if not isinstance(query.message, Message) or callback_data.value not in kb.URGENCIES:
        return
    await state.update_data(urgency=callback_data.value, now=clock.now().isoformat())
    if callback_data.value != "planned":
        await state.update_data(planned_on=None)
    label = i18n.get(f"btn-urgency-{callback_data.value}")
    await edit_text(query.message, f"{i18n.get('rq-ask-urgency')} {label}")
    await _next(query.message, state, i18n, db)


@router.message(RequestForm.date, ANSWER)
async def process_date(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, clock: Clock
) -> None:
    await state.update_data(now=clock.now().isoformat())
    data = await state.get_data()
    today = await _today(db, data)
    try:
        planned = datetime.strptime((message.text or "").strip(), "%d.%m.%Y").date()
    except ValueError:
        planned = None
    if planned is None or not today < planned <= today + timedelta(days=PLANNED_DAYS_MAX):
        example = (today + timedelta(days=2)).strftime("%d.%m.%Y")
        await message.answer(i18n.get("rq-bad-date", example=example))
        return
    await state.update_data(planned_on=planned.isoformat())
    await _next(message, state, i18n, db)


@router.callback_query(RequestForm.window, RequestFormCb.filter(F.step == "win"))
async def cb_window(
    query: CallbackQuery,
    callback_data: RequestFormCb,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    if not isinstance(query.message, Message) or callback_data.value not in kb.WINDOWS:
        return
    await state.update_data(window=callback_data.value)
    label = i18n.get(f"btn-window-{callback_data.value}")
    await edit_text(query.message, f"{i18n.get('rq-ask-window')} {label}")
    await _next(query.message, state, i18n, db)


@router.message(RequestForm.window, ANSWER)
async def process_window(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    window = clean_bounded(message.text, 1, WINDOW_MAX)
    if window is None or window in kb.WINDOWS:
        await message.answer(i18n.get("rq-bad-window", max=WINDOW_MAX))
        return
    # A typed window goes to every volunteer offered the request: no phone numbers in it.
    if not window_numbers_ok(window):
        await message.answer(i18n.get("input-bad-window"))
        return
    await state.update_data(window=window)
    await _next(message, state, i18n, db)


@router.callback_query(RequestForm.consent, RequestFormCb.filter(F.step == "c"))
async def cb_consent(
    query: CallbackQuery, state: FSMContext, i18n: I18nContext, db: AsyncSession, clock: Clock
) -> None:
    if not isinstance(query.message, Message):
        return
    await state.update_data(consent_at=clock.now().isoformat())
    await edit_text(query.message, query.message.html_text + "\n\n" + i18n.get("btn-agree"))
    await _show_summary(query.message, state, i18n, db)


# --- summary, edit, confirm ---------------------------------------------------------------
async def _show_summary(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    data = await state.get_data()
    missing = first_missing(data)
    if missing is not None:  # e.g. a new person since the consent was given
        await state.update_data(editing=group_of(missing))
        await _ask(message, state, i18n, db, missing)
        return
    await state.set_state(RequestForm.summary)
    await state.update_data(editing=None)
    _ = i18n.get
    territory = await db.get(Territory, data["territory_id"])
    other = data.get("for_other") is True
    planned = _planned(data)
    text = _(
        "rq-summary",
        kind=data["kind"],
        who=who_line(
            _,
            for_other=other,
            name=data["name"],
            phone=data.get("phone") or data.get("caller_phone"),
            age=data.get("age"),
            self_isolation=data.get("isolation"),
        ),
        territory=html.quote(territory.name(i18n.locale)) if territory else "?",
        address=html.quote(data["address"]),
        details=html.quote(data["details"]),
        urgency=data["urgency"],
        planned=planned.strftime("%d.%m.%Y") if planned else "-",
        window=html.quote(data["window"]),
    )
    extra = []
    if data.get("caller_phone"):
        extra.append(
            _("rq-caller-line", phone=html.quote(volunteers.format_phone(data["caller_phone"])))
        )
    if data.get("lat") is not None:
        extra.append(_("rq-pin-line"))
    await message.answer(_("rq-summary-hint"), reply_markup=step_menu(_))
    await message.answer("\n".join([text, *extra]), reply_markup=kb.summary(_))


def _planned(data: dict[str, object]) -> date | None:
    value = data.get("planned_on")
    return date.fromisoformat(value) if isinstance(value, str) else None


@router.callback_query(RequestForm.summary, RequestFormCb.filter(F.step == "e"))
async def cb_edit(
    query: CallbackQuery,
    callback_data: RequestFormCb,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    group = EDIT_GROUPS.get(callback_data.value)
    if group is None or not isinstance(query.message, Message):
        return
    await state.update_data(editing=callback_data.value)
    await _ask(query.message, state, i18n, db, group[0])


@router.callback_query(RequestForm.summary, RequestFormCb.filter(F.step == "ok"))
async def cb_confirm(
    query: CallbackQuery,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    settings: Settings,
    bot: Bot,
) -> None:
    data = await state.get_data()
    now = clock.now()
    hotline = bool(data.get("hotline"))
    planned = _planned(data)
    if planned is not None and planned <= await _today(db, {**data, "now": now.isoformat()}):
        await state.update_data(planned_on=None)  # the form waited for days: the date passed
        data = await state.get_data()
    if first_missing(data) is not None:
        if isinstance(query.message, Message):
            await _show_summary(query.message, state, i18n, db)
        return
    if hotline and not roles.can_act_in(int(data["territory_id"])):
        await state.clear()
        await bot.send_message(query.from_user.id, i18n.get("rq-out-of-scope"))
        return
    other = data.get("for_other") is True
    draft = help_requests.Draft(
        kind=data["kind"],
        for_other=other,
        person_name=data["name"],
        territory_id=int(data["territory_id"]),
        address=data["address"],
        details=data["details"],
        urgency=data["urgency"],
        requester_id=None if hotline else query.from_user.id,
        entered_by=query.from_user.id if hotline else None,
        caller_phone=data.get("caller_phone"),
        person_age=data.get("age") if other else None,
        person_phone=data.get("phone") or data.get("caller_phone"),
        self_isolation=data.get("isolation") if other else None,
        lat=data.get("lat"),
        lon=data.get("lon"),
        planned_on=_planned(data),
        time_window=data["window"],
        form_token=data.get("form_token"),
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
                actor_id=query.from_user.id,
                action="hotline_request",
                now=now,
                roles=roles,
                target=f"request:{request.id}",
            )
    await state.clear()
    await db.commit()
    if isinstance(query.message, Message):
        await edit_text(query.message, query.message.html_text)
    if hotline:
        text = i18n.get("rq-created-hotline", id=request.id, code=request.door_code)
    elif offered or existing:
        text = i18n.get("rq-created", id=request.id, status=request.status)
    else:
        text = i18n.get("rq-created-unmatched", id=request.id)
    await bot.send_message(query.from_user.id, text, reply_markup=main_menu(i18n.get, roles))


# --- anything else while the form is open: the step's question again ----------------------
@router.message(StateFilter(RequestForm), ~F.text.startswith("/"))
async def form_unexpected(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, clock: Clock
) -> None:
    current = await state.get_state()
    await state.update_data(now=clock.now().isoformat())
    example = (await _today(db, await state.get_data()) + timedelta(days=2)).strftime("%d.%m.%Y")
    hints = {
        RequestForm.caller_phone.state: "rq-bad-phone",
        RequestForm.name.state: "rq-bad-name",
        RequestForm.age.state: "rq-bad-age",
        RequestForm.phone.state: "rq-bad-phone",
        RequestForm.address.state: "rq-bad-address",
        RequestForm.pin.state: "rq-pin-again",
        RequestForm.details.state: "rq-bad-details",
        RequestForm.date.state: "rq-bad-date",
        RequestForm.window.state: "rq-bad-window",
    }
    key = hints.get(str(current), "form-use-buttons")
    await message.answer(
        i18n.get(
            key,
            max=WINDOW_MAX if key == "rq-bad-window" else DETAILS_MAX,
            length=len(message.text or ""),
            example=example,
        )
    )
