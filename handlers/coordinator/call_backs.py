"""/callbacks: citizens who asked the HQ to phone them, oldest first. Any coordinator may call
(the person gave no territory): «Fill the request» opens the hotline form for the caller,
«Called, no request needed» closes it (audited). The push each coordinator got carries the
same buttons."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.formatting import format_datetime
from bot.keyboards import call_backs as kb
from bot.keyboards.callbacks import CallBackCb
from bot.services import audit, call_backs, volunteers
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.citizen import request_form
from models import CallbackRequest, User

router = Router(name=__name__)
PAGE = 10


async def _item(
    i18n: I18nContext, db: AsyncSession, settings: Settings, row: CallbackRequest
) -> str:
    lines = [
        i18n.get(
            "cb-item",
            id=row.id,
            phone=html.quote(volunteers.format_phone(row.phone)),
            when=format_datetime(row.created_at, settings.tz),
        )
    ]
    if row.handled_by is not None and row.handled_at is not None:
        operator = await db.get(User, row.handled_by)
        lines.append(
            i18n.get(
                "cb-item-filling",
                name=html.quote(operator.first_name if operator else str(row.handled_by)),
                when=format_datetime(row.handled_at, settings.tz),
            )
        )
    return "\n".join(lines)


@router.message(Command("callbacks", ignore_case=True))
async def cmd_callbacks(
    message: Message,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
    roles: Roles,
) -> None:
    rows, total = await call_backs.list_open(db, limit=PAGE)
    items = [(row.id, await _item(i18n, db, settings, row)) for row in rows]
    if rows:  # phone numbers shown: on record, as opening a request's card is
        await audit.record(
            db,
            actor_id=message.chat.id,
            action="view_callbacks",
            now=clock.now(),
            roles=roles,
            details={"count": len(rows)},
        )
    if not rows:
        await message.answer(i18n.get("cb-list-empty"))
        return
    title = [i18n.get("cb-list-title", count=total)]
    if total > len(rows):
        title.append(i18n.get("cb-list-more", shown=len(rows)))
    await message.answer("\n".join(title))
    for callback_id, text in items:
        await message.answer(text, reply_markup=kb.handle(i18n.get, callback_id))


@router.callback_query(CallBackCb.filter(F.action == "fill"))
async def cb_fill(
    query: CallbackQuery,
    callback_data: CallBackCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    **kwargs: Any,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    if await state.get_state() is not None:  # another form is open: do not wipe it
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    callback = await call_backs.start_filling(db, callback_data.id, query.from_user.id, clock.now())
    if callback is None:
        await _not_open(message, callback_answer, i18n)
        return
    if message is None:
        return
    phone = callback.phone
    await message.answer(
        i18n.get("cb-fill-intro", id=callback.id, phone=html.quote(volunteers.format_phone(phone)))
    )
    scope = None if roles.is_hq else sorted(roles.territory_ids)
    # The caller's number is known (not asked again); "callback_id" tells the form's confirm
    # which call-back to mark done (call_backs.link_to_request) once the request is made.
    await request_form.start_form(
        message,
        hotline=True,
        scope=scope,
        known={"caller_phone": phone, "callback_id": callback.id},
        state=state,
        i18n=i18n,
        db=db,
        clock=clock,
        roles=roles,
        **kwargs,
    )


@router.callback_query(CallBackCb.filter(F.action == "done"))
async def cb_done(
    query: CallbackQuery,
    callback_data: CallBackCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    closed = await call_backs.close(db, callback_data.id, query.from_user.id, clock.now(), roles)
    if closed is None:
        await _not_open(message, callback_answer, i18n)
        return
    if message is not None:
        await edit_text(message, i18n.get("cb-item-closed", id=closed.id))


async def _not_open(
    message: Message | None, callback_answer: CallbackAnswer, i18n: I18nContext
) -> None:
    """Someone else handled it (or the person erased their data): the buttons go."""
    callback_answer.text = i18n.get("cb-not-open")
    callback_answer.show_alert = True
    if message is not None:
        await edit_text(message, i18n.get("cb-not-open"))
