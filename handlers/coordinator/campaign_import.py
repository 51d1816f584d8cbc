"""Importing people into a campaign from a CSV or XLSX file (bot/services/campaign_import.py).

Entry: the «import» and «template» buttons of a campaign's card (``CampaignCb``), or
``/import <campaign id>``. «import» waits for the file (``ImportStates.file``); «template»
sends an XLSX and a CSV with the headers in the coordinator's language and an example row.

The file is handled by a background task, so the update ends at once and the bot keeps
answering everyone: the task opens the import's record (one running import per campaign: a
second one is refused), downloads the file, validates it in a thread, writes it in short
transactions and edits the «file received» message with its progress on big files (best
effort, directly). Its outcome goes through the outbox in the transaction that ends the
record: the result and the rejected rows' file with «done», the notice with «failed» or
«refused». It runs in a fresh context (not the update's: the update's session must not be
committed from another task) with sessions of its own; its errors are logged once (no personal
data). At start-up, imports a dead process left «running» are marked failed and their
coordinators told (``sweep_interrupted_imports``).
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import logging
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from aiogram import Bot, F, Router, html
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Translator
from bot.keyboards.callbacks import CallCb, CampaignCb
from bot.ranges import INT64_MAX, parse_int
from bot.services import campaign_import as ci
from bot.services.outbox import OutgoingMessage, Text
from bot.services.territories import by_ids
from bot.services.users import Roles

logger = logging.getLogger(__name__)
router = Router(name=__name__)

# Progress edits: at most every EDIT_SECONDS and only after EDIT_ROWS more rows (whichever
# comes later), well inside Telegram's limits on edits.
EDIT_SECONDS = 2.0
EDIT_ROWS = 5000

# Running imports, kept referenced so they are not garbage-collected; the ids of their
# records are in ``ci.LIVE`` (sweeps leave this process's own alone). One import per campaign
# at a time is the database's rule (uq_campaign_imports_running), not this process's.
_tasks: set[asyncio.Task[None]] = set()

T = TypeVar("T")


class ImportStates(StatesGroup):
    file = State()


# --- entry ------------------------------------------------------------------------------
@router.message(Command("import", ignore_case=True), StateFilter(None, ImportStates.file))
async def cmd_import(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
) -> None:
    campaign_id = parse_int(command.args or "", 1, INT64_MAX)
    if campaign_id is None:
        await message.answer(i18n.get("cimp-usage"))
        return
    target = await ci.target(db, campaign_id, roles)
    if isinstance(target, ci.Refusal):
        await message.answer(i18n.get(f"cimp-refused-{target.value}"))
        return
    await _ask(bot, message.chat.id, target, state, i18n)


@router.message(Command("import", ignore_case=True))
async def cmd_import_in_form(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("form-finish-first"))


@router.callback_query(CampaignCb.filter(F.action.in_({"import", "template"})))
async def cb_import(
    query: CallbackQuery,
    callback_data: CampaignCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
    clock: Clock,
    settings: Settings,
) -> None:
    template = callback_data.action == "template"
    current = await state.get_state()
    if not template and current not in (None, ImportStates.file.state):  # another form open
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    target = await ci.target(db, callback_data.id, roles, for_import=not template)
    if isinstance(target, ci.Refusal):
        callback_answer.text = i18n.get(f"cimp-refused-{target.value}")
        callback_answer.show_alert = True
        return
    if template:
        await _send_template(bot, query.from_user.id, target, i18n, db, clock, settings)
    else:
        await _ask(bot, query.from_user.id, target, state, i18n)


async def _ask(
    bot: Bot, chat_id: int, target: ci.Target, state: FSMContext, i18n: I18nContext
) -> None:
    await state.set_state(ImportStates.file)
    await state.set_data({"campaign_id": target.campaign_id})
    button = InlineKeyboardButton(
        text=i18n.get("cimp-btn-template"),
        callback_data=CampaignCb(action="template", id=target.campaign_id).pack(),
    )
    await bot.send_message(
        chat_id,
        i18n.get("cimp-ask-file", name=html.quote(target.name), id=target.campaign_id),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )


async def _send_template(
    bot: Bot,
    chat_id: int,
    target: ci.Target,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    territories = await by_ids(db, set(target.territory_ids))
    territory = territories[0].name(i18n.locale) if territories else ""
    headers = [i18n.get(f"cimp-col-{col.value}") for col in ci.TEMPLATE_COLUMNS]
    today = clock.now().astimezone(settings.tz).date()
    example: list[Any] = [
        i18n.get("cimp-template-example-name"),
        "+7 903 123-45-67",
        1950,
        territory,
        i18n.get("cimp-template-example-address"),
        today,
        "@username",
    ]
    xlsx = await asyncio.to_thread(ci.template_xlsx, headers, example)
    csv_row = [str(value) for value in example]
    csv_row[5] = today.strftime("%d.%m.%Y")
    name = f"campaign-{target.campaign_id}-template"
    await bot.send_document(
        chat_id,
        BufferedInputFile(xlsx, filename=f"{name}.xlsx"),
        caption=i18n.get("cimp-template-caption"),
    )
    await bot.send_document(
        chat_id, BufferedInputFile(ci.template_csv(headers, csv_row), filename=f"{name}.csv")
    )


# --- the file ---------------------------------------------------------------------------
@router.message(StateFilter(ImportStates.file), F.document)
async def process_file(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
    clock: Clock,
    translator: Translator,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    document = message.document
    assert document is not None
    data = await state.get_data()
    await state.clear()
    campaign_id = data.get("campaign_id")
    # Checked again: the campaign may have closed, or the coordinator's territories changed.
    target = (
        await ci.target(db, campaign_id, roles)
        if isinstance(campaign_id, int)
        else ci.Refusal.NOT_FOUND
    )
    if isinstance(target, ci.Refusal):
        await message.answer(i18n.get(f"cimp-refused-{target.value}"))
        return
    if await ci.import_running(db, target.campaign_id):  # quick; the task's insert decides
        await message.answer(i18n.get("cimp-busy"))
        return
    if document.file_size is not None and document.file_size > ci.MAX_BYTES:
        await ci.record_refused(
            db,
            campaign_id=target.campaign_id,
            user_id=message.chat.id,
            roles=roles,
            problem=ci.FileProblem.TOO_BIG,
            now=clock.now(),
        )
        await message.answer(i18n.get("cimp-error-too-big"))
        return
    received = await message.answer(i18n.get("cimp-received"))
    job = _Job(
        bot=bot,
        sessionmaker=sessionmaker,
        translator=translator,
        clock=clock,
        locale=i18n.locale,
        chat_id=message.chat.id,
        progress_message_id=received.message_id,
        target=target,
        roles=roles,
        file_id=document.file_id,
        file_name=document.file_name or "",
        file_unique_id=document.file_unique_id,
    )
    start(job)


@router.message(StateFilter(ImportStates.file), ~F.text.startswith("/"))
async def process_not_a_file(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("cimp-hint-file"))


def start(job: _Job) -> asyncio.Task[None]:
    """Run the import in the background, in a context of its own (not the update's)."""
    task = asyncio.create_task(job.run(), context=contextvars.Context())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


@router.startup()
async def sweep_interrupted_imports(
    sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    """Imports a previous process left «running» (it died or was stopped mid-way) are marked
    failed and their coordinators told through the outbox; this process's own are left."""
    try:
        swept = await ci.sweep_interrupted(sessionmaker, clock.now())
    except Exception as exc:  # the bot starts anyway; the next start sweeps again
        logger.error("campaign import: start-up sweep failed: %s", type(exc).__name__)
        return
    if swept:
        logger.warning("campaign import: %s interrupted imports marked failed", swept)


@router.shutdown()
async def finish_imports(settings: Settings) -> None:
    """Running imports finish before the engine closes, up to the shutdown timeout; one
    still running then is cancelled: its record stays «running» with the chunks written."""
    if not _tasks:
        return
    _, pending = await asyncio.wait(set(_tasks), timeout=settings.shutdown_timeout)
    for task in pending:
        logger.warning("campaign import cancelled at shutdown")
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


# --- the background import --------------------------------------------------------------
@dataclass
class _Job:
    bot: Bot
    sessionmaker: async_sessionmaker[AsyncSession]
    translator: Translator
    clock: Clock
    locale: str
    chat_id: int
    progress_message_id: int
    target: ci.Target
    roles: Roles
    file_id: str
    file_name: str
    file_unique_id: str
    import_id: int | None = None

    def _(self, key: str, **kwargs: Any) -> str:
        return self.translator.get(self.locale, key, **kwargs)

    async def run(self) -> None:
        try:
            await self._run()
        except Exception as exc:  # logged once, without the message (it may quote a cell)
            logger.error(
                "campaign import failed: campaign=%s import=%s error=%s\n%s",
                self.target.campaign_id,
                self.import_id,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            await self._failed()
        finally:
            if self.import_id is not None:
                ci.LIVE.discard(self.import_id)

    async def _run(self) -> None:
        now = self.clock.now()
        # The record first: the merge below reads the campaign's people, so no other import
        # may write them meanwhile (the unique index on running imports).
        self.import_id = await ci.open_import(
            self.sessionmaker,
            campaign_id=self.target.campaign_id,
            user_id=self.chat_id,
            file_name=self.file_name,
            file_unique_id=self.file_unique_id,
            now=now,
        )
        if self.import_id is None:
            await self._send(self._("cimp-busy"))
            return
        progress = ci.Progress()
        try:
            data = await self._download()
            async with self.sessionmaker() as session:
                ctx = await ci.load_context(session, self.target.campaign_id, self.roles, now)
            parsed = await self._watch(
                asyncio.to_thread(ci.parse, data, ctx, progress),
                lambda: self._("cimp-progress-reading", rows=progress.read),
                lambda: progress.read,
            )
        except ci.ImportFileError as exc:
            await self._refused(exc, now)
            return
        del data, ctx
        total = len(parsed.new)
        result = await self._watch(
            ci.write_people(
                self.sessionmaker,
                parsed,
                campaign_id=self.target.campaign_id,
                import_id=self.import_id,
                now=now,
                progress=progress,
            ),
            lambda: self._("cimp-progress-writing", done=progress.written, total=total),
            lambda: progress.written,
        )
        # Edited before the result is committed, so it never trails the result.
        await self._edit(self._("cimp-progress-done", rows=result.rows))
        await ci.finish(
            self.sessionmaker,
            parsed,
            result,
            campaign_id=self.target.campaign_id,
            user_id=self.chat_id,
            roles=self.roles,
            now=now,
            next_call_data=CallCb(action="next").pack(),
            report=await self._report(parsed, result),
        )

    async def _download(self) -> bytes:
        buffer = io.BytesIO()
        try:
            await self.bot.download(self.file_id, destination=buffer)
        except TelegramAPIError as exc:  # getFile refuses files over 20 MB
            raise ci.ImportFileError(ci.FileProblem.TOO_BIG) from exc
        return buffer.getvalue()

    async def _watch(
        self, work: Awaitable[T], text: Callable[[], str], count: Callable[[], int]
    ) -> T:
        """Await ``work``, editing the progress message now and then."""
        task = asyncio.ensure_future(work)
        loop = asyncio.get_running_loop()
        edited_at, edited_count = loop.time(), 0
        while True:
            done, _ = await asyncio.wait({task}, timeout=EDIT_SECONDS)
            if done:
                return task.result()
            rows = count()
            if rows - edited_count >= EDIT_ROWS and loop.time() - edited_at >= EDIT_SECONDS:
                await self._edit(text())
                edited_at, edited_count = loop.time(), rows

    async def _edit(self, text: str) -> None:
        try:
            await self.bot.edit_message_text(
                text, chat_id=self.chat_id, message_id=self.progress_message_id
            )
        except TelegramAPIError as exc:  # not modified, too old, rate-limited: go on
            logger.info("campaign import: progress not edited: %s", type(exc).__name__)

    async def _refused(self, exc: ci.ImportFileError, now: datetime) -> None:
        columns = ", ".join(self._(f"cimp-col-{col.value}") for col in exc.missing)
        await ci.refused(
            self.sessionmaker,
            campaign_id=self.target.campaign_id,
            user_id=self.chat_id,
            roles=self.roles,
            problem=exc.problem,
            now=now,
            import_id=self.import_id,
            message=self._message(self._(f"cimp-error-{exc.problem.value}", columns=columns)),
        )

    def _message(self, text: str) -> OutgoingMessage:
        """A text rendered here, in the coordinator's language, for the outbox."""
        return OutgoingMessage(text=Text(literal=text), locale=self.locale)

    async def _report(self, parsed: ci.Parsed, result: ci.Result) -> ci.Report:
        """The result, and the rejected rows' file stored for the outbox to send."""
        lines = [
            self._(
                "cimp-result",
                name=html.quote(self.target.name),
                rows=result.rows,
                accepted=result.accepted,
                merged=result.merged,
                rejected=result.rejected,
            )
        ]
        if parsed.rejects:
            lines.append("")
            lines.append(self._("cimp-reasons-title"))
            for reason, number in parsed.reasons.most_common():
                text = self._(f"cimp-reason-{reason.value}")
                lines.append(self._("cimp-reason-line", reason=text, count=number))
        path = None
        if parsed.rejects:
            data = ci.rejected_csv(
                parsed,
                self._("cimp-rejected-column"),
                lambda reason: self._(f"cimp-reason-{reason.value}"),
            )
            path = await asyncio.to_thread(ci.store_rejected, data)
        return ci.Report(
            chat_id=self.chat_id,
            result=self._message("\n".join(lines)),
            rejected_path=path,
            rejected_name=f"rejected-{result.import_id}.csv",
            rejected_caption=Text(key="cimp-rejected-caption"),
            locale=self.locale,
        )

    async def _send(self, text: str) -> None:
        await self.bot.send_message(self.chat_id, text)

    async def _failed(self) -> None:
        if self.import_id is not None:
            try:  # the notice goes with the record's end, through the outbox
                await ci.mark_failed(
                    self.sessionmaker,
                    self.import_id,
                    chat_id=self.chat_id,
                    message=self._message(self._("cimp-failed")),
                    now=self.clock.now(),
                )
                return
            except Exception as exc:  # told directly below; the next start-up sweep ends it
                logger.error("campaign import: not marked failed: %s", type(exc).__name__)
        try:  # no record to carry it (it could not be opened): told directly
            await self._send(self._("cimp-failed"))
        except Exception as exc:  # the bot may be closing too
            logger.warning("campaign import: failure not reported: %s", type(exc).__name__)
