"""Recurring help for coordinators (issue 19): /series lists the series of their territories
(each opens its card: pause, resume, skip, end); /repeat N makes request N repeat (the same
set-up form as the requester's «🔁 Repeat»). The role filter sits on the parent router."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.types import Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards import series as kb
from bot.ranges import INT64_MAX, parse_int
from bot.services import series
from bot.services.users import Roles
from handlers.citizen.series import describe, open_form, repeatable, send_card
from models import HelpRequest

router = Router(name=__name__)


@router.message(Command("series", ignore_case=True), StateFilter(None))
async def cmd_series(message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles) -> None:
    items = await series.in_scope(db, None if roles.is_hq else roles.territory_ids)
    if not items:
        await message.answer(i18n.get("series-list-empty"))
        return
    lines = [i18n.get("series-list-title")]
    for item in items:
        following = await series.local_next(db, item)
        at = following.strftime("%H:%M") if following else None
        lines.append(
            i18n.get(
                "series-list-line",
                id=item.id,
                kind=item.kind,
                rule=describe(i18n, item.rule, at),
                status=item.status,
            )
        )
    await message.answer("\n".join(lines), reply_markup=kb.listing(i18n.get, items))


@router.message(Command("repeat", ignore_case=True), StateFilter(None))
async def cmd_repeat(message: Message, command: CommandObject, **kwargs: Any) -> None:
    i18n: I18nContext = kwargs["i18n"]
    db: AsyncSession = kwargs["db"]
    roles: Roles = kwargs["roles"]
    request_id = parse_int((command.args or "").strip().lstrip("№#"), 1, INT64_MAX)
    if request_id is None:
        await message.answer(i18n.get("series-repeat-usage"))
        return
    request = await db.get(HelpRequest, request_id)
    if request is None or not roles.can_act_in(request.territory_id):
        await message.answer(i18n.get("series-not-allowed"))
        return
    existing = await series.of_request(db, request.id)
    if existing is not None:
        await send_card(kwargs["bot"], message.chat.id, i18n, db, existing)
        return
    if not repeatable(request):
        await message.answer(i18n.get("series-not-repeatable", id=request.id))
        return
    await open_form(message.chat.id, request, **kwargs)
