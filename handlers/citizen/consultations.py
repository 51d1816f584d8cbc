"""«🩺 Спросить врача-волонтёра» (issue 18): the citizen's question form, the medic's take,
and the conversation the bot relays between them.

How the conversation mode works (README, «Ask a volunteer medic»):
- «↩️ Ответить» under any message of a consultation (the «taken» notice, every relayed
  message) puts that consultation «in front»: FSM state ``Conversation.chat`` with its id.
  A medic who wins the take is put there at once (unless another form is open).
- In front, whatever the person sends (text, a photo, a voice note) is relayed to the other
  side through the outbox (services/consultations.relay) and answered «✅ Передано».
- The reply keyboard holds «✖️ Завершить консультацию» (either side ends it; the citizen then
  rates it) and «⬅️ В меню» (leave the mode, the consultation stays open); /cancel and /menu
  leave it too. The rest of the bot works as usual outside the mode.
- Emergency words (bot/data/emergency_words.txt) in the question or in a citizen's message
  bring the 103/112 notice first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.filters import Button
from bot.forms import engine
from bot.forms.engine import Ctx, Done, Form, Say, Step
from bot.forms.widgets import choice_step, territory_step
from bot.keyboards import consultations as kb
from bot.keyboards.callbacks import ConsultCb
from bot.keyboards.menus import main_menu
from bot.services import audit, consultations
from bot.services.cleaning import clean_text
from bot.services.territories import all_territories
from bot.services.users import Roles
from bot.telegram import edit_text
from models import Consultation, ConsultationStatus, Territory

router = Router(name=__name__)

QUESTION_MIN, QUESTION_MAX = 5, 2000
CAPTION_MAX = consultations.CAPTION_MAX
CNS = "cns_id"  # the FSM data key of the consultation in front


class Conversation(StatesGroup):
    chat = State()


# --- the question form ---------------------------------------------------------------------
async def _emergency_first(ctx: Ctx, text: str | None) -> None:
    if consultations.is_emergency(text):
        await ctx.bot.send_message(ctx.chat_id, ctx._("cns-emergency"))


async def _question(ctx: Ctx, message: Message) -> Done | Say | None:
    """Typed, or a photo (with an optional caption) or a voice note."""
    media = message.voice or (message.photo[-1] if message.photo else None)
    if media is not None:
        kind = "voice" if message.voice is not None else "photo"
        caption = clean_text(message.caption, multiline=True)[:CAPTION_MAX]
        await _emergency_first(ctx, caption)
        return Done(
            {"question": caption, "file_id": media.file_id, "file_kind": kind},
            shown=ctx._(f"cns-question-{kind}"),
        )
    if message.text is None:
        return None
    text = clean_text(message.text, multiline=True)
    if not QUESTION_MIN <= len(text) <= QUESTION_MAX:
        return Say(ctx._("cns-bad-question", min=QUESTION_MIN, max=QUESTION_MAX, length=len(text)))
    await _emergency_first(ctx, text)
    return Done({"question": text, "file_id": None, "file_kind": None})


async def _consent_keyboard(ctx: Ctx) -> list[list[InlineKeyboardButton]]:
    return [[ctx.button("consent", ctx._("btn-cns-consent"), "yes")]]


async def _consent(ctx: Ctx, value: str, page: int) -> Done | None:
    if value != "yes":
        return None
    return Done({"consent_at": ctx.clock.now().isoformat()}, shown=ctx._("btn-cns-consent"))


def _question_shown(ctx: Ctx) -> str:
    data = ctx.data
    parts = []
    if data.get("file_kind") in ("photo", "voice"):
        parts.append(ctx._(f"cns-question-{data['file_kind']}"))
    if data.get("question"):
        parts.append(html.quote(data["question"]))
    return " ".join(parts) or "-"


async def _summary(ctx: Ctx) -> str:
    territory = await ctx.db.get(Territory, ctx.data["territory_id"])
    return ctx._(
        "cns-summary",
        who="other" if ctx.data.get("for_other") else "self",
        territory=html.quote(territory.name(ctx.i18n.locale)) if territory else "?",
        question=_question_shown(ctx),
    )


async def _confirm(ctx: Ctx) -> bool:
    settings: Settings = ctx.extra["settings"]
    data = ctx.data
    submitted = await consultations.submit(
        ctx.db,
        consultations.Draft(
            citizen_id=ctx.chat_id,
            for_other=bool(data.get("for_other")),
            territory_id=int(data["territory_id"]),
            question=str(data.get("question") or ""),
            file_id=data.get("file_id"),
            file_kind=data.get("file_kind"),
            consent_at=datetime.fromisoformat(data["consent_at"]),
            form_token=data.get(engine.TOKEN),
        ),
        ctx.clock.now(),
        escalate_after=timedelta(minutes=settings.consult_escalate_minutes),
        admin_ids=settings.admin_ids,
        links=kb.LINKS,
    )
    consultation = submitted.consultation
    await ctx.state.clear()
    menu = main_menu(ctx._, ctx.roles)
    if not submitted.new and consultation.form_token != data.get(engine.TOKEN):
        await ctx.bot.send_message(ctx.chat_id, _already(ctx.i18n, consultation), reply_markup=menu)
        return True
    key = (
        "cns-sent-coordinators"
        if consultation.stage == consultations.STAGE_COORDINATORS
        else "cns-sent"
    )
    # The main menu comes back with it; «Отозвать» is under /medic while nobody took it.
    await ctx.bot.send_message(ctx.chat_id, ctx._(key, id=consultation.id), reply_markup=menu)
    return True


ASK = Form(
    code="cns",
    steps=[
        choice_step(
            "who",
            "cns-ask-who",
            "for_other",
            lambda ctx: [
                ("self", ctx._("btn-cns-who-self")),
                ("other", ctx._("btn-cns-who-other")),
            ],
            store=lambda ctx, value: {"for_other": value == "other"},
        ),
        territory_step("territory", "cns-ask-territory"),
        Step(
            "question",
            lambda ctx: ctx._("cns-ask-question", max=QUESTION_MAX),
            "question",
            on_message=_question,
            hint="cns-bad-question-media",
        ),
        Step(
            "consent",
            "cns-ask-consent",
            "consent_at",
            keyboard=_consent_keyboard,
            on_choice=_consent,
        ),
    ],
    summary=_summary,
    confirm=_confirm,
    groups={"who": ["who"], "territory": ["territory"], "question": ["question"]},
    edit_buttons=lambda ctx: [
        ("who", "btn-cns-edit-who"),
        ("territory", "btn-cns-edit-territory"),
        ("question", "btn-cns-edit-question"),
    ],
    confirm_label="btn-cns-send",
)
router.include_router(engine.build_router(ASK))


def _already(i18n: I18nContext, consultation: Consultation) -> str:
    return i18n.get("cns-already", id=consultation.id, status=consultation.status)


@router.message(Command("medic", ignore_case=True), StateFilter(None))
@router.message(Button("btn-ask-medic"), StateFilter(None))
async def cmd_ask_medic(message: Message, **kwargs: Any) -> None:
    db: AsyncSession = kwargs["db"]
    i18n: I18nContext = kwargs["i18n"]
    live = await consultations.live_of(db, message.chat.id)
    if live is not None:
        markup = (
            kb.waiting(i18n.get, live.id)
            if live.status == ConsultationStatus.NEW
            else kb.reply_button(i18n.get, live.id)
        )
        await message.answer(_already(i18n, live), reply_markup=markup)
        return
    ctx = await engine.context(message.chat.id, kwargs, ASK)
    if not await all_territories(ctx.db):
        await message.answer(ctx._("rq-no-territories"))
        return
    await engine.start(ctx, {}, intro=ctx._("cns-start"))


@router.message(Command("medic", ignore_case=True))
@router.message(Button("btn-ask-medic"))
async def cmd_ask_medic_busy(message: Message, state: FSMContext, i18n: I18nContext) -> None:
    """Another form, or a conversation, is in front: never wiped silently."""
    if await state.get_state() == Conversation.chat.state:
        await message.answer(i18n.get("cns-what-to-send"))
        return
    await message.answer(i18n.get("form-finish-first"))


# --- entering the conversation -------------------------------------------------------------
async def _enter(
    bot: Bot,
    state: FSMContext,
    i18n: I18nContext,
    chat_id: int,
    consultation: Consultation,
    side: str,
) -> None:
    await state.set_state(Conversation.chat)
    await state.set_data({CNS: consultation.id})
    key = "cns-mode-citizen" if side == consultations.CITIZEN else "cns-mode-medic"
    await bot.send_message(
        chat_id, i18n.get(key, id=consultation.id), reply_markup=kb.conversation(i18n.get)
    )


async def _show_question(
    bot: Bot, i18n: I18nContext, chat_id: int, consultation: Consultation
) -> None:
    """The question itself, to the medic who took it: text, or its photo or voice note."""
    text = i18n.get(
        "cns-question-for-medic",
        id=consultation.id,
        urgent="yes" if consultation.urgent else "no",
        who="other" if consultation.for_other else "self",
        text=html.quote(consultation.question) if consultation.question else "-",
    )
    markup = kb.reply_button(i18n.get, consultation.id)
    if consultation.file_kind == "photo" and consultation.file_id:
        await bot.send_photo(chat_id, consultation.file_id, caption=text, reply_markup=markup)
    elif consultation.file_kind == "voice" and consultation.file_id:
        await bot.send_voice(chat_id, consultation.file_id, caption=text, reply_markup=markup)
    else:
        await bot.send_message(chat_id, text, reply_markup=markup)


@router.callback_query(ConsultCb.filter(F.action == "take"))
async def cb_take(
    query: CallbackQuery,
    callback_data: ConsultCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    bot: Bot,
) -> None:
    taken = await consultations.take(
        db, callback_data.id, query.from_user.id, clock.now(), kb.LINKS
    )
    message = query.message if isinstance(query.message, Message) else None
    if taken is None:
        callback_answer.text = i18n.get("stale-button")
        callback_answer.show_alert = True
        return
    consultation = taken.consultation
    if not taken.won:
        if consultation.medic_id == query.from_user.id:  # a second tap of the winner
            callback_answer.text = i18n.get("cns-take-won", id=consultation.id)
            return
        withdrawn = consultation.status == ConsultationStatus.CANCELLED or (
            consultation.medic_id is None
        )
        key = "cns-offer-withdrawn" if withdrawn else "cns-offer-taken"
        callback_answer.text = (
            i18n.get("cns-take-late") if not withdrawn else i18n.get(key, id=consultation.id)
        )
        callback_answer.show_alert = True
        if message is not None:
            await edit_text(message, i18n.get(key, id=consultation.id))
        return
    await audit.record(
        db,
        actor_id=query.from_user.id,
        action="consultation_taken",
        now=clock.now(),
        roles=roles,
        target=f"consultation:{consultation.id}",
    )
    callback_answer.text = i18n.get("cns-take-won", id=consultation.id)
    if message is not None:
        await edit_text(message, i18n.get("cns-take-won", id=consultation.id))
    chat_id = query.from_user.id
    current = await state.get_state()
    if current in (None, Conversation.chat.state):
        await state.set_state(Conversation.chat)
        await state.set_data({CNS: consultation.id})
        await bot.send_message(
            chat_id,
            i18n.get("cns-medic-intro", id=consultation.id),
            reply_markup=kb.conversation(i18n.get),
        )
    else:  # a form is open: the question waits under its «Ответить»
        await bot.send_message(chat_id, i18n.get("cns-medic-intro", id=consultation.id))
    await _show_question(bot, i18n, chat_id, consultation)


@router.callback_query(ConsultCb.filter(F.action == "reply"))
async def cb_reply(
    query: CallbackQuery,
    callback_data: ConsultCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    bot: Bot,
) -> None:
    found = await consultations.get_for(db, callback_data.id, query.from_user.id)
    if found is None:
        callback_answer.text = i18n.get("stale-button")
        callback_answer.show_alert = True
        return
    consultation, side = found
    if consultation.status != ConsultationStatus.OPEN:
        callback_answer.text = i18n.get("cns-over", id=consultation.id)
        callback_answer.show_alert = True
        return
    current = await state.get_state()
    if current not in (None, Conversation.chat.state):
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    await _enter(bot, state, i18n, query.from_user.id, consultation, side)


@router.callback_query(ConsultCb.filter(F.action == "cancel"))
async def cb_cancel(
    query: CallbackQuery,
    callback_data: ConsultCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
) -> None:
    closed = await consultations.close(
        db, callback_data.id, query.from_user.id, clock.now(), kb.LINKS
    )
    message = query.message if isinstance(query.message, Message) else None
    if closed is None or not closed.cancelled:
        found = await consultations.get_for(db, callback_data.id, query.from_user.id)
        if found is not None and found[0].status == ConsultationStatus.OPEN:
            # A medic took it meanwhile: the conversation is on.
            callback_answer.text = i18n.get("cns-already", id=found[0].id, status="open")
        else:
            callback_answer.text = i18n.get("stale-button")
        callback_answer.show_alert = True
        if message is not None:
            await edit_text(message, message.html_text)
        return
    callback_answer.text = i18n.get("cns-cancelled", id=callback_data.id)
    if message is not None:
        await edit_text(message, i18n.get("cns-cancelled", id=callback_data.id))


@router.callback_query(ConsultCb.filter(F.action == "star"))
async def cb_star(
    query: CallbackQuery,
    callback_data: ConsultCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
) -> None:
    if not 1 <= callback_data.value <= 5:
        callback_answer.text = i18n.get("stale-button")
        return
    rated = await consultations.rate(
        db, callback_data.id, query.from_user.id, callback_data.value, clock.now()
    )
    message = query.message if isinstance(query.message, Message) else None
    callback_answer.text = i18n.get("cns-rated-thanks" if rated else "cns-rate-late")
    if message is not None:
        await edit_text(message, message.html_text + "\n" + "⭐" * callback_data.value)


# --- in the conversation -------------------------------------------------------------------
async def _in_front(
    state: FSMContext, db: AsyncSession, user_id: int
) -> tuple[Consultation, str] | None:
    consultation_id = (await state.get_data()).get(CNS)
    if not isinstance(consultation_id, int):
        return None
    return await consultations.get_for(db, consultation_id, user_id)


async def _leave(
    message: Message, state: FSMContext, i18n: I18nContext, roles: Roles, key: str, **args: Any
) -> None:
    await state.clear()
    await message.answer(i18n.get(key, **args), reply_markup=main_menu(i18n.get, roles))


@router.message(StateFilter(Conversation.chat), Command("menu", ignore_case=True))
@router.message(StateFilter(Conversation.chat), Button("btn-cns-leave"))
async def conversation_leave(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, roles: Roles
) -> None:
    found = await _in_front(state, db, message.chat.id)
    if found is None or found[0].status != ConsultationStatus.OPEN:
        await _leave(message, state, i18n, roles, "menu-shown")
        return
    await _leave(message, state, i18n, roles, "cns-left", id=found[0].id)


# The main menu's buttons (its keyboard may still be on screen after /menu): they leave the
# conversation instead of being relayed as words; pressed again, they work.
MENU_KEYS = (
    "btn-ask-help",
    "btn-call-me",
    "btn-ask-medic",
    "btn-my-requests",
    "btn-my-tasks",
    "btn-my-profile",
    "btn-become-volunteer",
    "btn-help",
    "btn-language",
)


@router.message(StateFilter(Conversation.chat), Button(*MENU_KEYS))
async def conversation_menu_button(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, roles: Roles
) -> None:
    await conversation_leave(message, state, i18n, db, roles)


@router.message(StateFilter(Conversation.chat), Button("btn-cns-finish"))
async def conversation_finish(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    bot: Bot,
) -> None:
    found = await _in_front(state, db, message.chat.id)
    consultation_id = found[0].id if found else None
    closed = (
        await consultations.close(db, consultation_id, message.chat.id, clock.now(), kb.LINKS)
        if consultation_id is not None
        else None
    )
    if closed is None:
        if consultation_id is None:
            await _leave(message, state, i18n, roles, "menu-shown")
        else:
            await _leave(message, state, i18n, roles, "cns-over", id=consultation_id)
        return
    if closed.side == consultations.MEDIC:  # the medic's acts are on record, not citizens'
        await audit.record(
            db,
            actor_id=message.chat.id,
            action="consultation_closed",
            now=clock.now(),
            roles=roles,
            target=f"consultation:{closed.consultation.id}",
        )
    cid = closed.consultation.id
    if closed.side == consultations.CITIZEN:
        await _leave(message, state, i18n, roles, "menu-shown")
        await bot.send_message(
            message.chat.id,
            i18n.get("cns-closed-citizen", id=cid),
            reply_markup=kb.stars(i18n.get, cid),
        )
    else:
        await _leave(message, state, i18n, roles, "cns-closed-medic", id=cid)


@router.message(
    StateFilter(Conversation.chat), F.text & ~F.text.startswith("/") | F.photo | F.voice
)
async def conversation_message(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
) -> None:
    found = await _in_front(state, db, message.chat.id)
    if found is None:
        await _leave(message, state, i18n, roles, "stale-button")
        return
    consultation, side = found
    if consultation.status != ConsultationStatus.OPEN:
        await _leave(message, state, i18n, roles, "cns-over", id=consultation.id)
        return
    media = message.voice or (message.photo[-1] if message.photo else None)
    kind = None if media is None else ("voice" if message.voice is not None else "photo")
    text = clean_text(message.text if media is None else message.caption, multiline=True)
    if media is None and not text:
        await message.answer(i18n.get("cns-what-to-send"))
        return
    if side == consultations.CITIZEN and consultations.is_emergency(text):
        await message.answer(i18n.get("cns-emergency"))
    relayed = await consultations.relay(
        db,
        consultation.id,
        message.chat.id,
        text,
        clock.now(),
        kb.LINKS,
        file_id=media.file_id if media is not None else None,
        file_kind=kind,
    )
    if not relayed.ok:
        await _leave(message, state, i18n, roles, "cns-over", id=consultation.id)
        return
    await message.answer(i18n.get("cns-relayed"))


@router.message(StateFilter(Conversation.chat), ~F.text.startswith("/"))
async def conversation_other(message: Message, i18n: I18nContext) -> None:
    """Stickers, documents, locations...: not relayed; say what is."""
    await message.answer(i18n.get("cns-what-to-send"))
