"""Importing people into a campaign from a CSV or XLSX file (bot/services/campaign_import.py).

Entry: the «import» and «template» buttons of a campaign's card (``CampaignCb``), or
``/import <campaign id>``. «import» waits for the file (``ImportStates.file``); «template»
sends an XLSX and a CSV with the headers in the coordinator's language and an example row.

The file is handled by a background task, so the update ends at once and the bot keeps
answering everyone: the task downloads the file, validates it in a thread, writes it in short
transactions, edits the «file received» message with its progress on big files, then sends the
result and the rejected rows. It runs in a fresh context (not the update's: the update's
session must not be committed from another task) with sessions of its own; its errors are
logged once (no personal data) and the coordinator is told.
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
from bot.services.territories import by_ids
from bot.services.users import Roles

logger = logging.getLogger(__name__)
router = Router(name=__name__)

# Progress edits: at most every EDIT_SECONDS and only after EDIT_ROWS more rows (whichever
# comes later), well inside Telegram's limits on edits.
EDIT_SECONDS = 2.0
EDIT_ROWS = 5000

# Running imports, kept referenced so they are not garbage-collected, and the campaigns they
# write to (one import per campaign at a time in this process).
_tasks: set[asyncio.Task[None]] = set()
_running: set[int] = set()

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
    if target.campaign_id in _running:
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
    _running.add(job.target.campaign_id)
    task = asyncio.create_task(job.run(), context=contextvars.Context())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


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
            _running.discard(self.target.campaign_id)

    async def _run(self) -> None:
        now = self.clock.now()
        data = await self._download()
        async with self.sessionmaker() as session:
            ctx = await ci.load_context(session, self.target.campaign_id, self.roles, now)
        progress = ci.Progress()
        try:
            parsed = await self._watch(
                asyncio.to_thread(ci.parse, data, ctx, progress),
                lambda: self._("cimp-progress-reading", rows=progress.read),
                lambda: progress.read,
            )
        except ci.ImportFileError as exc:
            await self._refused(exc, now)
            return
        del data, ctx
        self.import_id = await ci.open_import(
            self.sessionmaker,
            campaign_id=self.target.campaign_id,
            user_id=self.chat_id,
            file_name=self.file_name,
            file_unique_id=self.file_unique_id,
            now=now,
        )
        total = len(parsed.new)
        result = await self._watch(
            ci.write(
                self.sessionmaker,
                parsed,
                campaign_id=self.target.campaign_id,
                import_id=self.import_id,
                user_id=self.chat_id,
                roles=self.roles,
                now=now,
                progress=progress,
                next_call_data=CallCb(action="next").pack(),
            ),
            lambda: self._("cimp-progress-writing", done=progress.written, total=total),
            lambda: progress.written,
        )
        await self._report(parsed, result)

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
        await ci.refused(
            self.sessionmaker,
            campaign_id=self.target.campaign_id,
            user_id=self.chat_id,
            roles=self.roles,
            problem=exc.problem,
            now=now,
        )
        columns = ", ".join(self._(f"cimp-col-{col.value}") for col in exc.missing)
        await self._send(self._(f"cimp-error-{exc.problem.value}", columns=columns))

    async def _report(self, parsed: ci.Parsed, result: ci.Result) -> None:
        await self._edit(self._("cimp-progress-done", rows=result.rows))
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
        await self._send("\n".join(lines))
        if parsed.rejects:
            data = ci.rejected_csv(
                parsed,
                self._("cimp-rejected-column"),
                lambda reason: self._(f"cimp-reason-{reason.value}"),
            )
            await self.bot.send_document(
                self.chat_id,
                BufferedInputFile(data, filename=f"rejected-{result.import_id}.csv"),
                caption=self._("cimp-rejected-caption"),
            )

    async def _send(self, text: str) -> None:
        await self.bot.send_message(self.chat_id, text)

    async def _failed(self) -> None:
        if self.import_id is not None:
            try:
                await ci.mark_failed(self.sessionmaker, self.import_id)
            except Exception as exc:
                logger.error("campaign import: not marked failed: %s", type(exc).__name__)
        try:
            await self._send(self._("cimp-failed"))
        except Exception as exc:  # the bot may be closing too
            logger.warning("campaign import: failure not reported: %s", type(exc).__name__)
