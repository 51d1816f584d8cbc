"""Keyboards of the volunteer calendar: a volunteer's list and card (sign up, cancel), the
coordinator's list, card, attendance ticks and the call-off confirmation."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import EventAdminCb, EventCb
from bot.services.events import Mine, Person

Gettext = Callable[..., str]
MARK = {"going": "✅", "waiting": "⏳"}


def _v(text: str, action: str, event_id: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=EventCb(action=action, id=event_id).pack())


def _c(
    text: str, action: str, event_id: int = 0, user: int = 0, page: int = 0
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text,
        callback_data=EventAdminCb(action=action, id=event_id, user=user, page=page).pack(),
    )


def volunteer_list(items: Sequence[tuple[Mine, str]]) -> InlineKeyboardMarkup | None:
    """One button per event: its mark (✅ going, ⏳ waiting), date and title."""
    rows = [
        [_v(f"{MARK.get(item.status or '', '📅')} {label}", "open", item.event.id)]
        for item, label in items
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def button_data(action: str, event_id: int) -> str:
    """A volunteer's button of an event, for messages the services enqueue."""
    return EventCb(action=action, id=event_id).pack()


def volunteer_card(
    _: Gettext, event_id: int, status: str | None, *, open_: bool = True
) -> InlineKeyboardMarkup:
    rows = []
    if open_ and status is None:
        rows.append([_v(_("btn-evt-join"), "join", event_id)])
    elif open_:
        rows.append([_v(_("btn-evt-cancel"), "leave", event_id)])
    rows.append([_v(_("btn-evt-all"), "list")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def admin_list(_: Gettext, items: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    rows = [[_c(label, "open", event_id)] for event_id, label in items]
    rows.append([_c(_("btn-evt-new"), "new")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def admin_card(_: Gettext, event_id: int, *, started: bool, open_: bool) -> InlineKeyboardMarkup:
    rows = []
    if open_ and started:
        rows.append([_c(_("btn-evt-attendance"), "att", event_id)])
    if open_ and not started:
        rows.append([_c(_("btn-evt-call-off"), "off", event_id)])
    rows.append([_c(_("btn-evt-admin-list"), "list")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


ATTENDANCE_PAGE = 20  # ticks on a page: Telegram takes at most 100 buttons a message


def attendance(
    _: Gettext, event_id: int, people: Sequence[Person], page: int = 0
) -> InlineKeyboardMarkup:
    """A tick per volunteer holding a slot, a page at a time, and «Подтвердить явку»."""
    pages = max(1, -(-len(people) // ATTENDANCE_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = people[page * ATTENDANCE_PAGE : (page + 1) * ATTENDANCE_PAGE]
    rows = [
        [_c(("✅ " if p.present else "▫️ ") + p.name, "tog", event_id, p.user_id, page)]
        for p in shown
    ]
    paging = []
    if page > 0:
        paging.append(_c(_("btn-prev"), "att", event_id, page=page - 1))
    if page < pages - 1:
        paging.append(_c(_("btn-next"), "att", event_id, page=page + 1))
    if paging:
        rows.append(paging)
    rows.append([_c(_("btn-evt-attendance-ok"), "ok", event_id)])
    rows.append([_c(_("btn-back"), "open", event_id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def call_off_confirm(_: Gettext, event_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_c(_("btn-evt-call-off-ok"), "off_ok", event_id), _c(_("btn-back"), "open", event_id)]
        ]
    )
