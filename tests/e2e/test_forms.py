"""A half-filled form survives a restart: state in the database, or in Redis when configured.

The form here is a test fixture; features bring real forms that follow the same rules.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sandbox import Emulator
from tests.e2e.conftest import StartBot


class Survey(StatesGroup):
    name = State()
    age = State()


def survey_router() -> Router:
    router = Router(name="survey")

    @router.message(Command("questionnaire"), StateFilter(None))
    async def start(message: Message, state: FSMContext, db: AsyncSession) -> None:
        await state.set_state(Survey.name)
        await db.commit()
        await message.answer("Q1 name")

    @router.message(Survey.name, F.text)
    async def name(message: Message, state: FSMContext, db: AsyncSession) -> None:
        await state.update_data(name=message.text)
        await state.set_state(Survey.age)
        await db.commit()
        await message.answer("Q2 age")

    @router.message(Survey.age, F.text.regexp(r"^\d{1,3}$"))
    async def age(message: Message, state: FSMContext, db: AsyncSession) -> None:
        data = await state.get_data()
        await state.clear()
        await db.commit()
        await message.answer(f"done {data['name']} {message.text}")

    return router


async def _fill_across_restart(
    emulator: Emulator, start_bot: StartBot, **bot_kwargs: object
) -> None:
    runner = await start_bot(feature_routers=[survey_router()], **bot_kwargs)
    person = emulator.user(3001, first_name="Бауыржан", language_code="kk")
    await person.send_text("/questionnaire")
    assert (await person.wait_messages(1))[0].body == "Q1 name"
    await person.send_text("Сәуле")
    assert (await person.wait_messages(1))[0].body == "Q2 age"

    await runner.restart()

    # A wrong answer re-asks through the generic fallback, in the person's language.
    await person.send_text("жетпіс")
    [hint] = await person.wait_messages(1)
    assert hint.body.startswith("Жауапты түсінбедім")
    await person.send_text("72")
    assert (await person.wait_messages(1))[0].body == "done Сәуле 72"


async def test_form_survives_restart_on_sqlite(emulator: Emulator, start_bot: StartBot) -> None:
    await _fill_across_restart(emulator, start_bot)


async def test_form_survives_restart_on_postgres_and_redis(
    emulator: Emulator, start_bot: StartBot, pg_url: str, redis_url: str
) -> None:
    await _fill_across_restart(emulator, start_bot, database_url=pg_url, redis_url=redis_url)


async def test_cancel_leaves_the_form(emulator: Emulator, start_bot: StartBot) -> None:
    await start_bot(feature_routers=[survey_router()])
    person = emulator.user(3002, first_name="Пётр", language_code="ru")
    await person.send_text("/questionnaire")
    await person.wait_messages(1)
    await person.send_text("✖️ Отмена")
    [reply] = await person.wait_messages(1)
    assert reply.body == "Ввод отменён, ничего не сохранено."
    await person.send_text("Сәуле")
    [reply] = await person.wait_messages(1)
    assert reply.body.startswith("Я не понял это сообщение")
