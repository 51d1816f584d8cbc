"""Three steps on the form engine (a typed name, a colour, a yes/no), then the summary."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.forms.engine import Ctx, Form, build_router, context, start
from bot.forms.widgets import choice_step, text_step
from bot.services.cleaning import clean_bounded


async def _confirm(ctx: Ctx) -> bool:
    await ctx.bot.send_message(ctx.chat_id, f"Сохранено: {ctx.data['name']}, {ctx.data['colour']}")
    return True


DEMO = Form(
    code="demo",
    steps=[
        text_step(
            "name",
            lambda ctx: "Как вас зовут?",
            "name",
            lambda text: clean_bounded(text, 2, 40),
            "form-use-buttons",
            refusal=lambda ctx, text: "Нужно имя от 2 до 40 букв.",
        ),
        choice_step(
            "colour",
            lambda ctx: "Цвет?",
            "colour",
            lambda ctx: [("red",) * 2, ("green",) * 2],
            columns=2,
        ),
        choice_step(
            "sure",
            lambda ctx: "Уверены?",
            "sure",
            lambda ctx: [("yes", "Да"), ("no", "Нет")],
            columns=2,
        ),
    ],
    summary=lambda ctx: f"Итого: {ctx.data['name']}, {ctx.data['colour']}",
    confirm=_confirm,
    groups={"name": ["name"], "colour": ["colour"]},
    edit_buttons=lambda ctx: [("name", "btn-edit-name"), ("colour", "btn-rq-edit-kind")],
)
router = Router(name=__name__)
router.include_router(build_router(DEMO))


@router.message(Command("demo"), F.chat.type == "private")
async def cmd_demo(message: Message, **kwargs: Any) -> None:
    await start(await context(message.chat.id, kwargs, DEMO), {}, intro="Начнём.")
