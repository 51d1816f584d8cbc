"""Steps every form builds the same way: a typed answer, one choice among buttons, several
choices (toggles with «Готово»), a phone (typed or shared), a territory (paged, a region opening
into its districts). Citizens' and volunteers' forms both use them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiogram import html
from aiogram.types import InlineKeyboardButton, Message

from bot.forms.engine import Ctx, Done, Question, Say, Stay, Step, render
from bot.ranges import INT32_MAX, parse_int
from bot.services import volunteers
from bot.services.territories import Option, options_under, picker_options
from models import Territory

PAGE_SIZE = 8
Data = Mapping[str, Any]


def always(data: Data) -> bool:
    return True


def text_step(
    name: str,
    question: Question,
    fills: str,
    parse: Callable[[str | None], Any],
    hint: str,
    *,
    when: Callable[[Data], bool] = always,
    skip: Mapping[str, Any] | None = None,
    refusal: Callable[[Ctx, str], str] | None = None,
    required: bool = True,
) -> Step:
    """A typed answer: ``parse`` returns the value to store under ``fills``, or None (then
    ``hint``, or ``refusal(ctx, text)`` when the answer deserves its own words). Not
    ``required``: the summary never asks it again (e.g. one skipped)."""

    async def on_message(ctx: Ctx, message: Message) -> Done | Say | None:
        if message.text is None:
            return None
        value = parse(message.text)
        if value is None:
            text = refusal(ctx, message.text) if refusal else ctx._(hint)
            return Say(text)
        return Done({fills: value})

    return Step(
        name,
        question,
        fills if required else None,
        on_message=on_message,
        when=when,
        hint=hint,
        skip=skip,
    )


def choice_step(
    name: str,
    question: Question,
    fills: str,
    options: Callable[[Ctx], Sequence[tuple[str, str]]],
    *,
    when: Callable[[Data], bool] = always,
    columns: int = 1,
    store: Callable[[Ctx, str], Mapping[str, Any]] | None = None,
    on_message: Callable[[Ctx, Message], Awaitable[Done | Say | None]] | None = None,
    hint: str = "form-use-buttons",
) -> Step:
    """One choice among buttons: ``options(ctx)`` gives (value, label); the answer shows the
    label. ``store`` turns the value into what is saved (default: ``{fills: value}``)."""

    async def keyboard(ctx: Ctx) -> list[list[InlineKeyboardButton]]:
        buttons = [ctx.button(name, label, value) for value, label in options(ctx)]
        return [buttons[i : i + columns] for i in range(0, len(buttons), columns)]

    async def on_choice(ctx: Ctx, value: str, page: int) -> Done | None:
        labels = dict(options(ctx))
        if value not in labels:
            return None
        values = store(ctx, value) if store else {fills: value}
        return Done(values, shown=labels[value])

    return Step(
        name,
        question,
        fills,
        keyboard=keyboard,
        on_choice=on_choice,
        on_message=on_message,
        when=when,
        hint=hint,
    )


def toggles_step(
    name: str,
    question: Question,
    fills: str,
    options: Sequence[str],
    label: Callable[[Ctx, str], str],
    need_one: str,
    *,
    when: Callable[[Data], bool] = always,
) -> Step:
    """Several choices: each button toggles (✅/▫️), «Готово» stores the sorted list; at least
    one is needed (``need_one`` says so)."""
    draft = f"_{fills}"

    def chosen(ctx: Ctx) -> set[str]:
        current = ctx.data.get(draft)
        if current is None:
            current = ctx.data.get(fills) or []
        return set(current)

    async def keyboard(ctx: Ctx) -> list[list[InlineKeyboardButton]]:
        picked = chosen(ctx)
        rows = [
            [ctx.button(name, ("✅ " if option in picked else "▫️ ") + label(ctx, option), option)]
            for option in options
        ]
        rows.append([ctx.button(name, ctx._("btn-done"), "")])
        return rows

    async def on_choice(ctx: Ctx, value: str, page: int) -> Done | Stay | Say | None:
        picked = chosen(ctx)
        if value == "":
            if not picked:
                return Say(ctx._(need_one))
            ordered = [option for option in options if option in picked]
            shown = ", ".join(label(ctx, option) for option in ordered)
            return Done({fills: ordered, draft: None}, shown=shown)
        if value not in options:
            return None
        return Stay({draft: sorted(picked ^ {value})})

    async def question_text(ctx: Ctx) -> str:
        await ctx.state.update_data({draft: None})  # asked anew: ticks not saved are gone
        ctx.data[draft] = None
        return await render(ctx, question)

    return Step(name, question_text, fills, keyboard=keyboard, on_choice=on_choice, when=when)


def phone_step(
    name: str,
    question: Question,
    fills: str,
    hint: str,
    *,
    when: Callable[[Data], bool] = always,
    contact: Callable[[Data], bool] = always,
    own_contact_only: str | None = None,
) -> Step:
    """A Russian or Kazakh phone, typed or shared with the contact button (stored +7…).
    ``own_contact_only``: the refusal for someone else's contact (a volunteer's own phone)."""

    async def on_message(ctx: Ctx, message: Message) -> Done | Say | None:
        if message.contact is not None:
            if own_contact_only and message.contact.user_id != message.chat.id:
                return Say(ctx._(own_contact_only))
            text: str | None = message.contact.phone_number
        else:
            text = message.text
        if text is None:
            return None
        phone = volunteers.normalize_phone(text)
        return Done({fills: phone}) if phone else Say(ctx._(hint))

    return Step(name, question, fills, on_message=on_message, when=when, hint=hint, contact=contact)


def territory_step(
    name: str,
    question: Question,
    *,
    scope: Callable[[Ctx], Sequence[int] | None] | None = None,
    out_of_scope: str = "stale-button",
    chosen: Callable[[Ctx, Territory], Mapping[str, Any]] | None = None,
    when: Callable[[Data], bool] = always,
) -> Step:
    """A territory from a paged list; a region opens into its districts. ``scope(ctx)``: the
    only territories to offer (a hotline operator who is not HQ), as a flat list, anything
    else refused with ``out_of_scope``. ``chosen`` adds values to store (e.g. a pin of the
    old territory no longer holds). Fills ``territory_id``."""
    node = "_territory_node"
    page_key = "_territory_page"

    async def listing(ctx: Ctx) -> list[Option]:
        allowed = scope(ctx) if scope else None
        if allowed is not None:
            every = await picker_options(ctx.db)
            return sorted((t for t in every if t.id in allowed), key=lambda t: t.name_ru)
        parent = ctx.data.get(node)
        return await options_under(ctx.db, parent if isinstance(parent, int) else None)

    async def keyboard(ctx: Ctx) -> list[list[InlineKeyboardButton]]:
        options = await listing(ctx)
        pages = max(1, -(-len(options) // PAGE_SIZE))
        page = min(max(int(ctx.data.get(page_key) or 0), 0), pages - 1)
        locale = ctx.i18n.locale
        rows = [
            [ctx.button(name, territory.name(locale), str(territory.id), page)]
            for territory in options[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        ]
        paging = []
        if page > 0:
            paging.append(ctx.button(name, ctx._("btn-prev"), "p", page - 1))
        if page < pages - 1:
            paging.append(ctx.button(name, ctx._("btn-next"), "p", page + 1))
        if paging:
            rows.append(paging)
        return rows

    async def on_choice(ctx: Ctx, value: str, page: int) -> Done | Stay | Say | None:
        if value == "p":
            return Stay({page_key: page})
        territory_id = parse_int(value, 1, INT32_MAX)  # territories.id is 32-bit
        territory = await ctx.db.get(Territory, territory_id) if territory_id else None
        if territory is None:
            return None
        allowed = scope(ctx) if scope else None
        if allowed is not None and territory.id not in allowed:
            return Say(ctx._(out_of_scope))
        if allowed is None and await options_under(ctx.db, territory.id):
            return Stay({node: territory.id, page_key: 0})  # a region: its districts
        extra = chosen(ctx, territory) if chosen else {}
        return Done(
            {**extra, "territory_id": territory.id, node: None, page_key: 0},
            shown=html.quote(territory.name(ctx.i18n.locale)),
        )

    async def question_text(ctx: Ctx) -> str:
        await ctx.state.update_data({node: None, page_key: 0})  # asked anew: from the top
        ctx.data.update({node: None, page_key: 0})
        return await render(ctx, question)

    return Step(
        name, question_text, "territory_id", keyboard=keyboard, on_choice=on_choice, when=when
    )
