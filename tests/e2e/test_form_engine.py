"""The form engine through the emulator, on a three-step form written on it
(tests/e2e/engine_demo_form.py): one message per question, answered buttons leave the screen,
back, edit from the summary, stale buttons, a voice note, cancel, and a restart mid-form."""

from __future__ import annotations

from pathlib import Path

from bot.forms.engine import FormCb
from bot.sandbox import Emulator, Person
from tests.e2e import engine_demo_form
from tests.e2e.conftest import StartBot


async def _person(emulator: Emulator, user_id: int) -> Person:
    person = emulator.user(user_id, first_name="Тест", language_code="ru")
    await person.send_text("/start")
    await person.wait_messages(2)
    person.mark_read()
    return person


def packed(step: str, value: str) -> str:
    """A button of the demo form, as a client could forge one."""
    return FormCb(form="demo", step=step, value=value).pack()


def _current(person: Person, message_id: int) -> list[list[str]]:
    return next(m for m in person.messages if m.message_id == message_id).buttons


async def test_one_message_per_question_and_answers_leave_the_screen(
    emulator: Emulator, start_bot: StartBot
) -> None:
    await start_bot(feature_routers=[engine_demo_form.router])
    anna = await _person(emulator, 9501)
    await anna.send_text("/demo")
    intro, name_q = await anna.wait_messages(2)
    assert intro.body == "Начнём." and name_q.body == "Как вас зовут?"
    assert anna.reply_keyboard == [["✖️ Отмена"]]  # the first question: no «Назад»
    await anna.send_text("\u200b\u202e")
    [refused] = await anna.wait_messages(1)
    assert refused.body == "Нужно имя от 2 до 40 букв."
    await anna.send_text("Анна")
    [colour_q] = await anna.wait_messages(1)  # one message: choices, «Назад», «Отмена»
    assert colour_q.body == "Цвет?"
    assert colour_q.buttons == [["red", "green"], ["⬅️ Назад", "✖️ Отмена"]]
    await anna.send_voice()
    hint, colour_q2 = await anna.wait_messages(2)  # a kind word, and the buttons right below
    assert hint.body.startswith("Голосовое сообщение здесь не подойдёт")
    assert colour_q2.body == "Цвет?" and _current(anna, colour_q.message_id) == []
    stale_old = await anna.press_data(packed("colour", "red"), message_id=colour_q.message_id)
    assert stale_old is not None and stale_old.text and "уже позади" in stale_old.text
    await anna.press("green")
    [sure_q] = await anna.wait_messages(1)
    assert _current(anna, colour_q2.message_id) == []  # the answered question lost its buttons
    assert "green" in next(m for m in anna.messages if m.message_id == colour_q2.message_id).body

    # A button of a question already passed: stale, and it leaves the screen.
    await anna.press("⬅️ Назад", message_id=sure_q.message_id)
    [again] = await anna.wait_messages(1)
    assert again.body == "Цвет?" and _current(anna, sure_q.message_id) == []
    stale = await anna.press_data(packed("sure", "yes"), message_id=sure_q.message_id)
    assert (
        stale is not None
        and stale.text == "Этот вопрос уже позади. Ответьте на последний вопрос ниже."
    )
    await anna.press("red")
    await anna.wait_messages(1)
    await anna.press("Да")
    [summary] = await anna.wait_messages(1)
    assert summary.body == "Итого: Анна, red"
    assert summary.buttons == [
        ["✅ Подтвердить"],
        ["✏️ Имя", "✏️ Вид помощи"],
        ["⬅️ Назад", "✖️ Отмена"],
    ]

    # Edit one answer from the summary: back to the summary, not through the rest.
    await anna.press("✏️ Вид помощи")
    [colour_again] = await anna.wait_messages(1)
    assert colour_again.body == "Цвет?" and _current(anna, summary.message_id) == []
    await anna.press("green")
    [summary2] = await anna.wait_messages(1)
    assert summary2.body == "Итого: Анна, green"
    await anna.press("✅ Подтвердить")
    [saved] = await anna.wait_messages(1)
    assert saved.body == "Сохранено: Анна, green" and _current(anna, summary2.message_id) == []
    # A second press of the old summary's button: the form is over, a stale button.
    second = await anna.press_data(packed("summary", "~ok"), message_id=summary2.message_id)
    assert second is not None and second.text and second.text.startswith("Эта кнопка устарела")


async def test_cancel_inline_and_a_restart_mid_form(
    emulator: Emulator, start_bot: StartBot, tmp_path: Path
) -> None:
    runner = await start_bot(feature_routers=[engine_demo_form.router])
    boris = await _person(emulator, 9502)
    await boris.send_text("/demo")
    await boris.wait_messages(2)
    await boris.send_text("Борис")
    [colour_q] = await boris.wait_messages(1)
    await runner.restart()
    await boris.press("red")  # the form survived the restart
    [sure_q] = await boris.wait_messages(1)
    assert sure_q.body == "Уверены?"
    await boris.press("✖️ Отмена")
    [cancelled] = await boris.wait_messages(1)
    assert cancelled.body == "Ввод отменён, ничего не сохранено."
    assert _current(boris, sure_q.message_id) == [] and _current(boris, colour_q.message_id) == []


async def test_a_form_left_by_the_reply_cancel_leaves_nothing_answerable(
    emulator: Emulator, start_bot: StartBot
) -> None:
    """The reply «Отмена» (or /cancel) at the summary: its buttons go; after a new form,
    the old summary's «Подтвердить» confirms nothing (buttons count by message, not step)."""
    await start_bot(feature_routers=[engine_demo_form.router])
    vera = await _person(emulator, 9503)

    async def to_summary(name: str) -> int:
        await vera.send_text("/demo")
        await vera.wait_messages(2)
        await vera.send_text(name)
        await vera.wait_messages(1)
        await vera.press("red")
        await vera.wait_messages(1)
        await vera.press("Да")
        [summary] = await vera.wait_messages(1)
        return summary.message_id

    first = await to_summary("Вера")
    await vera.send_text("✖️ Отмена")
    [cancelled] = await vera.wait_messages(1)
    assert cancelled.body == "Ввод отменён, ничего не сохранено."
    assert _current(vera, first) == []
    await to_summary("Надежда")
    old = await vera.press_data(packed("summary", "~ok"), message_id=first)
    assert old is not None and old.text and "уже позади" in old.text
    assert not [m for m in vera.messages if m.body.startswith("Сохранено")]
