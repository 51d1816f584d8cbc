"""/coordinators: who coordinates what; an HQ coordinator can remove one (they are told)."""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.keyboards.callbacks import ConfirmCb, DismissCb
from bot.keyboards.coordinators import coordinator_list, dismiss_confirm
from bot.services import audit, coordinators, outbox
from bot.services.outbox import OutgoingMessage, Text
from bot.services.users import Roles, get_user
from bot.telegram import edit_text, split_text
from models import Priority

router = Router(name=__name__)


@router.message(Command("coordinators", ignore_case=True))
async def cmd_coordinators(message: Message, i18n: I18nContext, db: AsyncSession) -> None:
    people = await coordinators.list_coordinators(db)
    if not people:
        await message.answer(i18n.get("coordinators-empty"))
        return
    lines = [i18n.get("coordinators-title", count=len(people))]
    for person in people:
        what = (
            i18n.get("appoint-scope-hq")
            if person.is_hq
            else ", ".join(t.name(i18n.locale) for t in person.territories)
        )
        lines.append(
            i18n.get(
                "coordinators-row",
                name=html.quote(person.first_name),
                id=str(person.user_id),
                what=html.quote(what),
            )
        )
    chunks = split_text(lines)
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    await message.answer(chunks[-1], reply_markup=coordinator_list(i18n.get, people[:50]))


@router.callback_query(DismissCb.filter(F.confirm.is_(False)))
async def cb_dismiss_ask(
    query: CallbackQuery, callback_data: DismissCb, i18n: I18nContext, db: AsyncSession
) -> None:
    person = await get_user(db, callback_data.user_id)
    name = html.quote(person.first_name) if person else str(callback_data.user_id)
    await query.bot.send_message(  # type: ignore[union-attr]
        query.from_user.id,
        i18n.get("dismiss-confirm", name=name),
        reply_markup=dismiss_confirm(i18n.get, callback_data.user_id),
    )


@router.callback_query(DismissCb.filter(F.confirm.is_(True)))
async def cb_dismiss(
    query: CallbackQuery,
    callback_data: DismissCb,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    now = clock.now()
    person = await get_user(db, callback_data.user_id)
    name = html.quote(person.first_name) if person else str(callback_data.user_id)
    if not await coordinators.dismiss(db, callback_data.user_id):
        if isinstance(query.message, Message):
            await edit_text(query.message, i18n.get("dismiss-gone", name=name))
        return
    entry = await audit.record(
        db,
        actor_id=query.from_user.id,
        action="dismiss",
        now=now,
        roles=roles,
        target=f"user:{callback_data.user_id}",
    )
    await outbox.enqueue(
        db,
        chat_id=callback_data.user_id,
        message=OutgoingMessage(Text(key="coordinator-dismissed"), main_menu=True),
        key=f"audit:{entry.id}:notice",
        now=now,
        priority=Priority.URGENT,
    )
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("dismiss-done", name=name))
    # The notice brings the person's new keyboard and command menu (bot/delivery).


@router.callback_query(ConfirmCb.filter(F.form == "dm"))
async def cb_dismiss_cancel(query: CallbackQuery, i18n: I18nContext) -> None:
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("form-cancelled"))
