"""/volunteers: a coordinator's volunteers (their territories; the HQ sees all), each card with
block or unblock; the volunteer is told and the action is audited."""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.filters import ANSWER, SPOKEN
from bot.keyboards.callbacks import VolunteerCb
from bot.keyboards.menus import cancel_menu, main_menu
from bot.keyboards.requests import take_data
from bot.presenters import profile_card
from bot.services import audit, care, consultations, help_requests, outbox, volunteers
from bot.services.outbox import OutgoingMessage, Text
from bot.services.users import Roles
from handlers.coordinator.rescope import still_in_scope
from handlers.coordinator.scope import volunteer_in_scope
from models import Priority, Territory, Volunteer, VolunteerStatus

router = Router(name=__name__)
PAGE = 8


class Block(StatesGroup):
    reason = State()


def _button(text: str, volunteer_id: int, action: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=VolunteerCb(id=volunteer_id, action=action).pack()
    )


async def _page(
    i18n: I18nContext, db: AsyncSession, roles: Roles, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    rows, total = await volunteers.volunteers_in_scope(db, roles, offset=offset, limit=PAGE)
    if not rows:
        return i18n.get("volunteers-empty"), None
    keyboard = [
        [_button(i18n.get("btn-open-volunteer", name=v.name[:40], id=v.id), v.id, "open")]
        for v in rows
    ]
    paging = []
    if offset > 0:
        paging.append(_button(i18n.get("btn-prev"), max(0, offset - PAGE), "page"))
    if offset + PAGE < total:
        paging.append(_button(i18n.get("btn-next"), offset + PAGE, "page"))
    if paging:
        keyboard.append(paging)
    title = i18n.get("volunteers-title", first=offset + 1, last=offset + len(rows), total=total)
    return title, InlineKeyboardMarkup(inline_keyboard=keyboard)


@router.message(Command("volunteers", ignore_case=True))
async def cmd_volunteers(
    message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles
) -> None:
    text, markup = await _page(i18n, db, roles, 0)
    await message.answer(text, reply_markup=markup)


@router.callback_query(VolunteerCb.filter(F.action == "page"))
async def cb_page(
    query: CallbackQuery,
    callback_data: VolunteerCb,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
) -> None:
    text, markup = await _page(i18n, db, roles, max(0, callback_data.id))
    await bot.send_message(query.from_user.id, text, reply_markup=markup)


@router.callback_query(VolunteerCb.filter(F.action == "open"))
async def cb_open(
    query: CallbackQuery,
    callback_data: VolunteerCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
    clock: Clock,
) -> None:
    volunteer = await volunteer_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if volunteer is None:
        return
    territory = await db.get(Territory, volunteer.territory_id)
    card = profile_card(i18n.get, volunteer, territory.name(i18n.locale) if territory else "?")
    await audit.record(
        db,
        actor_id=query.from_user.id,
        action="view_volunteer",
        now=clock.now(),
        roles=roles,
        target=f"volunteer:{volunteer.id}",
    )
    if volunteer.status == VolunteerStatus.BLOCKED:
        status = i18n.get(
            "volunteer-card-status-blocked", reason=html.quote(volunteer.decision_reason or "-")
        )
        button = _button(i18n.get("btn-unblock"), volunteer.id, "unblock")
    else:
        if volunteer.paused_until is not None:
            status = i18n.get(
                "volunteer-card-status-paused", until=volunteer.paused_until.strftime("%d.%m.%Y")
            )
        else:
            status = i18n.get("volunteer-card-status-approved")
        button = _button(i18n.get("btn-block"), volunteer.id, "block")
    await bot.send_message(
        query.from_user.id,
        f"{card}\n{status}",
        reply_markup=InlineKeyboardMarkup(
            # «🏅 Итоги»: the volunteer's record (handlers/coordinator/recognition.py, issue 20)
            inline_keyboard=[
                [button],
                [_button(i18n.get("btn-rec-record"), volunteer.id, "record")],
            ]
        ),
    )


@router.callback_query(VolunteerCb.filter(F.action.in_({"block", "unblock"})))
async def cb_block_ask(
    query: CallbackQuery,
    callback_data: VolunteerCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
) -> None:
    """Blocking and unblocking both ask for the reason the volunteer will read."""
    volunteer = await volunteer_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if volunteer is None:
        return
    block = callback_data.action == "block"
    await state.set_state(Block.reason)
    await state.update_data(volunteer_id=volunteer.id, block=block)
    await bot.send_message(
        query.from_user.id,
        i18n.get("block-ask-reason" if block else "unblock-ask-reason", id=volunteer.id),
        reply_markup=cancel_menu(i18n.get),
    )


@router.message(Block.reason, ANSWER)
async def process_block_reason(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    settings: Settings,
) -> None:
    reason = volunteers.clean_reason(message.text)
    if reason is None:
        await message.answer(i18n.get("application-bad-reason"))
        return
    data = await state.get_data()
    volunteer_id, block = int(data["volunteer_id"]), bool(data.get("block", True))
    await state.clear()
    volunteer = await db.get(Volunteer, volunteer_id)
    if volunteer is not None and not await still_in_scope(
        message, volunteer.territory_id, f"volunteer:{volunteer_id}", volunteer_id,
        i18n, db, roles, clock,
    ):  # fmt: skip
        return
    if volunteer is None or not roles.can_act_in(volunteer.territory_id):
        await message.answer(
            i18n.get("application-not-yours"), reply_markup=main_menu(i18n.get, roles)
        )
        return
    changed = await _set_blocked(
        db, volunteer, block, reason, message.chat.id, roles, clock, settings
    )
    done = "block-done" if block else "unblock-done"
    key = done if changed else "volunteer-state-unchanged"
    await message.answer(i18n.get(key, id=volunteer.id), reply_markup=main_menu(i18n.get, roles))


@router.message(StateFilter(Block.reason), ~F.text.startswith("/"), ~SPOKEN)
async def block_reason_not_text(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("application-bad-reason"))


async def _set_blocked(
    db: AsyncSession,
    volunteer: Volunteer,
    blocked: bool,
    reason: str | None,
    actor_id: int,
    roles: Roles,
    clock: Clock,
    settings: Settings,
) -> bool:
    """True when this call changed the state (another coordinator may have been first)."""
    now = clock.now()
    if not await volunteers.set_blocked(db, volunteer, blocked, reason, actor_id, now):
        return False
    if blocked:  # whatever they held goes to the others
        await consultations.release_medic(db, volunteer.user_id, now)
        await care.withdraw(db, volunteer.user_id, now, admin_ids=settings.admin_ids)
        await help_requests.release_tasks(
            db,
            volunteer,
            reason="blocked",
            now=now,
            take_data=take_data,
            default_locale=settings.default_locale,
            admin_ids=settings.admin_ids,
        )
    else:  # back at work: requests searching in their territory reach them
        await help_requests.offer_waiting(
            db,
            now,
            take_data=take_data,
            default_locale=settings.default_locale,
            volunteer_id=volunteer.id,
        )
    entry = await audit.record(
        db,
        actor_id=actor_id,
        action="block_volunteer" if blocked else "unblock_volunteer",
        now=now,
        roles=roles,
        target=f"volunteer:{volunteer.id}",
        details={"reason": reason} if reason else {},
    )
    notice = Text(
        key="volunteer-blocked" if blocked else "volunteer-unblocked",
        args={"reason": html.quote(reason or "")},
    )
    await outbox.enqueue(
        db,
        chat_id=volunteer.user_id,
        message=OutgoingMessage(notice, main_menu=True),
        key=f"audit:{entry.id}:notice",
        now=now,
        priority=Priority.URGENT,
    )
    return True
