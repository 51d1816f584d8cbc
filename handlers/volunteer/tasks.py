"""A volunteer's tasks: take one from a push (exactly one wins), the details, on my way, done
(a report, hours, an optional receipt photo), cannot (a reason), and "My tasks"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiogram import Bot, F, Router
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramServerError,
)
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot import transactions
from bot.clock import Clock
from bot.config import Settings
from bot.filters import ANSWER, Button
from bot.formatting import local_date
from bot.keyboards import requests as kb
from bot.keyboards.callbacks import TaskCb
from bot.keyboards.menus import main_menu, step_menu
from bot.presenters import task_details
from bot.services import audit, details, help_requests, volunteers
from bot.services.cleaning import clean_bounded
from bot.services.users import Roles
from bot.telegram import edit_text, no_blind_retry
from models import HelpRequest, RequestStatus, Territory, Volunteer, VolunteerStatus

router = Router(name=__name__)

REPORT_MIN, REPORT_MAX = 2, 1000
REASON_MIN, REASON_MAX = 2, 300
HOURS_MIN, HOURS_MAX = 0.25, 24.0
# One volunteer holds at most this many tasks at once: the rest stay for the others (and
# nobody collects a stack of strangers' addresses).
OPEN_TASKS_MAX = 5
CLOSED = (RequestStatus.CANCELLED, RequestStatus.FAILED)
DETAILS_ATTEMPTS = 2
MEDIA_SHOWN_MINUTES = 60
MEDIA_SHOWN_FOR = timedelta(
    minutes=MEDIA_SHOWN_MINUTES
)  # a details message whose answer was lost is sent once more


class TaskReport(StatesGroup):
    report = State()
    hours = State()
    receipt = State()


class TaskDecline(StatesGroup):
    reason = State()


async def _volunteer(db: AsyncSession, user_id: int) -> Volunteer | None:
    volunteer = await volunteers.profile_of(db, user_id)
    if volunteer is None or volunteer.status != VolunteerStatus.APPROVED:
        return None
    return volunteer


async def _paused(db: AsyncSession, volunteer: Volunteer, clock: Clock) -> bool:
    today = await volunteers.local_today(db, volunteer.territory_id, clock.now())
    return volunteers.is_paused(volunteer, today)


@router.callback_query(TaskCb.filter(F.action == "take"))
async def cb_take(
    query: CallbackQuery,
    callback_data: TaskCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
) -> None:
    callback_answer.show_alert = True
    volunteer = await _volunteer(db, query.from_user.id)
    request = await db.get(HelpRequest, callback_data.id)
    if volunteer is None or await _paused(db, volunteer, clock):
        callback_answer.text = i18n.get("task-not-volunteer")
        return
    if request is not None and request.volunteer_id == volunteer.id:
        callback_answer.text = i18n.get("task-already-yours", id=request.id)
        return
    if request is not None and request.requester_id == query.from_user.id:
        callback_answer.text = i18n.get("task-own-request")
        return
    if request is None or not await help_requests.was_offered(db, request.id, volunteer.id):
        callback_answer.text = i18n.get("task-taken-late")
        await _settle_push(query, i18n, request)
        return
    open_tasks = await help_requests.open_tasks_of(db, volunteer.id)
    if len(open_tasks) >= OPEN_TASKS_MAX:
        callback_answer.text = i18n.get("task-too-many", max=OPEN_TASKS_MAX)
        return
    result = await help_requests.take(db, request.id, volunteer, clock.now())
    if result is None or not result.won:
        callback_answer.text = i18n.get("task-taken-late")
        await _settle_push(query, i18n, result.request if result else None)
        return
    callback_answer.show_alert = False
    callback_answer.text = i18n.get("task-taken", id=request.id)
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("task-taken", id=request.id))
    await _send_details(bot, db, query.from_user.id, volunteer.id, i18n, result.request, clock)


async def _settle_push(
    query: CallbackQuery, i18n: I18nContext, request: HelpRequest | None
) -> None:
    """A «Take» pressed on a push that no longer stands: that very message says so and loses
    its button. It may be a copy the bot never learnt the id of (sent twice across a crash),
    which no "taken" edit could reach."""
    if request is None or request.status == RequestStatus.NEW:
        return  # still searching: the press was refused for another reason
    if not isinstance(query.message, Message):
        return
    key = "request-push-closed" if request.status in CLOSED else "request-taken-by-other"
    await edit_text(query.message, i18n.get(key, id=request.id))


async def _own_task(
    db: AsyncSession, request_id: int, user_id: int
) -> tuple[Volunteer, HelpRequest] | None:
    volunteer = await _volunteer(db, user_id)  # a blocked or departed one holds no task
    request = await db.get(HelpRequest, request_id)
    if volunteer is None or request is None or request.volunteer_id != volunteer.id:
        return None
    return volunteer, request


@router.callback_query(TaskCb.filter(F.action == "open"))
async def cb_open(
    query: CallbackQuery,
    callback_data: TaskCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
) -> None:
    own = await _own_task(db, callback_data.id, query.from_user.id)
    if own is None:
        callback_answer.text = i18n.get("task-not-yours")
        callback_answer.show_alert = True
        return
    if not _still_open(own):  # done, or closed: the person's data is not shown again
        callback_answer.text = i18n.get("task-closed-no-details", id=callback_data.id)
        callback_answer.show_alert = True
        return
    await _send_details(bot, db, query.from_user.id, own[0].id, i18n, own[1], clock)


async def _send_details(
    bot: Bot,
    db: AsyncSession,
    user_id: int,
    volunteer_id: int,
    i18n: I18nContext,
    request: HelpRequest,
    clock: Clock,
) -> None:
    """The person's data, to the volunteer holding the task, and the voice note or photo the
    requester gave with it. Each message is recorded like the card and hidden with it."""
    text = task_details(i18n.get, request)
    markup = kb.task_actions(i18n.get, request)
    sent = await _recorded_send(
        db,
        request.id,
        volunteer_id,
        user_id,
        clock,
        lambda: bot.send_message(user_id, text, reply_markup=markup),
    )
    if sent is None:
        await bot.send_message(user_id, i18n.get("task-closed-no-details", id=request.id))


async def _recorded_send(
    db: AsyncSession,
    request_id: int,
    volunteer_id: int,
    user_id: int,
    clock: Clock,
    send: Callable[[], Awaitable[Message]],
) -> str | None:
    """Send a message holding a person's data, recorded first. Each attempt is recorded before
    it is sent (the commit-before-send middleware commits the record), so a crash or a lost
    answer still leaves a record the hiding finds; then its message id, so it can be hidden
    when the task ends. A lost answer is tried again here, under a new record, not blindly by
    the session (that second copy would have no record). False: the task is no longer this
    volunteer's open one (closed meanwhile), and nothing was sent. Returns the record's key;
    None: the task is no longer this volunteer's open one (closed meanwhile), nothing sent."""
    for attempt in range(DETAILS_ATTEMPTS):
        key = await details.begin(db, request_id, volunteer_id, user_id, clock.now())
        if key is None:
            return None
        blind = no_blind_retry.set(True)
        try:
            sent = await send()
        except (TelegramNetworkError, TelegramServerError):
            # It may have arrived: the record stays without an id, and hiding reports it.
            if attempt + 1 == DETAILS_ATTEMPTS:
                raise
            continue
        except TelegramAPIError as exc:  # Telegram refused it: no such message exists
            # What Telegram said outlives the update's rollback: its own short transaction
            # (the update's session holds none here: it was committed before the send).
            await transactions.apart(db, details.not_sent, key, type(exc).__name__)
            raise
        finally:
            no_blind_retry.reset(blind)
        await details.shown(db, key, sent.message_id)
        return key
    return None


@router.callback_query(TaskCb.filter(F.action == "media"))
async def cb_media(
    query: CallbackQuery,
    callback_data: TaskCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
) -> None:
    """The voice note or photo the requester gave, on demand, for a while (removed again
    after MEDIA_SHOWN_FOR): only the volunteer holding the task, only while it is open."""
    own = await _own_task(db, callback_data.id, query.from_user.id)
    if not _still_open(own):
        callback_answer.text = i18n.get("task-not-yours")
        callback_answer.show_alert = True
        return
    assert own is not None
    volunteer, request = own
    file_id, kind = request.details_file_id, request.details_file_kind
    if not file_id or kind not in ("voice", "photo"):
        return
    user_id = query.from_user.id
    caption = i18n.get("task-details-media", id=request.id)
    send: Callable[[], Awaitable[Message]] = (
        (lambda: bot.send_voice(user_id, file_id, caption=caption))
        if kind == "voice"
        else (lambda: bot.send_photo(user_id, file_id, caption=caption))
    )
    try:
        key = await _recorded_send(db, request.id, volunteer.id, user_id, clock, send)
    except TelegramBadRequest:  # the file is gone, or voice notes are forbidden in this chat
        callback_answer.text = i18n.get("task-media-failed")
        callback_answer.show_alert = True
        return
    if key is None:
        callback_answer.text = i18n.get("task-closed-no-details", id=request.id)
        callback_answer.show_alert = True
        return
    now = clock.now()
    await details.hide_later(db, key, user_id, request.id, now + MEDIA_SHOWN_FOR, now)
    callback_answer.text = i18n.get("task-media-shown", minutes=MEDIA_SHOWN_MINUTES)


@router.callback_query(TaskCb.filter(F.action == "way"))
async def cb_on_my_way(
    query: CallbackQuery,
    callback_data: TaskCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
) -> None:
    own = await _own_task(db, callback_data.id, query.from_user.id)
    done = own is not None and await help_requests.on_my_way(db, own[1], own[0], clock.now())
    if own is None or not done:
        callback_answer.text = i18n.get("task-not-yours")
        callback_answer.show_alert = True
        return
    request = own[1]
    await db.refresh(request)
    callback_answer.text = i18n.get("task-on-way-noted")
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            task_details(i18n.get, request),
            reply_markup=kb.task_actions(i18n.get, request),
        )


def _still_open(own: tuple[Volunteer, HelpRequest] | None) -> bool:
    return own is not None and own[1].status in (RequestStatus.TAKEN, RequestStatus.ON_WAY)


@router.callback_query(TaskCb.filter(F.action.in_({"done", "no"})))
async def cb_done_or_cannot(
    query: CallbackQuery,
    callback_data: TaskCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    bot: Bot,
) -> None:
    own = await _own_task(db, callback_data.id, query.from_user.id)
    if not _still_open(own):
        callback_answer.text = i18n.get("task-not-yours")
        callback_answer.show_alert = True
        return
    if await state.get_state() is not None:  # another form is open: do not wipe it
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    await state.set_data({"request_id": callback_data.id})
    if callback_data.action == "done":
        await state.set_state(TaskReport.report)
        text = i18n.get("task-ask-report", id=callback_data.id)
    else:
        await state.set_state(TaskDecline.reason)
        text = i18n.get("task-ask-reason", id=callback_data.id)
    await bot.send_message(query.from_user.id, text, reply_markup=step_menu(i18n.get, back=False))


@router.message(TaskReport.report, ANSWER)
async def process_report(message: Message, state: FSMContext, i18n: I18nContext) -> None:
    report = clean_bounded(message.text, REPORT_MIN, REPORT_MAX, multiline=True)
    if report is None:
        await message.answer(i18n.get("task-bad-report"))
        return
    await state.update_data(report=report)
    await state.set_state(TaskReport.hours)
    await message.answer(i18n.get("task-ask-hours"), reply_markup=step_menu(i18n.get))


def parse_hours(text: str | None) -> float | None:
    """ "1,5", "1.5", "2 ч": hours between a quarter and a day, rounded to quarters."""
    cleaned = (text or "").strip().replace(",", ".").rstrip("чсағ. ").strip()
    try:
        hours = float(cleaned)
    except ValueError:
        return None
    if not HOURS_MIN <= hours <= HOURS_MAX:
        return None
    return round(hours * 4) / 4


@router.message(TaskReport.hours, Button("btn-back"))
async def hours_back(message: Message, state: FSMContext, i18n: I18nContext) -> None:
    data = await state.get_data()
    await state.set_state(TaskReport.report)
    await message.answer(
        i18n.get("task-ask-report", id=data.get("request_id", "")),
        reply_markup=step_menu(i18n.get, back=False),
    )


@router.message(TaskReport.hours, ANSWER)
async def process_hours(message: Message, state: FSMContext, i18n: I18nContext) -> None:
    hours = parse_hours(message.text)
    if hours is None:
        await message.answer(i18n.get("task-bad-hours"))
        return
    await state.update_data(hours=hours)
    await state.set_state(TaskReport.receipt)
    await message.answer(i18n.get("task-ask-receipt"), reply_markup=step_menu(i18n.get, skip=True))


@router.message(TaskReport.receipt, Button("btn-back"))
async def receipt_back(message: Message, state: FSMContext, i18n: I18nContext) -> None:
    await state.set_state(TaskReport.hours)
    await message.answer(i18n.get("task-ask-hours"), reply_markup=step_menu(i18n.get))


@router.message(TaskReport.receipt, F.photo)
async def process_receipt(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
) -> None:
    assert message.photo
    await _complete(message, state, i18n, db, clock, roles, message.photo[-1].file_id)


@router.message(TaskReport.receipt, Button("btn-skip"))
async def process_receipt_skip(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
) -> None:
    await _complete(message, state, i18n, db, clock, roles, None)


async def _complete(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    receipt: str | None,
) -> None:
    data = await state.get_data()
    await state.clear()
    own = await _own_task(db, int(data["request_id"]), message.chat.id)
    hours = float(data["hours"])
    done = own is not None and await help_requests.complete(
        db,
        own[1],
        own[0],
        hours=hours,
        report=str(data["report"]),
        now=clock.now(),
        receipt_file_id=receipt,
    )
    menu = main_menu(i18n.get, roles)
    if not done:
        await message.answer(i18n.get("task-not-yours"), reply_markup=menu)
        return
    await message.answer(
        i18n.get("task-done", id=data["request_id"], hours=hours), reply_markup=menu
    )


@router.message(TaskDecline.reason, ANSWER)
async def process_reason(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    settings: Settings,
) -> None:
    reason = clean_bounded(message.text, REASON_MIN, REASON_MAX)
    if reason is None:
        await message.answer(i18n.get("task-bad-reason"))
        return
    data = await state.get_data()
    await state.clear()
    request_id = int(data["request_id"])
    own = await _own_task(db, request_id, message.chat.id)
    now = clock.now()
    declined = own is not None and await help_requests.cannot(
        db,
        own[1],
        own[0],
        reason=reason,
        now=now,
        take_data=kb.take_data(request_id),
        default_locale=settings.default_locale,
        admin_ids=settings.admin_ids,
    )
    if declined:
        await audit.record(
            db,
            actor_id=message.chat.id,
            action="task_declined",
            now=now,
            roles=roles,
            target=f"request:{request_id}",
            details={"reason": reason},
        )
    key = "task-declined" if declined else "task-not-yours"
    await message.answer(i18n.get(key, id=request_id), reply_markup=main_menu(i18n.get, roles))


@router.message(StateFilter(TaskReport, TaskDecline), ~F.text.startswith("/"))
async def task_form_unexpected(message: Message, state: FSMContext, i18n: I18nContext) -> None:
    hints = {
        TaskReport.report.state: "task-bad-report",
        TaskReport.hours.state: "task-bad-hours",
        TaskReport.receipt.state: "task-bad-receipt",
        TaskDecline.reason.state: "task-bad-reason",
    }
    await message.answer(i18n.get(hints.get(str(await state.get_state()), "form-use-buttons")))


@router.message(Command("tasks", ignore_case=True), StateFilter(None))
@router.message(Button("btn-my-tasks"), StateFilter(None))
async def cmd_my_tasks(
    message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles, settings: Settings
) -> None:
    volunteer = await volunteers.profile_of(db, message.chat.id)
    if volunteer is None:
        await message.answer(
            i18n.get("profile-not-volunteer"), reply_markup=main_menu(i18n.get, roles)
        )
        return
    open_tasks, done = await help_requests.tasks_of(db, volunteer.id)
    territory = await db.get(Territory, volunteer.territory_id)
    zone = territory.timezone if territory else None  # dates are read in the volunteer's zone
    if not open_tasks and not done:
        await message.answer(i18n.get("my-tasks-empty"), reply_markup=main_menu(i18n.get, roles))
        return
    _ = i18n.get
    lines: list[str] = []
    if open_tasks:
        lines.append(_("my-tasks-open"))
        lines += [
            _("my-tasks-line", id=t.id, kind=t.kind, status=t.status)
            + (_("esc-overdue-mark") if t.overdue else "")  # past its window (issue 19)
            for t in open_tasks
        ]
    if done:
        if lines:
            lines.append("")
        lines.append(_("my-tasks-done", count=len(done), hours=volunteer.hours))
        lines += [
            _(
                "my-tasks-done-line",
                id=t.id,
                kind=t.kind,
                date=local_date(t.done_at, zone, settings.tz) if t.done_at else "-",
                hours=t.hours or 0,
            )
            for t in done
        ]
    await message.answer("\n".join(lines), reply_markup=kb.my_tasks(_, open_tasks))
