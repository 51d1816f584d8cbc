"""Keyboards of the volunteer sign-up form and of coordinators' decisions."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.keyboards.callbacks import ApplicationCb, SignupCb
from bot.services.volunteers import AGE_GROUPS, AVAILABILITY, SKILLS
from models import Territory

Gettext = Callable[..., str]
PAGE_SIZE = 8
EDITABLE = ("name", "phone", "territory", "skills", "age", "availability", "dobro")


def step_menu(
    _: Gettext,
    *,
    back: bool = True,
    contact: bool = False,
    skip: bool = False,
    location: bool = False,
) -> ReplyKeyboardMarkup:
    rows: list[list[KeyboardButton]] = []
    if contact:
        rows.append([KeyboardButton(text=_("btn-share-contact"), request_contact=True)])
    if location:
        rows.append([KeyboardButton(text=_("btn-send-location"), request_location=True)])
    if skip:
        rows.append([KeyboardButton(text=_("btn-skip"))])
    last = [KeyboardButton(text=_("btn-cancel"))]
    if back:
        last.insert(0, KeyboardButton(text=_("btn-back")))
    rows.append(last)
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True)


def _button(text: str, step: str, value: str = "", page: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=SignupCb(step=step, value=value, page=page).pack()
    )


MakeButton = Callable[[str, str, str, int], InlineKeyboardButton]


def territories(
    _: Gettext,
    options: Sequence[Territory],
    page: int,
    locale: str,
    make: MakeButton = _button,
) -> InlineKeyboardMarkup:
    """A paged territory picker; ``make(text, step, value, page)`` builds each button (each
    form has its own callback data), "t" choosing a territory, "tp" turning a page."""
    pages = max(1, -(-len(options) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [make(t.name(locale), "t", str(t.id), page)]
        for t in options[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    paging = []
    if page > 0:
        paging.append(make(_("btn-prev"), "tp", "", page - 1))
    if page < pages - 1:
        paging.append(make(_("btn-next"), "tp", "", page + 1))
    if paging:
        rows.append(paging)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def toggles(
    _: Gettext, step: str, options: Sequence[str], chosen: set[str], prefix: str
) -> InlineKeyboardMarkup:
    rows = [
        [_button(("✅ " if option in chosen else "▫️ ") + _(f"{prefix}-{option}"), step, option)]
        for option in options
    ]
    rows.append([_button(_("btn-done"), step, "")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def skills(_: Gettext, chosen: set[str]) -> InlineKeyboardMarkup:
    return toggles(_, "s", SKILLS, chosen, "skill")


def availability(_: Gettext, chosen: set[str]) -> InlineKeyboardMarkup:
    return toggles(_, "v", AVAILABILITY, chosen, "availability")


def ages(_: Gettext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_(f"age-{group}"), "a", group)] for group in AGE_GROUPS]
    )


def consent(_: Gettext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(_("btn-agree"), "c", "yes")]])


def summary(_: Gettext, *, profile: bool = False) -> InlineKeyboardMarkup:
    """A profile keeps its territory (moving is a new application)."""
    fields = [f for f in EDITABLE if not (profile and f == "territory")]
    edits = [_button(_(f"btn-edit-{field}"), "e", field) for field in fields]
    rows = [[_button(_("btn-confirm"), "ok")]]
    rows += [edits[i : i + 2] for i in range(0, len(edits), 2)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def decision(_: Gettext, application_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("btn-approve"),
                    callback_data=ApplicationCb(id=application_id, action="ok").pack(),
                ),
                InlineKeyboardButton(
                    text=_("btn-reject"),
                    callback_data=ApplicationCb(id=application_id, action="no").pack(),
                ),
            ]
        ]
    )


def open_buttons(_: Gettext, ids: Sequence[int]) -> list[list[InlineKeyboardButton]]:
    return [
        [
            InlineKeyboardButton(
                text=_("btn-open-application", id=i),
                callback_data=ApplicationCb(id=i, action="open").pack(),
            )
        ]
        for i in ids
    ]
