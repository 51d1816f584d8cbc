"""Keyboards of the coordinator tools: territory picker, confirmations, lists, paging."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import AuditPageCb, ConfirmCb, DismissCb, TerritoryPickCb
from bot.services.coordinators import CoordinatorInfo
from models import Territory

Gettext = Callable[..., str]
PAGE_SIZE = 8


def territory_picker(
    _: Gettext,
    territories: Sequence[Territory],
    chosen: set[int],
    hq: bool,
    page: int,
    locale: str,
) -> InlineKeyboardMarkup:
    pages = max(1, -(-len(territories) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [
            InlineKeyboardButton(
                text=("✅ " if hq else "▫️ ") + _("btn-hq-all"),
                callback_data=TerritoryPickCb(action="hq", page=page).pack(),
            )
        ]
    ]
    for territory in territories[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        mark = "✅ " if territory.id in chosen and not hq else "▫️ "
        rows.append(
            [
                InlineKeyboardButton(
                    text=mark + territory.name(locale),
                    callback_data=TerritoryPickCb(action="t", id=territory.id, page=page).pack(),
                )
            ]
        )
    paging = []
    if page > 0:
        paging.append(
            InlineKeyboardButton(
                text=_("btn-prev"), callback_data=TerritoryPickCb(action="p", page=page - 1).pack()
            )
        )
    if page < pages - 1:
        paging.append(
            InlineKeyboardButton(
                text=_("btn-next"), callback_data=TerritoryPickCb(action="p", page=page + 1).pack()
            )
        )
    if paging:
        rows.append(paging)
    rows.append(
        [
            InlineKeyboardButton(
                text=_("btn-done"), callback_data=TerritoryPickCb(action="ok", page=page).pack()
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm(_: Gettext, form: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("btn-confirm"), callback_data=ConfirmCb(form=form, ok=True).pack()
                ),
                InlineKeyboardButton(
                    text=_("btn-cancel"), callback_data=ConfirmCb(form=form, ok=False).pack()
                ),
            ]
        ]
    )


def coordinator_list(_: Gettext, coordinators: Sequence[CoordinatorInfo]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("btn-dismiss", name=c.first_name[:40]),
                    callback_data=DismissCb(user_id=c.user_id).pack(),
                )
            ]
            for c in coordinators
        ]
    )


def dismiss_confirm(_: Gettext, user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("btn-dismiss-yes"),
                    callback_data=DismissCb(user_id=user_id, confirm=True).pack(),
                ),
                InlineKeyboardButton(
                    text=_("btn-cancel"), callback_data=ConfirmCb(form="dm", ok=False).pack()
                ),
            ]
        ]
    )


def audit_pages(
    _: Gettext, page: AuditPageCb, total: int, page_size: int
) -> InlineKeyboardMarkup | None:
    buttons = []
    if page.offset > 0:
        previous = page.model_copy(update={"offset": max(0, page.offset - page_size)})
        buttons.append(InlineKeyboardButton(text=_("btn-prev"), callback_data=previous.pack()))
    if page.offset + page_size < total:
        following = page.model_copy(update={"offset": page.offset + page_size})
        buttons.append(InlineKeyboardButton(text=_("btn-next"), callback_data=following.pack()))
    return InlineKeyboardMarkup(inline_keyboard=[buttons]) if buttons else None
