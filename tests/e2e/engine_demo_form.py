"""Three steps on the form engine (a typed name, a colour, a yes/no), then the summary."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, Message

from bot.forms.engine import Ctx, Done, Form, FormCb, Say, Step, build_router, context, start
from bot.services.cleaning import clean_bounded

COLOURS = ("red", "green")


async def _typed_name(ctx: Ctx, message: Message) -> Done | Say | None:
    if message.text is None:
        return None
    name = clean_bounded(message.text, 2, 40)
    return Done({"name": name}) if name else Say("Нужно имя от 2 до 40 букв.")


async def _colour(ctx: Ctx, value: str, page: int) -> Done | None:
    return Done({"colour": value}, shown=value) if value in COLOURS else None


async def _keyboard(ctx: Ctx) -> list[list[InlineKeyboardButton]]:
    return [[ctx.button("colour", c, c) for c in COLOURS]]


async def _yes_no(ctx: Ctx) -> list[list[InlineKeyboardButton]]:
    return [[ctx.button("sure", "Да", "yes"), ctx.button("sure", "Нет", "no")]]


async def _sure(ctx: Ctx, value: str, page: int) -> Done:
    return Done({"sure": value == "yes"}, shown=value)


async def _confirm(ctx: Ctx) -> bool:
    await ctx.bot.send_message(ctx.chat_id, f"Сохранено: {ctx.data['name']}, {ctx.data['colour']}")
    return True


DEMO = Form(
    code="demo",
    steps=[
        Step("name", lambda ctx: "Как вас зовут?", "name", on_message=_typed_name),
        Step("colour", lambda ctx: "Цвет?", "colour", keyboard=_keyboard, on_choice=_colour),
        Step("sure", lambda ctx: "Уверены?", "sure", keyboard=_yes_no, on_choice=_sure),
    ],
    summary=lambda ctx: f"Итого: {ctx.data['name']}, {ctx.data['colour']}",
    confirm=_confirm,
    groups={"name": ["name"], "colour": ["colour"]},
    edit_buttons=lambda ctx: [("name", "btn-edit-name"), ("colour", "btn-rq-edit-kind")],
)
router = Router(name=__name__)
router.include_router(build_router(DEMO))


@router.message(Command("demo"), F.chat.type == "private")
async def cmd_demo(message: Message, **kwargs: object) -> None:
    await start(await context(message.chat.id, kwargs, DEMO), {}, intro="Начнём.")


def packed(step: str, value: str) -> str:
    return FormCb(form="demo", step=step, value=value).pack()
