"""The coordinators' request console (issue 19): /requests as a filtered list (most urgent
first, then the longest waiting) with counts per filter; on a card, an internal note and a
cancel with a reason (single typed steps, as «could not help»); finding a volunteer to assign
or reassign by name or phone, each shown with their open tasks and last activity."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.filters import ANSWER, SPOKEN
from bot.formatting import local
from bot.keyboards import console as console_kb
from bot.keyboards import requests as kb
from bot.keyboards.callbacks import ConsoleCb, CoordRequestCb
from bot.keyboards.menus import cancel_menu, main_menu
from bot.services import audit, console, help_requests, volunteers
from bot.services.cleaning import clean_text
from bot.services.console import Filters
from bot.services.territories import all_territories
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.coordinator.requests import request_in_scope
from handlers.coordinator.rescope import still_in_scope
from models import HelpRequest, RequestStatus, Territory, Volunteer

router = Router(name=__name__)
PAGE = 10
FOUND_MAX = 8
QUERY_MAX = 60


class ConsoleForm(StatesGroup):
    note = State()
    cancel = State()
    find = State()


# --- the list -------------------------------------------------------------------------------
async def render_list(
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    filters: Filters,
    offset: int,
    clock: Clock,
) -> tuple[str, InlineKeyboardMarkup]:
    _ = i18n.get
    scope = None if roles.is_hq else roles.territory_ids
    if filters.territory_id is not None and not roles.can_act_in(filters.territory_id):
        filters = filters.but(territory_id=None)
    found = await console.page(db, scope, filters, clock.now(), offset=offset, limit=PAGE)
    if not found.rows and offset > 0:  # the list shrank under a later page
        offset = 0
        found = await console.page(db, scope, filters, clock.now(), offset=0, limit=PAGE)
    markup = console_kb.console_list(
        _, found.rows, filters, offset=offset, more=found.has_more, page_size=PAGE
    )
    narrowed = filters.but(status="open") != Filters() or filters.status not in ("open", "all")
    if not found.rows:
        if narrowed:
            return _("console-empty-filtered"), markup
        key = "coord-requests-empty-all" if filters.status == "all" else "coord-requests-empty"
        return _(key), markup
    names = {t.id: t.name(i18n.locale) for t in await all_territories(db)}
    lines = [
        _("console-title", status=filters.status, total=found.total)
        if filters.status != "open"
        else _("coord-requests-title", total=found.total)
    ]
    if narrowed:
        lines.append(_("console-filtered"))
    if filters.status == "open" and not filters.unattended:
        unattended_total = await help_requests.count_unattended(db, scope)
        if unattended_total:
            lines.append(_("coord-requests-unattended-total", count=unattended_total))
    for r in found.rows:
        line = _(
            "coord-requests-line",
            id=r.id,
            kind=r.kind,
            territory=html.quote(names.get(r.territory_id, "?")),
            status=r.status,
            hotline="yes" if r.requester_id is None else "no",
        )
        if r.status in help_requests.OPEN and r.urgency == "today":
            line += _("console-urgent-mark")
        if r.id in found.overdue:
            line += _("console-overdue-mark")
        if r.id in found.unattended:
            line += _("coord-requests-unattended-mark")
        lines.append(line)
    return "\n".join(lines), markup


@router.message(Command("requests", ignore_case=True))
async def cmd_requests(
    message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles, clock: Clock
) -> None:
    text, markup = await render_list(i18n, db, roles, Filters(), 0, clock)
    await message.answer(text, reply_markup=markup)


@router.callback_query(CoordRequestCb.filter(F.action == "page"))
async def cb_old_page(
    query: CallbackQuery,
    callback_data: CoordRequestCb,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    """A list sent before the console: its paging buttons still work."""
    filters = Filters(status="all" if callback_data.everything else "open")
    text, markup = await render_list(i18n, db, roles, filters, callback_data.offset, clock)
    if isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)


@router.callback_query(ConsoleCb.filter(F.a == "ls"))
async def cb_list(
    query: CallbackQuery,
    callback_data: ConsoleCb,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    filters = console_kb.from_data(callback_data)
    text, markup = await render_list(i18n, db, roles, filters, callback_data.o, clock)
    if isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)


@router.callback_query(ConsoleCb.filter(F.a == "fl"))
async def cb_filters(
    query: CallbackQuery,
    callback_data: ConsoleCb,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    filters = console_kb.from_data(callback_data)
    if filters.territory_id is not None and not roles.can_act_in(filters.territory_id):
        filters = filters.but(territory_id=None)
    scope = None if roles.is_hq else roles.territory_ids
    counts = await console.counts(db, scope, filters, clock.now())
    places = [
        (t.id, t.name(i18n.locale)) for t in await all_territories(db) if roles.can_act_in(t.id)
    ]
    markup = console_kb.filters_screen(i18n.get, filters, counts, places)
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("console-filters-title"), reply_markup=markup)


# --- a note, a cancel with a reason ------------------------------------------------------------
async def _begin(
    query: CallbackQuery,
    callback_data: ConsoleCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
    step: State,
    question: str,
    *,
    open_only: bool,
) -> None:
    request = await request_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if request is None:
        return
    if open_only and request.status not in help_requests.OPEN:
        callback_answer.text = i18n.get(
            "coord-request-not-open", id=request.id, status=request.status
        )
        callback_answer.show_alert = True
        return
    if await state.get_state() is not None:  # another form is open: do not wipe it
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    await state.set_state(step)
    await state.set_data({"request_id": request.id})
    await bot.send_message(
        query.from_user.id, i18n.get(question, id=request.id), reply_markup=cancel_menu(i18n.get)
    )


@router.callback_query(ConsoleCb.filter(F.a == "note"))
async def cb_note(
    query: CallbackQuery,
    callback_data: ConsoleCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
) -> None:
    await _begin(
        query, callback_data, callback_answer, state, i18n, db, roles, bot,
        ConsoleForm.note, "console-ask-note", open_only=False,
    )  # fmt: skip


@router.callback_query(ConsoleCb.filter(F.a == "cancel"))
async def cb_cancel(
    query: CallbackQuery,
    callback_data: ConsoleCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
) -> None:
    await _begin(
        query, callback_data, callback_answer, state, i18n, db, roles, bot,
        ConsoleForm.cancel, "console-ask-cancel-reason", open_only=True,
    )  # fmt: skip


async def _request_of_form(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> HelpRequest | None:
    """The form's request, if the coordinator may still act on it (a scope taken away
    meanwhile is refused and put on record, as «could not help» does)."""
    request_id = int((await state.get_data())["request_id"])
    await state.clear()
    request = await db.get(HelpRequest, request_id)
    if request is None:
        await message.answer(
            i18n.get("coord-request-not-yours"), reply_markup=main_menu(i18n.get, roles)
        )
        return None
    target = f"request:{request_id}"
    if not await still_in_scope(
        message, request.territory_id, target, request_id, i18n, db, roles, clock
    ):
        return None
    return request


@router.message(ConsoleForm.note, ANSWER)
async def process_note(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
) -> None:
    text = clean_text(message.text or "")
    if not text or len(text) > console.NOTE_MAX:
        await message.answer(i18n.get("console-bad-note", max=console.NOTE_MAX))
        return
    request = await _request_of_form(message, state, i18n, db, roles, clock)
    if request is None:
        return
    now = clock.now()
    await console.add_note(db, request.id, text, message.chat.id, now)
    await audit.record(
        db, actor_id=message.chat.id, action="request_note", now=now, roles=roles,
        target=f"request:{request.id}",
    )  # fmt: skip
    await message.answer(
        i18n.get("console-note-saved", id=request.id), reply_markup=main_menu(i18n.get, roles)
    )


@router.message(ConsoleForm.cancel, ANSWER)
async def process_cancel_reason(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
) -> None:
    reason = volunteers.clean_reason(message.text)
    if reason is None or len(reason) > console.REASON_MAX:
        await message.answer(i18n.get("console-bad-reason", max=console.REASON_MAX))
        return
    request = await _request_of_form(message, state, i18n, db, roles, clock)
    if request is None:
        return
    now = clock.now()
    cancelled = await console.cancel(db, request.id, reason, message.chat.id, now)
    if cancelled:
        await audit.record(
            db, actor_id=message.chat.id, action="request_cancelled", now=now, roles=roles,
            target=f"request:{request.id}", details={"reason": reason},
        )  # fmt: skip
    await db.refresh(request)
    key = "console-request-cancelled" if cancelled else "coord-request-not-open"
    await message.answer(
        i18n.get(key, id=request.id, status=request.status),
        reply_markup=main_menu(i18n.get, roles),
    )


# --- finding a volunteer ---------------------------------------------------------------------
async def candidate_lines(
    i18n: I18nContext,
    db: AsyncSession,
    request: HelpRequest,
    page: list[tuple[Volunteer, int]],
    hq_zone: ZoneInfo,
) -> list[str]:
    """One line per volunteer: open tasks and last activity (the territory's local time)."""
    territory = await db.get(Territory, request.territory_id)
    zone = territory.timezone if territory else None
    seen = await console.last_activity(db, [v.id for v, _ in page])
    return [
        i18n.get(
            "console-candidate",
            name=html.quote(v.name),
            phone=html.quote(volunteers.format_phone(v.phone)),
            tasks=tasks,
            seen=local(seen[v.id], zone, hq_zone) if v.id in seen else "—",
        )
        for v, tasks in page
    ]


async def candidates_for(
    db: AsyncSession, request: HelpRequest, clock: Clock
) -> list[tuple[Volunteer, int]]:
    """Who may be given the request: the fitting volunteers, without its current holder."""
    today = await volunteers.local_today(db, request.territory_id, clock.now())
    found = await help_requests.assignable(db, request, today)
    return [(v, tasks) for v, tasks in found if v.id != request.volunteer_id]


@router.callback_query(ConsoleCb.filter(F.a == "find"))
async def cb_find(
    query: CallbackQuery,
    callback_data: ConsoleCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
) -> None:
    await _begin(
        query, callback_data, callback_answer, state, i18n, db, roles, bot,
        ConsoleForm.find, "console-ask-find", open_only=True,
    )  # fmt: skip


@router.message(ConsoleForm.find, ANSWER)
async def process_find(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    settings: Settings,
) -> None:
    query = clean_text(message.text or "")
    if not query or len(query) > QUERY_MAX:
        await message.answer(i18n.get("console-bad-find", max=QUERY_MAX))
        return
    request = await _request_of_form(message, state, i18n, db, roles, clock)
    if request is None:
        return
    if request.status not in help_requests.OPEN:
        await message.answer(
            i18n.get("coord-request-not-open", id=request.id, status=request.status),
            reply_markup=main_menu(i18n.get, roles),
        )
        return
    found = [c for c in await candidates_for(db, request, clock) if console.matches(c[0], query)]
    await message.answer(
        i18n.get("console-found", count=len(found), query=html.quote(query)),
        reply_markup=main_menu(i18n.get, roles),
    )
    if not found:
        return
    page = found[:FOUND_MAX]
    lines = [i18n.get("console-assign-title", id=request.id, status=request.status)]
    lines += await candidate_lines(i18n, db, request, page, settings.tz)
    markup = kb.assign_list(
        i18n.get, request.id, [(v.name, v.id, t) for v, t in page],
        offset=0, total=len(page), page_size=FOUND_MAX,
        reassign=request.status != RequestStatus.NEW,
    )  # fmt: skip
    await message.answer("\n".join(lines), reply_markup=markup)


@router.message(
    StateFilter(ConsoleForm.note, ConsoleForm.cancel, ConsoleForm.find),
    ~F.text.startswith("/"),
    ~SPOKEN,
)
async def form_not_text(message: Message, state: FSMContext, i18n: I18nContext) -> None:
    step = await state.get_state()
    if step == ConsoleForm.note.state:
        await message.answer(i18n.get("console-bad-note", max=console.NOTE_MAX))
    elif step == ConsoleForm.cancel.state:
        await message.answer(i18n.get("console-bad-reason", max=console.REASON_MAX))
    else:
        await message.answer(i18n.get("console-bad-find", max=QUERY_MAX))
