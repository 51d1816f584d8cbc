"""Coordinators add or edit a safety tip (issue 18): a form on the engine with the topic, the
season of its alerts, the Russian and the Kazakh text (both required), and a summary that
previews the tip as each language will see it. The router sits under the coordinator parent
(handlers/__init__.py), so nobody else reaches it."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import engine
from bot.forms.engine import Ctx, Form
from bot.forms.widgets import choice_step, text_step
from bot.keyboards import safety as kb
from bot.keyboards.callbacks import SafetyCb
from bot.keyboards.menus import main_menu
from bot.services import audit, safety
from bot.services.cleaning import clean_bounded

router = Router(name=__name__)

ANY_TIME = "any"
# A coordinator's tip: the summary shows it twice, in one message of at most 4096 characters.
FORM_TEXT_MAX = 1700


def _tip_text(text: str | None) -> str | None:
    """The first line is the title, the rest the tip (kept as typed, escaped when shown)."""
    cleaned = clean_bounded(text, 15, FORM_TEXT_MAX, multiline=True)
    if cleaned is None or safety.split_tip(cleaned) is None:
        return None
    return cleaned


def _preview(data: dict[str, Any], locale: str) -> str:
    parts = safety.split_tip(str(data[f"text_{locale}"]))
    assert parts is not None
    return safety.render_parts(str(data["topic"]), *parts)


async def _summary(ctx: Ctx) -> str:
    season = ctx.data.get("season") or ANY_TIME
    return ctx._(
        "tips-edit-summary",
        topic=ctx._("tips-topic", topic=ctx.data["topic"]),
        season=ctx._("tips-season", season=season),
        ru=_preview(ctx.data, "ru"),
        kk=_preview(ctx.data, "kk"),
    )


async def _confirm(ctx: Ctx) -> bool:
    now = ctx.clock.now()
    ru = safety.split_tip(str(ctx.data["text_ru"]))
    kk = safety.split_tip(str(ctx.data["text_kk"]))
    assert ru is not None and kk is not None
    season = ctx.data.get("season")
    draft = safety.TipDraft(
        topic=str(ctx.data["topic"]),
        season=None if season in (None, ANY_TIME) else str(season),
        title_ru=ru[0],
        title_kk=kk[0],
        text_ru=ru[1],
        text_kk=kk[1],
    )
    tip_id = ctx.data.get("tip_id")
    try:
        tip, changed = await safety.save_tip(
            ctx.db,
            draft,
            actor_id=ctx.chat_id,
            now=now,
            tip_id=int(tip_id) if tip_id else None,
            form_token=ctx.data.get(engine.TOKEN),
        )
    except LookupError:
        await ctx.state.clear()
        await ctx.bot.send_message(
            ctx.chat_id, ctx._("tips-gone"), reply_markup=main_menu(ctx._, ctx.roles)
        )
        return True
    if changed:
        await audit.record(
            ctx.db,
            actor_id=ctx.chat_id,
            action="tip_saved",
            now=now,
            roles=ctx.roles,
            target=f"tip:{tip.id}",
            details={"topic": tip.topic, "edit": bool(tip_id)},
        )
    await ctx.state.clear()
    await ctx.bot.send_message(
        ctx.chat_id, ctx._("tips-edit-saved"), reply_markup=main_menu(ctx._, ctx.roles)
    )
    await ctx.bot.send_message(
        ctx.chat_id,
        safety.render_tip(tip, str(ctx.i18n.locale)),
        reply_markup=kb.tip(ctx._, tip, can_edit=True),
    )
    return True


TIP_FORM = Form(
    code="tip",
    steps=[
        choice_step(
            "topic",
            "tips-edit-ask-topic",
            "topic",
            lambda ctx: [(t, ctx._("tips-topic", topic=t)) for t in safety.TOPICS],
            columns=2,
        ),
        choice_step(
            "season",
            "tips-edit-ask-season",
            "season",
            lambda ctx: [
                (s, ctx._("tips-season", season=s)) for s in (ANY_TIME, *safety.SEASON_NAMES)
            ],
            columns=2,
        ),
        text_step("text_ru", "tips-edit-ask-ru", "text_ru", _tip_text, "tips-edit-bad-text"),
        text_step("text_kk", "tips-edit-ask-kk", "text_kk", _tip_text, "tips-edit-bad-text"),
    ],
    summary=_summary,
    confirm=_confirm,
    groups={
        "topic": ["topic", "season"],
        "ru": ["text_ru"],
        "kk": ["text_kk"],
    },
    edit_buttons=lambda ctx: [
        ("topic", "btn-tips-edit-topic"),
        ("ru", "btn-tips-edit-ru"),
        ("kk", "btn-tips-edit-kk"),
    ],
    confirm_label="btn-tips-save",
)
router.include_router(engine.build_router(TIP_FORM))


@router.message(Command("newtip", ignore_case=True), StateFilter(None))
async def cmd_new_tip(message: Message, **kwargs: Any) -> None:
    ctx = await engine.context(message.chat.id, kwargs, TIP_FORM)
    await engine.start(ctx, {}, intro=ctx._("tips-edit-start"))


@router.message(Command("newtip", ignore_case=True))
async def cmd_new_tip_busy(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("form-finish-first"))


@router.callback_query(SafetyCb.filter(F.a == "ed"))
async def cb_edit_tip(
    query: CallbackQuery,
    callback_data: SafetyCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    **kwargs: Any,
) -> None:
    if await state.get_state() is not None:  # another form is open: do not wipe it
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    tip = await safety.get_tip(db, callback_data.id)
    if tip is None:
        callback_answer.text = i18n.get("tips-gone")
        return
    ctx = await engine.context(
        query.from_user.id, {**kwargs, "state": state, "i18n": i18n, "db": db}, TIP_FORM
    )
    data = {
        "tip_id": tip.id,
        "topic": tip.topic,
        "season": tip.season or ANY_TIME,
        "text_ru": f"{tip.title_ru}\n{tip.text_ru}",
        "text_kk": f"{tip.title_kk}\n{tip.text_kk}",
    }
    await engine.open_summary(ctx, data)
