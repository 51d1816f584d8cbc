"""«📊 Статистика» on a campaign's card (issue 17): the statistics as text, then as a chart.

The same scope as the card (``campaigns.access``): the HQ, the creator and a coordinator of
every one of its territories see the whole campaign; anyone else in scope their own
territories only; a stranger's (or forged) button is answered as stale. The chart is drawn
in a worker thread so the bot keeps answering others meanwhile. Nothing personal is shown:
no audit entry.
"""

from __future__ import annotations

import asyncio
from datetime import date
from zoneinfo import ZoneInfo

from aiogram import F, Router, html
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.keyboards.callbacks import CampaignCb
from bot.services import campaign_chart, campaign_stats, campaigns
from bot.services.campaign_stats import CATEGORIES, REASONS, Counts, Stats
from bot.services.users import Roles

router = Router(name=__name__)
TOP = 15  # territories listed and charted; the rest summed up as «others»


def _block(i18n: I18nContext, counts: Counts) -> str:
    _ = i18n.get
    lines = [
        _(
            "cst-block",
            people=counts.people,
            called=counts.called,
            reached=counts.reached,
            vaccinated=counts.vaccinated,
            planning=counts.planning,
            refused=counts.refused,
            unwell=counts.unwell,
            unreachable=counts.unreachable,
            stopped=counts.stopped,
        )
    ]
    reasons = [
        _("cst-reason-item", reason=_(f"script-reason-{reason}"), count=counts.reasons[reason])
        for reason in REASONS
        if counts.reasons[reason]
    ]
    lines.append(_("cst-reasons", reasons="; ".join(reasons) or _("cst-reason-none")))
    return "\n".join(lines)


def _planned(i18n: I18nContext, stats: Stats, today: date) -> str | None:
    if not stats.planned:
        return None
    weeks = campaign_stats.by_week(stats.planned, today)
    parts = []
    if weeks.overdue:
        parts.append(i18n.get("cst-planned-overdue", count=weeks.overdue))
    parts.extend(
        i18n.get("cst-planned-week", date=monday.strftime("%d.%m"), count=n)
        for monday, n in weeks.weeks
    )
    if weeks.later:
        parts.append(i18n.get("cst-planned-later", count=weeks.later))
    return i18n.get("cst-planned", weeks="; ".join(parts))


def _text(i18n: I18nContext, name: str, stats: Stats, today: date, read_only: bool) -> str:
    _ = i18n.get
    parts = [_("cst-title", name=html.quote(name))]
    if read_only:
        parts.append(_("cst-scope"))
    if not stats.total.people:
        parts.append(_("cst-empty"))
        return "\n\n".join(parts)
    parts.append(_block(i18n, stats.total))
    planned = _planned(i18n, stats, today)
    if planned:
        parts.append(planned)
    if len(stats.territories) > 1:
        shown, rest = campaign_stats.top(stats.territories, TOP)
        lines = [_("cst-territories")]
        named = [(html.quote(item.territory.name(i18n.locale)), item.counts) for item in shown]
        if rest.people:
            named.append((_("cst-others", count=len(stats.territories) - TOP), rest))
        lines.extend(
            _(
                "cst-territory-line",
                name=label,
                people=counts.people,
                reached=counts.reached,
                vaccinated=counts.vaccinated,
                planning=counts.planning,
                refused=counts.refused,
                unreachable=counts.unreachable,
            )
            for label, counts in named
        )
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _bars(i18n: I18nContext, stats: Stats) -> list[campaign_chart.Bar]:
    def values(counts: Counts) -> list[int]:
        return [counts.categories[category] for category in CATEGORIES]

    bars = [campaign_chart.Bar(i18n.get("cst-total"), values(stats.total))]
    if len(stats.territories) > 1:
        shown, rest = campaign_stats.top(stats.territories, TOP)
        bars.extend(
            campaign_chart.Bar(item.territory.name(i18n.locale), values(item.counts))
            for item in shown
        )
        if rest.people:
            label = i18n.get("cst-others", count=len(stats.territories) - TOP)
            bars.append(campaign_chart.Bar(label, values(rest)))
    return bars


@router.callback_query(CampaignCb.filter(F.action == "stats"))
async def cb_stats(
    query: CallbackQuery,
    callback_data: CampaignCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    access = await campaigns.access(db, callback_data.id, roles, query.from_user.id)
    name = await campaigns.name_of(db, callback_data.id)
    if access is None or name is None:
        callback_answer.text = i18n.get("stale-button")
        callback_answer.show_alert = True
        return
    if not isinstance(query.message, Message):
        return
    stats = await campaign_stats.collect(db, callback_data.id, access.territory_ids)
    zone = stats.territories[0].territory.timezone if stats.territories else "UTC"
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    await query.message.answer(_text(i18n, name, stats, today, not access.manage))
    if not stats.total.people:
        return
    png = await asyncio.to_thread(
        campaign_chart.render,
        i18n.get("cst-chart-title", name=name),
        [i18n.get(f"cst-seg-{category}") for category in CATEGORIES],
        _bars(i18n, stats),
    )
    await query.message.answer_photo(
        BufferedInputFile(png, filename=f"campaign-{callback_data.id}.png")
    )
