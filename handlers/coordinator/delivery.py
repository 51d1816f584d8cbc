"""/delivery: what is queued, what could not be delivered and why, who blocked the bot, and
personal data the bot could not hide."""

from __future__ import annotations

from aiogram import Router, html
from aiogram.filters import Command
from aiogram.types import Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.formatting import format_datetime
from bot.services.outbox import delivery_report, unhidden, unhidden_count
from models import OutboxStatus

router = Router(name=__name__)
REASON_CHARS = 120  # the report must stay within one Telegram message


@router.message(Command("delivery", ignore_case=True))
async def cmd_delivery(
    message: Message, i18n: I18nContext, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    report = await delivery_report(db, clock.now())
    not_hidden = await unhidden(db, limit=10)
    not_hidden_total = await unhidden_count(db)
    tz = settings.tz
    counts = report.counts
    parts = [
        i18n.get(
            "delivery-report",
            pending=counts.get(OutboxStatus.PENDING, 0),
            sending=counts.get(OutboxStatus.SENDING, 0),
            sent=counts.get(OutboxStatus.SENT, 0),
            failed=counts.get(OutboxStatus.FAILED, 0) + counts.get(OutboxStatus.SKIPPED, 0),
            blocked=counts.get(OutboxStatus.BLOCKED, 0),
        )
    ]
    if report.failed:
        rows = [
            i18n.get(
                "delivery-failed-row",
                id=row.id,
                chat=str(row.chat_id),
                when=format_datetime(row.created_at, tz),
                reason=html.quote(row.reason),
            )
            for row in report.failed
        ]
        parts.append("\n".join([i18n.get("delivery-failed-title"), *rows]))
    else:
        parts.append(i18n.get("delivery-nothing-failed"))
    if not_hidden:
        rows = [
            i18n.get(
                "delivery-unhidden-row",
                chat=str(row.chat_id),
                when=format_datetime(row.when, tz),
                reason=html.quote(row.reason[:REASON_CHARS]),
            )
            for row in not_hidden
        ]
        title = i18n.get("delivery-unhidden-title", count=not_hidden_total)
        parts.append("\n".join([title, *rows]))
    else:
        parts.append(i18n.get("delivery-nothing-unhidden"))
    if report.blocked:
        rows = [
            i18n.get(
                "delivery-blocked-row",
                name=html.quote(person.first_name),
                id=str(person.id),
                when=format_datetime(person.since, tz),
            )
            for person in report.blocked
        ]
        parts.append(
            "\n".join([i18n.get("delivery-blocked-title", count=report.blocked_total), *rows])
        )
    else:
        parts.append(i18n.get("delivery-nobody-blocked"))
    await message.answer("\n\n".join(parts))
