"""Keyboards of vaccination follow-up campaigns: the coordinator's list and card, the
close confirmation, and a volunteer's «Участвую» / «Выйти из кампании»."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import CampaignCb, CampaignJoinCb, VisitCb
from bot.services.campaigns import ListItem
from models import CampaignStatus

Gettext = Callable[..., str]
STATUS_MARK = {
    CampaignStatus.ACTIVE: "🟢",
    CampaignStatus.PAUSED: "⏸",
    CampaignStatus.CLOSED: "🏁",
}


def _button(text: str, action: str, campaign_id: int = 0, page: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=CampaignCb(action=action, id=campaign_id, page=page).pack()
    )


def campaign_list(
    _: Gettext, items: Sequence[ListItem], page: int, has_more: bool
) -> InlineKeyboardMarkup:
    """One button per campaign (opens its card), paging, and «➕ Новая кампания»."""
    rows = [
        [
            _button(
                f"{STATUS_MARK.get(CampaignStatus(item.status), '')} {item.name}", "open", item.id
            )
        ]
        for item in items
    ]
    paging = []
    if page > 0:
        paging.append(_button(_("btn-prev"), "list", page=page - 1))
    if has_more:
        paging.append(_button(_("btn-next"), "list", page=page + 1))
    if paging:
        rows.append(paging)
    rows.append([_button(_("btn-campaign-new"), "new")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def campaign_card(
    _: Gettext, campaign_id: int, status: str, *, manage: bool = True
) -> InlineKeyboardMarkup:
    """Pause or resume, close, import people and the template, the unreachable by phone to
    door-to-door visits, refresh, back to the list.
    A closed campaign keeps only refresh and the list; a read-only card (not ``manage``)
    only the import, the template, the survey links (of their territories), the statistics,
    the export, refresh and the list."""
    rows: list[list[InlineKeyboardButton]] = []
    if manage and status == CampaignStatus.ACTIVE:
        rows.append([_button(_("btn-campaign-pause"), "pause", campaign_id)])
    elif manage and status == CampaignStatus.PAUSED:
        rows.append([_button(_("btn-campaign-resume"), "resume", campaign_id)])
    if status != CampaignStatus.CLOSED:
        rows.append(
            [
                _button(_("btn-campaign-import"), "import", campaign_id),
                _button(_("btn-campaign-template"), "template", campaign_id),
            ]
        )
        rows.append([_button(_("btn-campaign-links"), "links", campaign_id)])
        if manage:
            rows.append([_button(_("btn-campaign-to-visits"), "to_visits", campaign_id)])
            rows.append([_button(_("btn-campaign-close"), "close", campaign_id)])
    rows.append([_button(_("btn-campaign-stats"), "stats", campaign_id)])
    rows.append([_button(_("btn-campaign-export"), "export", campaign_id)])
    rows.append(
        [
            _button(_("btn-campaign-refresh"), "open", campaign_id),
            _button(_("btn-campaign-list"), "list"),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def close_confirm(_: Gettext, campaign_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("btn-campaign-close-yes"), "close_ok", campaign_id)],
            [_button(_("btn-campaign-close-no"), "open", campaign_id)],
        ]
    )


def to_visits_confirm(_: Gettext, campaign_id: int) -> InlineKeyboardMarkup:
    """Moving the unreachable by phone to door-to-door visits: yes, or back to the card."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("btn-campaign-to-visits-yes"), "to_visits_ok", campaign_id)],
            [_button(_("btn-campaign-close-no"), "open", campaign_id)],
        ]
    )


def visit_route(_: Gettext, route_id: int) -> InlineKeyboardMarkup:
    """Under a visit's outcome: back to the route (its cards sent again)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("btn-visit-show"),
                    callback_data=VisitCb(action="show", id=route_id).pack(),
                )
            ]
        ]
    )


def join_data(campaign_id: int) -> str:
    """The packed data of the invitation's «Участвую» button."""
    return CampaignJoinCb(id=campaign_id, join=True).pack()


def joined(_: Gettext, campaign_id: int) -> InlineKeyboardMarkup:
    """Under the invitation once they are in: step out."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("btn-campaign-leave"),
                    callback_data=CampaignJoinCb(id=campaign_id, join=False).pack(),
                )
            ]
        ]
    )


def not_joined(_: Gettext, campaign_id: int) -> InlineKeyboardMarkup:
    """Under the invitation once they stepped out: join again."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("btn-campaign-join"), callback_data=join_data(campaign_id)
                )
            ]
        ]
    )
