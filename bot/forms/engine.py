"""The form engine: a form is data (its steps, edit groups and summary); asking, next, back,
edit from the summary, cancel, stale buttons and "answer with the buttons" are written once here.

One message per question: a question with choices carries them as inline buttons with «Назад»
and «Отмена» under them; a typed question carries a reply keyboard with the same two (and a
contact, location or skip button when the step wants one). When a question is answered its
buttons leave the screen: the message is edited to show the answer. The form lives in FSM
storage (state "<code>:<step>", answers in the data), so it survives a restart.

See bot/forms/README.md for how to write a form.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    TelegramObject,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.filters import Button
from bot.keyboards.menus import main_menu
from bot.ranges import Offset
from bot.services.users import Roles
from bot.telegram import edit_text

# Keys of the form's data the engine keeps for itself.
EDITING = "_editing"  # the edit group being walked from the summary, or None
QUESTION = "_question"  # the message id of the question asked last (to edit it when answered)
ASIDE = "_aside"  # the message id of a step's own question with buttons (a Say with buttons)
SUMMARY_ONLY = "_summary_only"  # opened on its summary (a saved record): no «Назад» there
TOKEN = "form_token"  # one per filled-in form: confirming twice finds the record already made


class FormCb(CallbackData, prefix="fm"):
    """A form's inline button: ``form`` and ``step`` say which question it belongs to, so a
    button of a question already passed is recognised as stale."""

    form: str
    step: str
    value: str = ""
    page: Offset = 0


# Values a step's button may carry besides its own: the engine's controls.
BACK, CANCEL, CONFIRM, EDIT = "~back", "~cancel", "~ok", "~edit"


@dataclass
class Ctx:
    """What a step's functions get: the answers so far and the update's tools."""

    form: Form
    data: dict[str, Any]
    i18n: I18nContext
    db: AsyncSession
    clock: Clock
    state: FSMContext
    bot: Bot
    chat_id: int
    roles: Roles
    extra: Mapping[str, Any] = field(default_factory=dict)  # the handler's other arguments

    @property
    def _(self) -> Callable[..., str]:
        return self.i18n.get

    def button(self, step: str, text: str, value: str = "", page: int = 0) -> InlineKeyboardButton:
        """An inline button of one of this form's steps."""
        return InlineKeyboardButton(
            text=text,
            callback_data=FormCb(form=self.form.code, step=step, value=value, page=page).pack(),
        )


# --- what a step's function returns -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Done:
    """A valid answer: store ``values``, show ``shown`` under the question, go on."""

    values: Mapping[str, Any]
    shown: str | None = None


@dataclass(frozen=True, slots=True)
class Stay:
    """Stay on this question: store ``values`` and draw its buttons again (a toggle, a page,
    a region opened into its districts)."""

    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Say:
    """Stay on this question and answer with ``text`` (a refusal saying why, or a question
    of its own with ``buttons`` of this step, e.g. "this pin is far away: keep it?")."""

    text: str
    buttons: Sequence[Sequence[InlineKeyboardButton]] = ()
    values: Mapping[str, Any] = field(default_factory=dict)


Result = Done | Stay | Say
# A question or summary: a locale key, or a function of the answers so far (sync or async).
Question = str | Callable[[Ctx], str | Awaitable[str]]
Keyboard = Callable[[Ctx], Awaitable[list[list[InlineKeyboardButton]]]]
OnChoice = Callable[[Ctx, str, int], Awaitable[Result | None]]
OnMessage = Callable[[Ctx, Message], Awaitable[Result | None]]


@dataclass(frozen=True)
class Step:
    """One question of a form.

    ``fills``: the data key a valid answer sets; the step counts as answered when it is not
    None (None: optional, never asked again by the summary). ``when``: whether the step applies
    to the answers so far. ``keyboard``: inline choices (their buttons call ``on_choice`` with
    the value and page). ``on_message``: a typed answer or a shared contact, location, photo or
    voice; it returns None for what the step does not take, and the engine gives ``hint``.
    ``skip``: a «Пропустить» button that stores these values. ``contact``/``location``: reply
    buttons that share them.
    """

    name: str
    question: Question
    fills: str | None
    keyboard: Keyboard | None = None
    on_choice: OnChoice | None = None
    on_message: OnMessage | None = None
    when: Callable[[Mapping[str, Any]], bool] = lambda data: True
    hint: str = "form-use-buttons"
    skip: Mapping[str, Any] | None = None
    # Reply buttons that share a contact or a location: always, or as the answers say.
    contact: bool | Callable[[Mapping[str, Any]], bool] = False
    location: bool = False


@dataclass(frozen=True)
class Form:
    """A form: its steps in order, the summary's edit groups (name → step names walked from
    the summary before coming back to it), the summary's text, and what confirming does.

    ``confirm`` returns True when the form is over (the engine clears it), False to stay on
    the summary (e.g. something turned out missing)."""

    code: str
    steps: Sequence[Step]
    summary: Question
    confirm: Callable[[Ctx], Awaitable[bool]]
    groups: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # Summary buttons: (group, label key); a group left out of it cannot be edited.
    edit_buttons: Callable[[Ctx], Sequence[tuple[str, str]]] = lambda ctx: ()
    confirm_label: str = "btn-confirm"

    def __post_init__(self) -> None:
        # Telegram caps callback data at 64 bytes: the longest step or group name with a
        # long value and page must fit (checked once, when the form is declared).
        names = [step.name for step in self.steps] + [SUMMARY]
        longest = max(names, key=len)
        group = max([*self.groups, ""], key=len)
        worst = FormCb(form=self.code, step=longest, value=EDIT + group + "9" * 10, page=9999)
        if len(worst.pack().encode()) > 64:
            raise ValueError(f"form {self.code}: names too long for Telegram's callback data")

    def step(self, name: str) -> Step:
        return next(step for step in self.steps if step.name == name)

    def state(self, name: str) -> str:
        return f"{self.code}:{name}"

    def applicable(self, data: Mapping[str, Any]) -> list[Step]:
        return [step for step in self.steps if step.when(data)]

    def first_missing(self, data: Mapping[str, Any]) -> Step | None:
        """The first applicable step whose answer is missing: the summary and the confirmation
        send the person there (e.g. a new person's age after "for whom" was edited)."""
        for step in self.applicable(data):
            if step.fills is not None and data.get(step.fills) is None:
                return step
        return None

    def group_of(self, step: str) -> str | None:
        return next((name for name, steps in self.groups.items() if step in steps), None)


class InForm(Filter):
    """The person is in this form (any step, or its summary)."""

    def __init__(self, form: Form) -> None:
        self.prefix = f"{form.code}:"

    async def __call__(self, event: TelegramObject, raw_state: str | None = None) -> bool:
        return raw_state is not None and raw_state.startswith(self.prefix)


SUMMARY = "summary"


# --- the engine ----------------------------------------------------------------------------------
async def start(ctx: Ctx, data: Mapping[str, Any], intro: str | None = None) -> None:
    """Open ``ctx.form`` with ``data`` already known; ``intro`` goes first (with the reply
    keyboard that holds «Отмена» while questions with choices are on screen)."""
    ctx.data = {TOKEN: uuid.uuid4().hex, EDITING: None, QUESTION: None, **data}
    await ctx.state.set_data(ctx.data)
    if intro:
        await ctx.bot.send_message(ctx.chat_id, intro, reply_markup=_cancel_keyboard(ctx))
    # Answers already known (a call-back's phone, say) are not asked again.
    first = ctx.form.first_missing(ctx.data) or ctx.form.applicable(ctx.data)[0]
    await ask(ctx, first)


async def open_summary(ctx: Ctx, data: Mapping[str, Any]) -> None:
    """Open the form on its summary with every answer known (editing a saved record)."""
    ctx.data = {TOKEN: uuid.uuid4().hex, EDITING: None, QUESTION: None, SUMMARY_ONLY: True, **data}
    await ctx.state.set_data(ctx.data)
    await show_summary(ctx)


async def _save(ctx: Ctx, values: Mapping[str, Any]) -> None:
    ctx.data.update(values)
    await ctx.state.update_data(values)


async def ask(ctx: Ctx, step: Step) -> None:
    """Put the form on ``step`` and ask its question, in one message."""
    aside = ctx.data.get(ASIDE)
    if isinstance(aside, int):
        await _save(ctx, {ASIDE: None})
        await _drop_buttons(ctx, aside)
    await ctx.state.set_state(ctx.form.state(step.name))
    text = await render(ctx, step.question)
    if step.keyboard is not None:
        rows = await step.keyboard(ctx)
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup = InlineKeyboardMarkup(
            inline_keyboard=[*rows, _controls(ctx, step)]
        )
    else:
        markup = _reply_keyboard(ctx, step)
    sent = await ctx.bot.send_message(ctx.chat_id, text, reply_markup=markup)
    await _save(ctx, {QUESTION: sent.message_id})


async def render(ctx: Ctx, question: Question) -> str:
    if isinstance(question, str):
        return ctx._(question)
    text = question(ctx)
    return await text if inspect.isawaitable(text) else text


def _is_first(ctx: Ctx, step: Step) -> bool:
    applicable = ctx.form.applicable(ctx.data)
    return bool(applicable) and applicable[0].name == step.name and not ctx.data.get(EDITING)


def _controls(ctx: Ctx, step: Step) -> list[InlineKeyboardButton]:
    _ = ctx._
    row = [ctx.button(step.name, _("btn-cancel"), CANCEL)]
    if not _is_first(ctx, step):
        row.insert(0, ctx.button(step.name, _("btn-back"), BACK))
    return row


def _reply_keyboard(ctx: Ctx, step: Step) -> ReplyKeyboardMarkup:
    _ = ctx._
    rows: list[list[KeyboardButton]] = []
    if step.contact(ctx.data) if callable(step.contact) else step.contact:
        rows.append([KeyboardButton(text=_("btn-share-contact"), request_contact=True)])
    if step.location:
        rows.append([KeyboardButton(text=_("btn-send-location"), request_location=True)])
    if step.skip is not None:
        rows.append([KeyboardButton(text=_("btn-skip"))])
    last = [KeyboardButton(text=_("btn-cancel"))]
    if not _is_first(ctx, step):
        last.insert(0, KeyboardButton(text=_("btn-back")))
    rows.append(last)
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True)


def _cancel_keyboard(ctx: Ctx) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=ctx._("btn-cancel"))]], resize_keyboard=True
    )


async def _settle_question(
    ctx: Ctx, step: Step | None, shown: str | None, message: Message | None = None
) -> None:
    """The answered question loses its buttons and shows the answer. ``message``: the question
    itself (a button was pressed on it); else the question asked last, when it had choices
    (answered by typing, or left with «Назад»)."""
    if message is not None:
        await edit_text(message, message.html_text + (f"\n<b>{shown}</b>" if shown else ""))
        return
    question = ctx.data.get(QUESTION)
    if step is None or step.keyboard is None or not isinstance(question, int):
        return  # a typed question has no buttons of its own to remove
    await _drop_buttons(ctx, question)


async def _drop_buttons(ctx: Ctx, message_id: int) -> None:
    with contextlib.suppress(TelegramBadRequest):  # already without buttons, or too old
        await ctx.bot.edit_message_reply_markup(
            chat_id=ctx.chat_id, message_id=message_id, reply_markup=None
        )


async def _drop_buttons_of(ctx: Ctx, key: str) -> None:
    message_id = ctx.data.get(key)
    if isinstance(message_id, int):
        await _drop_buttons(ctx, message_id)


async def tidy(bot: Bot, chat_id: int, data: Mapping[str, Any]) -> None:
    """A form left by the reply «Отмена» or /cancel: the buttons of its last question (and of
    a step's own question) go, so nothing on screen still looks answerable."""
    for key in (QUESTION, ASIDE):
        message_id = data.get(key)
        if isinstance(message_id, int):
            with contextlib.suppress(TelegramBadRequest):
                await bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=None
                )


def _walk(ctx: Ctx, current: str) -> list[Step]:
    """The steps that can come next or before: every applicable one, or, while an edit group
    is walked, the applicable ones of that group (the territory and then its pin, with the
    address between them left alone)."""
    steps = ctx.form.applicable(ctx.data)
    editing = ctx.data.get(EDITING)
    if editing:
        group = ctx.form.groups.get(str(editing), ())
        steps = [step for step in steps if step.name in group or step.name == current]
    return steps


async def proceed(ctx: Ctx, current: Step) -> None:
    """After a valid answer: the next step (of the edit group, when editing), or the summary."""
    steps = _walk(ctx, current.name)
    names = [step.name for step in steps]
    index = names.index(current.name) if current.name in names else len(steps) - 1
    if index + 1 >= len(steps):
        await show_summary(ctx)
        return
    await ask(ctx, steps[index + 1])


async def go_back(ctx: Ctx, current: str) -> None:
    """The previous step; back from the first step of an edit, the summary."""
    if current == SUMMARY:
        if ctx.data.get(SUMMARY_ONLY):  # a saved record opened on its summary: nothing behind
            await show_summary(ctx)
            return
        await _save(ctx, {EDITING: None})
        await ask(ctx, ctx.form.applicable(ctx.data)[-1])
        return
    steps = _walk(ctx, current)
    names = [step.name for step in steps]
    index = names.index(current) if current in names else 0
    if index == 0 and ctx.data.get(EDITING):
        await show_summary(ctx)
        return
    await ask(ctx, steps[max(0, index - 1)])


async def show_summary(ctx: Ctx) -> None:
    """The summary with its edit buttons, «Подтвердить», «Назад» and «Отмена», in one
    message; a missing answer is asked first."""
    missing = ctx.form.first_missing(ctx.data)
    if missing is not None:
        await _save(ctx, {EDITING: ctx.form.group_of(missing.name)})
        await ask(ctx, missing)
        return
    await ctx.state.set_state(ctx.form.state(SUMMARY))
    await _save(ctx, {EDITING: None})
    _ = ctx._
    edits = [
        ctx.button(SUMMARY, _(label), f"{EDIT}{group}")
        for group, label in ctx.form.edit_buttons(ctx)
    ]
    rows = [[ctx.button(SUMMARY, _(ctx.form.confirm_label), CONFIRM)]]
    rows += [edits[i : i + 2] for i in range(0, len(edits), 2)]
    controls = [ctx.button(SUMMARY, _("btn-cancel"), CANCEL)]
    if not ctx.data.get(SUMMARY_ONLY):
        controls.insert(0, ctx.button(SUMMARY, _("btn-back"), BACK))
    rows.append(controls)
    text = await render(ctx, ctx.form.summary)
    sent = await ctx.bot.send_message(
        ctx.chat_id, text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
    )
    await _save(ctx, {QUESTION: sent.message_id})


async def cancel(ctx: Ctx) -> None:
    await ctx.state.clear()
    await ctx.bot.send_message(
        ctx.chat_id, ctx._("form-cancelled"), reply_markup=main_menu(ctx._, ctx.roles)
    )


async def finish(ctx: Ctx) -> None:
    """The form is over: its state goes; the caller says what happened."""
    await ctx.state.clear()


# --- routing -------------------------------------------------------------------------------------
def build_router(form: Form) -> Router:
    """The handlers every form shares: its buttons, typed answers, back and the fallback.
    The form's module adds only its entry points (commands, menu buttons)."""
    router = Router(name=f"form:{form.code}")
    in_form = InForm(form)

    @router.callback_query(FormCb.filter(F.form == form.code))
    async def on_button(
        query: CallbackQuery,
        callback_data: FormCb,
        callback_answer: CallbackAnswer,
        raw_state: str | None,
        **kwargs: Any,
    ) -> None:
        ctx = await context(query.from_user.id, kwargs, form)
        message = query.message if isinstance(query.message, Message) else None
        live = {ctx.data.get(QUESTION), ctx.data.get(ASIDE)}
        if (
            raw_state != form.state(callback_data.step)
            or (message is not None and message.message_id not in live)
            or (callback_data.step != SUMMARY and _current(form, raw_state) is None)
        ):
            # A question already passed (or asked again since: only its newest message
            # counts), a form already over, or a step this version no longer has: its buttons
            # go.
            # A question already passed, or a form already over: its buttons go.
            in_form = raw_state is not None and raw_state.startswith(f"{form.code}:")
            callback_answer.text = ctx._("form-stale-step" if in_form else "stale-button")
            callback_answer.show_alert = not in_form
            if message is not None:
                await edit_text(message, message.html_text)
            return
        value = callback_data.value
        if value == CANCEL:
            if message is not None:
                await edit_text(message, message.html_text)
            await cancel(ctx)
            return
        if value == BACK:
            if message is not None:
                await edit_text(message, message.html_text)
            await go_back(ctx, callback_data.step)
            return
        if callback_data.step == SUMMARY:
            await _on_summary(ctx, value, message, callback_answer)
            return
        step = _current(form, raw_state)
        if step is None or step.on_choice is None:
            return
        result = await step.on_choice(ctx, value, callback_data.page)
        if result is None:  # a value this question never offered: forged or from an old version
            callback_answer.text = ctx._("stale-button")
            callback_answer.show_alert = True
            return
        await _apply(ctx, step, result, message, callback_answer)

    @router.message(in_form, Button("btn-back"))
    async def on_back(message: Message, raw_state: str | None, **kwargs: Any) -> None:
        ctx = await context(message.chat.id, kwargs, form)
        await _settle_question(ctx, _current(form, raw_state), None)
        await go_back(ctx, (raw_state or "").partition(":")[2])

    @router.message(in_form, Button("btn-skip"))
    async def on_skip(message: Message, raw_state: str | None, **kwargs: Any) -> None:
        ctx = await context(message.chat.id, kwargs, form)
        step = _current(form, raw_state)
        if step is None or step.skip is None:
            await message.answer(ctx._("form-use-buttons"))
            return
        await _apply(ctx, step, Done(step.skip), None, None)

    @router.message(in_form, ~F.text.startswith("/"))
    async def on_message(message: Message, raw_state: str | None, **kwargs: Any) -> None:
        ctx = await context(message.chat.id, kwargs, form)
        step = _current(form, raw_state)
        result = None
        if step is not None and step.on_message is not None:
            result = await step.on_message(ctx, message)
        if step is None or result is None:
            await message.answer(ctx._(_hint(step, message)))
            if step is not None and step.keyboard is not None:
                # The buttons come again right under the hint, not somewhere above.
                await _drop_buttons_of(ctx, QUESTION)
                await ask(ctx, step)
            return
        await _apply(ctx, step, result, None, None)

    return router


def _hint(step: Step | None, message: Message) -> str:
    if message.voice or message.video_note or message.audio:
        return "form-voice-not-here"
    return step.hint if step is not None else "form-use-buttons"


def _current(form: Form, raw_state: str | None) -> Step | None:
    name = (raw_state or "").partition(":")[2]
    return next((step for step in form.steps if step.name == name), None)


async def context(chat_id: int, kwargs: Mapping[str, Any], form: Form) -> Ctx:
    """A form's context from a handler's arguments (its entry points pass ``**kwargs``)."""
    state: FSMContext = kwargs["state"]
    return Ctx(
        form=form,
        data=dict(await state.get_data()),
        i18n=kwargs["i18n"],
        db=kwargs["db"],
        clock=kwargs["clock"],
        state=state,
        bot=kwargs["bot"],
        chat_id=chat_id,
        roles=kwargs["roles"],
        extra=kwargs,
    )


async def _apply(
    ctx: Ctx,
    step: Step,
    result: Result,
    message: Message | None,
    callback_answer: CallbackAnswer | None,
) -> None:
    if isinstance(result, Done):
        await _save(ctx, result.values)
        aside = ctx.data.get(ASIDE)
        if isinstance(aside, int):  # a step's own question is over too
            await _save(ctx, {ASIDE: None})
            if message is None or message.message_id != aside:
                await _drop_buttons(ctx, aside)
        await _settle_question(ctx, step, result.shown, message)
        await proceed(ctx, step)
    elif isinstance(result, Stay):
        await _save(ctx, result.values)
        if message is not None and step.keyboard is not None:
            rows = await step.keyboard(ctx)
            await edit_text(
                message,
                message.html_text,
                reply_markup=InlineKeyboardMarkup(inline_keyboard=[*rows, _controls(ctx, step)]),
            )
    else:
        await _save(ctx, result.values)
        if callback_answer is not None and not result.buttons:
            callback_answer.text = html_free(result.text)
            callback_answer.show_alert = True
            return
        if message is not None and message.message_id == ctx.data.get(ASIDE):
            await edit_text(message, message.html_text)  # the aside was answered
        markup = (
            InlineKeyboardMarkup(inline_keyboard=[list(row) for row in result.buttons])
            if result.buttons
            else None
        )
        sent = await ctx.bot.send_message(ctx.chat_id, result.text, reply_markup=markup)
        if result.buttons:
            await _save(ctx, {ASIDE: sent.message_id})


def html_free(text: str) -> str:
    """An alert shows plain text: no tags."""
    return re.sub(r"<[^>]+>", "", text)


async def _on_summary(
    ctx: Ctx, value: str, message: Message | None, callback_answer: CallbackAnswer
) -> None:
    if value.startswith(EDIT):
        group = value.removeprefix(EDIT)
        allowed = {name for name, _label in ctx.form.edit_buttons(ctx)}
        if group not in allowed or not ctx.form.groups.get(group):
            return
        if message is not None:
            await edit_text(message, message.html_text)
        await _save(ctx, {EDITING: group})
        await ask(ctx, ctx.form.step(ctx.form.groups[group][0]))
        return
    if value != CONFIRM:
        return
    if message is not None:
        await edit_text(message, message.html_text)
    if ctx.form.first_missing(ctx.data) is not None:
        await show_summary(ctx)
        return
    if await ctx.form.confirm(ctx):
        await finish(ctx)
