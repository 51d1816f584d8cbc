"""Inline keyboards of the safety library (issue 18)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import SafetyCb
from bot.services.safety import TOPICS, WEEKLY_TIMES, Subscriptions
from models import SafetyTip

Gettext = Callable[..., str]


def _button(text: str, a: str, *, id: int = 0, v: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=SafetyCb(a=a, id=id, v=v).pack())


def clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def topics(_: Gettext) -> InlineKeyboardMarkup:
    """The library's home: the suspicious call first, the topics, the subscriptions."""
    rows = [[_button(_("btn-tips-fraud-call"), "fr")]]
    labels = [_button(_("tips-topic", topic=topic), "t", v=topic) for topic in TOPICS]
    rows += [labels[n : n + 2] for n in range(0, len(labels), 2)]
    rows.append([_button(_("btn-tips-subscriptions"), "sub")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def topic(_: Gettext, locale: str, tips: Sequence[SafetyTip]) -> InlineKeyboardMarkup:
    rows = [[_button(tip.title(locale), "v", id=tip.id)] for tip in tips]
    rows.append([_button(_("btn-tips-home"), "home")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def tip(_: Gettext, item: SafetyTip, *, can_edit: bool) -> InlineKeyboardMarkup:
    rows = []
    if item.topic == "fraud":
        rows.append([_button(_("btn-tips-fraud-call"), "fr")])
    if can_edit:
        rows.append([_button(_("btn-tips-edit"), "ed", id=item.id)])
    rows.append(
        [
            _button(
                _("btn-tips-back-topic", name=_("tips-topic", topic=item.topic)), "t", v=item.topic
            ),
            _button(_("btn-tips-home"), "home"),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def subscriptions(_: Gettext, subs: Subscriptions) -> InlineKeyboardMarkup:
    rows = [[_button(_("btn-tips-weekly-change" if subs.weekly else "btn-tips-weekly"), "wd")]]
    if subs.weekly:
        rows.append([_button(_("btn-tips-weekly-off"), "off", v="w")])
    if subs.seasonal:
        rows.append([_button(_("btn-tips-seasonal-off"), "off", v="s")])
    else:
        rows.append([_button(_("btn-tips-seasonal-on"), "so")])
    rows.append([_button(_("btn-tips-home"), "home")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def weekdays(_: Gettext) -> InlineKeyboardMarkup:
    days = [_button(_("tips-weekday", day=day), "wt", v=str(day)) for day in range(7)]
    return InlineKeyboardMarkup(
        inline_keyboard=[days[0:4], days[4:7], [_button(_("btn-tips-subscriptions"), "sub")]]
    )


def times(_: Gettext, day: int) -> InlineKeyboardMarkup:
    buttons = [_button(clock_text(m), "ws", v=f"{day}-{m}") for m in WEEKLY_TIMES]
    return InlineKeyboardMarkup(
        inline_keyboard=[buttons[0:3], buttons[3:], [_button(_("btn-back"), "wd")]]
    )


def back_to_subscriptions(_: Gettext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("btn-tips-subscriptions"), "sub")],
            [_button(_("btn-tips-home"), "home")],
        ]
    )


def fraud(_: Gettext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("btn-tips-fraud-help"), "fh")],
            [_button(_("btn-tips-fraud-tips"), "t", v="fraud")],
        ]
    )
