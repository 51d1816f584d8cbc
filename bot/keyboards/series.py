"""Recurring help's buttons (issue 19): a request's «Repeat», a series' card (pause or resume,
skip the next one, end), the list of series."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import SeriesCb
from models import RequestSeries, SeriesStatus

Gettext = Callable[..., str]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def minutes(moment: datetime | None) -> int:
    """A moment as minutes since 1970 (the skip button's guard); 0: none."""
    return 0 if moment is None else int((moment - EPOCH).total_seconds() // 60)


def _button(text: str, action: str, series_id: int, at: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=SeriesCb(action=action, id=series_id, at=at).pack()
    )


def decline_data(request_id: int) -> str:
    """«Cannot» under an occurrence offered to the previous volunteer first."""
    return SeriesCb(action="no", id=request_id).pack()


def repeat_button(_: Gettext, request_id: int) -> InlineKeyboardButton:
    return _button(_("btn-series-repeat"), "new", request_id)


def open_button(_: Gettext, series: RequestSeries) -> InlineKeyboardButton:
    return _button(_("btn-series-open", id=series.id), "open", series.id)


def with_row(
    markup: InlineKeyboardMarkup | None, buttons: Sequence[InlineKeyboardButton]
) -> InlineKeyboardMarkup:
    rows = list(markup.inline_keyboard) if markup is not None else []
    return InlineKeyboardMarkup(inline_keyboard=[*rows, *[[b] for b in buttons]])


def card(_: Gettext, series: RequestSeries) -> InlineKeyboardMarkup | None:
    if series.status == SeriesStatus.ENDED:
        return None
    toggle = (
        _button(_("btn-series-pause"), "pause", series.id)
        if series.status == SeriesStatus.ACTIVE
        else _button(_("btn-series-resume"), "resume", series.id)
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [toggle, _button(_("btn-series-skip"), "skip", series.id, minutes(series.next_at))],
            [_button(_("btn-series-end"), "end", series.id)],
        ]
    )


def listing(_: Gettext, items: Sequence[RequestSeries]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[open_button(_, s)] for s in items])
