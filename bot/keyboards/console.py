"""Keyboards of the coordinators' request console: the list with its paging and filters."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import ConsoleCb, CoordRequestCb
from bot.services.console import KINDS, STATUSES, URGENCIES, Counts, Filters
from models import HelpRequest

Gettext = Callable[..., str]


def to_data(filters: Filters, action: str, *, offset: int = 0, request_id: int = 0) -> ConsoleCb:
    return ConsoleCb(
        a=action,
        id=request_id,
        s=STATUSES.index(filters.status) if filters.status in STATUSES else 0,
        k=KINDS.index(filters.kind) + 1 if filters.kind in KINDS else 0,
        u=URGENCIES.index(filters.urgency) + 1 if filters.urgency in URGENCIES else 0,
        t=filters.territory_id or 0,
        f=(1 if filters.overdue else 0)
        | (2 if filters.unattended else 0)
        | (4 if filters.series else 0),
        o=offset,
    )


def from_data(data: ConsoleCb) -> Filters:
    """Out-of-range indexes (an older version's buttons) mean "any"."""
    return Filters(
        status=STATUSES[data.s] if data.s < len(STATUSES) else "open",
        kind=KINDS[data.k - 1] if 0 < data.k <= len(KINDS) else None,
        urgency=URGENCIES[data.u - 1] if 0 < data.u <= len(URGENCIES) else None,
        territory_id=data.t or None,
        overdue=bool(data.f & 1),
        unattended=bool(data.f & 2),
        series=bool(data.f & 4),
    )


def _button(text: str, data: ConsoleCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def console_list(
    _: Gettext,
    requests: Sequence[HelpRequest],
    filters: Filters,
    *,
    offset: int,
    more: bool,
    page_size: int,
) -> InlineKeyboardMarkup:
    opens = [
        InlineKeyboardButton(
            text=_("btn-open-request", id=r.id, kind=r.kind),
            callback_data=CoordRequestCb(action="open", id=r.id).pack(),
        )
        for r in requests
    ]
    rows = [opens[i : i + 2] for i in range(0, len(opens), 2)]
    paging = []
    if offset > 0:
        paging.append(
            _button(_("btn-prev"), to_data(filters, "ls", offset=max(0, offset - page_size)))
        )
    if more:
        paging.append(_button(_("btn-next"), to_data(filters, "ls", offset=offset + page_size)))
    if paging:
        rows.append(paging)
    everything = filters.status == "all"
    toggle = "btn-requests-open" if everything else "btn-requests-all"
    rows.append(
        [
            _button(_(toggle), to_data(filters.but(status="open" if everything else "all"), "ls")),
            _button(_("btn-console-filters"), to_data(filters, "fl")),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _mark(on: bool) -> str:
    return "✅ " if on else ""


def filters_screen(
    _: Gettext,
    filters: Filters,
    counts: Counts,
    territories: Sequence[tuple[int, str]],
) -> InlineKeyboardMarkup:
    """Each value with how many requests it would show; pressing a chosen one clears it."""
    rows: list[list[InlineKeyboardButton]] = []
    statuses = [
        _button(
            _mark(filters.status == s)
            + _("console-status", status=s, count=counts.statuses.get(s, 0)),
            to_data(filters.but(status=s), "fl"),
        )
        for s in STATUSES
    ]
    rows += [statuses[i : i + 2] for i in range(0, len(statuses), 2)]
    rows.append(
        [
            _button(
                _mark(filters.urgency == u)
                + _("console-urgency", urgency=u, count=counts.urgencies.get(u, 0)),
                to_data(filters.but(urgency=None if filters.urgency == u else u), "fl"),
            )
            for u in URGENCIES
        ]
    )
    rows.append(
        [
            _button(
                _mark(filters.overdue) + _("console-overdue", count=counts.overdue),
                to_data(filters.but(overdue=not filters.overdue), "fl"),
            ),
            _button(
                _mark(filters.unattended) + _("console-unattended", count=counts.unattended),
                to_data(filters.but(unattended=not filters.unattended), "fl"),
            ),
            _button(
                _mark(filters.series) + _("console-series", count=counts.series),
                to_data(filters.but(series=not filters.series), "fl"),
            ),
        ]
    )
    kinds = [
        _button(
            _mark(filters.kind == k) + _("console-kind", kind=k, count=counts.kinds.get(k, 0)),
            to_data(filters.but(kind=None if filters.kind == k else k), "fl"),
        )
        for k in KINDS
        if counts.kinds.get(k) or filters.kind == k
    ]
    rows += [kinds[i : i + 2] for i in range(0, len(kinds), 2)]
    places = [
        _button(
            _mark(filters.territory_id == tid)
            + _("console-territory", name=name, count=counts.territories.get(tid, 0)),
            to_data(filters.but(territory_id=None if filters.territory_id == tid else tid), "fl"),
        )
        for tid, name in territories
        if counts.territories.get(tid) or filters.territory_id == tid
    ][:20]
    rows += [places[i : i + 2] for i in range(0, len(places), 2)]
    rows.append(
        [
            _button(_("btn-console-show"), to_data(filters, "ls")),
            _button(_("btn-console-reset"), to_data(Filters(), "fl")),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def card_extras(_: Gettext, request: HelpRequest) -> list[list[InlineKeyboardButton]]:
    """The console's rows under a request's card: an internal note, and for an open request
    a cancel with a reason."""
    rows = [[_button(_("btn-console-note"), ConsoleCb(a="note", id=request.id))]]
    if request.status in ("new", "taken", "on_way"):
        rows.append([_button(_("btn-console-cancel"), ConsoleCb(a="cancel", id=request.id))])
    return rows
