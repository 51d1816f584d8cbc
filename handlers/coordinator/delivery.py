"""/delivery: what is queued, what could not be delivered and why (in words, beside
Telegram's reason), who blocked the bot, personal data the bot could not hide, and what did
not reach the coordinator themselves; an XLSX or CSV of everything undelivered (issue 20).

``router`` is the HQ's (everything); ``mine_router`` answers a territory coordinator's
/delivery with what concerns them: messages to them and their broadcasts' failures."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.formatting import format_datetime
from bot.keyboards.callbacks import DeliveryCb
from bot.services import audit, delivery_health
from bot.services.campaign_export import CsvWriter, XlsxWriter
from bot.services.outbox import COUNT_CAP, delivery_report, unhidden, unhidden_count
from bot.services.users import Roles
from models import OutboxStatus

router = Router(name=__name__)
mine_router = Router(name=f"{__name__}.mine")
REASON_CHARS = 120  # the report must stay within one Telegram message


def _shown(i18n: I18nContext, count: int) -> int | str:
    """A count as counted: past COUNT_CAP it was not counted further (a sum of two capped
    counts is over the cap exactly when the true sum is)."""
    return i18n.get("delivery-count-over", count=COUNT_CAP) if count > COUNT_CAP else count


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
            pending=_shown(i18n, counts.get(OutboxStatus.PENDING, 0)),
            sending=_shown(i18n, counts.get(OutboxStatus.SENDING, 0)),
            sent=_shown(i18n, counts.get(OutboxStatus.SENT, 0)),
            failed=_shown(
                i18n, counts.get(OutboxStatus.FAILED, 0) + counts.get(OutboxStatus.SKIPPED, 0)
            ),
            blocked=_shown(i18n, counts.get(OutboxStatus.BLOCKED, 0)),
        )
    ]
    if report.failed:
        rows = [
            i18n.get(
                "delivery-failed-row",
                id=row.id,
                chat=str(row.chat_id),
                when=format_datetime(row.created_at, tz),
                reason=html.quote(row.reason[:REASON_CHARS]),
            )
            + "\n   "
            + i18n.get(delivery_health.why(row.status, row.reason))
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
    parts.append(await _to_you(db, i18n, message.chat.id, tz))
    export = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=i18n.get("btn-delivery-xlsx"), callback_data=DeliveryCb(a="xlsx").pack()
                ),
                InlineKeyboardButton(
                    text=i18n.get("btn-delivery-csv"), callback_data=DeliveryCb(a="csv").pack()
                ),
            ]
        ]
    )
    await message.answer("\n\n".join(parts), reply_markup=export)


def _rows(i18n: I18nContext, rows: list[delivery_health.Undelivered], tz: ZoneInfo) -> list[str]:
    return [
        i18n.get(
            "delivery-mine-row",
            when=format_datetime(row.created_at, tz),
            why=i18n.get(delivery_health.why(row.status, row.reason)),
            reason=html.quote(row.reason[:REASON_CHARS]),
        )
        for row in rows
    ]


async def _to_you(db: AsyncSession, i18n: I18nContext, chat_id: int, tz: ZoneInfo) -> str:
    mine = await delivery_health.to_person(db, chat_id)
    if not mine:
        return i18n.get("delivery-to-you-none")
    return "\n".join([i18n.get("delivery-to-you-title"), *_rows(i18n, mine, tz)])


@mine_router.message(Command("delivery", ignore_case=True))
async def cmd_delivery_mine(
    message: Message, i18n: I18nContext, db: AsyncSession, settings: Settings
) -> None:
    tz = settings.tz
    parts = [await _to_you(db, i18n, message.chat.id, tz)]
    failed = await delivery_health.of_broadcasts_by(db, message.chat.id)
    if failed:
        parts.append("\n".join([i18n.get("delivery-broadcasts-title"), *_rows(i18n, failed, tz)]))
    else:
        parts.append(i18n.get("delivery-broadcasts-none"))
    await message.answer("\n\n".join(parts))


@router.callback_query(DeliveryCb.filter(F.a.in_({"xlsx", "csv"})))
async def cb_delivery_export(
    query: CallbackQuery,
    callback_data: DeliveryCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    bot: Bot,
    clock: Clock,
    roles: Roles,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Everything undelivered and everyone who blocked the bot, as a file (HQ only: names)."""
    callback_answer.disable()  # answered here, before the slow part
    await query.answer(i18n.get("delivery-export-wait"))
    tz = settings.tz
    headers = [i18n.get(key) for key in delivery_health.HEADER_KEYS]
    folder = Path(tempfile.mkdtemp(prefix="delivery-export-"))
    fmt = callback_data.a
    path = folder / f"undelivered.{fmt}"
    count = 0
    try:
        writer: XlsxWriter | CsvWriter
        if fmt == "xlsx":
            writer = await asyncio.to_thread(
                XlsxWriter, headers, [i18n.get("delivery-sheet")], [None], delivery_health.WIDTHS
            )
        else:
            writer = CsvWriter(headers, {None: path})
        try:
            async for chunk in delivery_health.export_rows(sessionmaker):
                cells: list[tuple[str | None, list[object]]] = []
                for row in chunk:
                    values = row.cells(i18n.get(row.why))
                    values[1] = row.when.astimezone(tz).replace(tzinfo=None)  # local, for Excel
                    cells.append((None, values))
                await asyncio.to_thread(writer.write, cells)
                count += len(chunk)
        finally:
            if isinstance(writer, XlsxWriter):
                await asyncio.to_thread(writer.close, path)
            else:
                writer.close()
        await audit.record(
            db,
            actor_id=query.from_user.id,
            action="delivery_export",
            now=clock.now(),
            roles=roles,
            details={"format": fmt, "rows": count},
        )
        await bot.send_document(
            query.from_user.id,
            FSInputFile(path, filename=path.name),
            caption=i18n.get("delivery-export-caption", rows=count),
        )
    finally:
        await asyncio.to_thread(shutil.rmtree, folder, True)
