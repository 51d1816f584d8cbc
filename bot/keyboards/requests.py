"""Keyboards of help requests: the form, "My requests", a volunteer's task, a coordinator's list."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards import console as console_kb
from bot.keyboards.callbacks import (
    AssignCb,
    ConsoleCb,
    CoordRequestCb,
    MyRequestCb,
    ReofferCb,
    TaskCb,
)
from models import HelpRequest, RequestStatus

Gettext = Callable[..., str]
URGENCIES = ("today", "soon", "planned")
WINDOWS = ("morning", "day", "evening", "any")


def _column(buttons: Sequence[InlineKeyboardButton], width: int = 1) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[list(buttons[i : i + width]) for i in range(0, len(buttons), width)]
    )


# --- "My requests" --------------------------------------------------------------------------
def _mine(text: str, request_id: int, action: str, value: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=MyRequestCb(id=request_id, action=action, value=value).pack()
    )


def my_requests(_: Gettext, requests: Sequence[HelpRequest]) -> InlineKeyboardMarkup:
    return _column(
        [_mine(_("btn-open-request", id=r.id, kind=r.kind), r.id, "open") for r in requests], 2
    )


def request_actions(_: Gettext, request: HelpRequest) -> InlineKeyboardMarkup | None:
    rows = []
    if request.status in (RequestStatus.NEW, RequestStatus.TAKEN, RequestStatus.ON_WAY):
        rows.append([_mine(_("btn-cancel-request"), request.id, "cancel")])
    if request.status == RequestStatus.DONE and request.rating is None:
        rows.append([_mine(_("btn-rate"), request.id, "rate")])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def cancel_confirm(_: Gettext, request_id: int) -> InlineKeyboardMarkup:
    return _column([_mine(_("btn-cancel-request-yes"), request_id, "cancel_yes")])


def stars(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_mine("⭐" * n, request_id, "star", n) for n in range(1, 4)],
            [_mine("⭐" * n, request_id, "star", n) for n in range(4, 6)],
        ]
    )


# --- a volunteer's task -----------------------------------------------------------------------
def _task(text: str, request_id: int, action: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=TaskCb(id=request_id, action=action).pack()
    )


def take_data(request_id: int) -> str:
    """The "Take" button's data in a push (the outbox stores it packed)."""
    return TaskCb(id=request_id, action="take").pack()


def task_actions(_: Gettext, request: HelpRequest) -> InlineKeyboardMarkup | None:
    rows = []
    open_task = request.status in (RequestStatus.TAKEN, RequestStatus.ON_WAY)
    if open_task and request.details_file_id and request.details_file_kind in ("voice", "photo"):
        # Shown on demand and removed again soon: a file cannot be edited into a line of
        # text, and Telegram lets a bot delete it only for 48 hours.
        rows.append([_task(_(f"btn-task-media-{request.details_file_kind}"), request.id, "media")])
    if request.status == RequestStatus.TAKEN:
        rows.append([_task(_("btn-on-my-way"), request.id, "way")])
    if request.status in (RequestStatus.TAKEN, RequestStatus.ON_WAY):
        rows.append([_task(_("btn-task-done"), request.id, "done")])
        rows.append([_task(_("btn-task-cannot"), request.id, "no")])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def my_tasks(_: Gettext, tasks: Sequence[HelpRequest]) -> InlineKeyboardMarkup | None:
    if not tasks:
        return None
    return _column(
        [_task(_("btn-open-task", id=t.id, kind=t.kind), t.id, "open") for t in tasks], 2
    )


# --- a coordinator's list ---------------------------------------------------------------------
def _coord(text: str, action: str, **fields: int | bool) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text,
        callback_data=CoordRequestCb(action=action, **fields).pack(),
    )


def coord_list(
    _: Gettext,
    requests: Sequence[HelpRequest],
    *,
    offset: int,
    more: bool,
    everything: bool,
    page_size: int,
) -> InlineKeyboardMarkup:
    opens = [_coord(_("btn-open-request", id=r.id, kind=r.kind), "open", id=r.id) for r in requests]
    rows = [opens[i : i + 2] for i in range(0, len(opens), 2)]
    paging = []
    if offset > 0:
        paging.append(
            _coord(_("btn-prev"), "page", offset=max(0, offset - page_size), everything=everything)
        )
    if more:
        paging.append(
            _coord(_("btn-next"), "page", offset=offset + page_size, everything=everything)
        )
    if paging:
        rows.append(paging)
    toggle = "btn-requests-open" if everything else "btn-requests-all"
    rows.append([_coord(_(toggle), "page", everything=not everything)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def coord_card(_: Gettext, request: HelpRequest) -> InlineKeyboardMarkup:
    rows = []
    if request.status == RequestStatus.NEW:  # nobody holds it: offer again, or choose someone
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("btn-request-reoffer"),
                    callback_data=ReofferCb(id=request.id, round=request.push_round).pack(),
                ),
                InlineKeyboardButton(
                    text=_("btn-request-assign"), callback_data=AssignCb(id=request.id).pack()
                ),
            ]
        )
    if request.status in (RequestStatus.TAKEN, RequestStatus.ON_WAY):  # the console: reassign
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("btn-console-reassign"),
                    callback_data=AssignCb(id=request.id, re=True).pack(),
                )
            ]
        )
    if request.status in (RequestStatus.NEW, RequestStatus.TAKEN, RequestStatus.ON_WAY):
        rows.append([_coord(_("btn-request-fail"), "fail", id=request.id)])
    rows += console_kb.card_extras(_, request)
    rows.append([_coord(_("btn-request-erase"), "erase", id=request.id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def erase_confirm(_: Gettext, request_id: int) -> InlineKeyboardMarkup:
    return _column([_coord(_("btn-request-erase-yes"), "erase_yes", id=request_id)])


def open_task_data(request_id: int) -> str:
    """The packed callback data of a button that opens task ``request_id``'s details."""
    return TaskCb(id=request_id, action="open").pack()


def assign_list(
    _: Gettext,
    request_id: int,
    candidates: Sequence[tuple[str, int, int]],
    *,
    offset: int,
    total: int,
    page_size: int,
    reassign: bool = False,
) -> InlineKeyboardMarkup:
    """One button per volunteer (name, open tasks) to assign the request to, paged;
    ``reassign``: to give a taken request to another (the console)."""
    rows = [
        [
            InlineKeyboardButton(
                text=_("btn-assign-volunteer", name=name, tasks=tasks),
                callback_data=AssignCb(id=request_id, volunteer=volunteer_id, re=reassign).pack(),
            )
        ]
        for name, volunteer_id, tasks in candidates
    ]
    paging = []
    if offset > 0:
        paging.append(
            InlineKeyboardButton(
                text=_("btn-prev"),
                callback_data=AssignCb(
                    id=request_id, offset=max(0, offset - page_size), re=reassign
                ).pack(),
            )
        )
    if offset + page_size < total:
        paging.append(
            InlineKeyboardButton(
                text=_("btn-next"),
                callback_data=AssignCb(
                    id=request_id, offset=offset + page_size, re=reassign
                ).pack(),
            )
        )
    if paging:
        rows.append(paging)
    rows.append(  # the console: find one by name or phone
        [
            InlineKeyboardButton(
                text=_("btn-console-find"), callback_data=ConsoleCb(a="find", id=request_id).pack()
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)
