"""The bot as a new user meets it: ``python -m bot`` in a separate process, from another
folder, configured only by BOT_TOKEN, TELEGRAM_API_URL, DATABASE_URL and ADMIN_IDS."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.sandbox import Emulator, Person
from tests.e2e.conftest import ADMIN_ID, TOKEN

ODD_UPDATES = 240


def _env(emulator: Emulator, database_url: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=database_url,
        ADMIN_IDS=str(ADMIN_ID),
    )
    return env


async def _start(emulator: Emulator, tmp_path: Path) -> asyncio.subprocess.Process:
    """The bot's output goes to a file: a pipe read only at the end would fill up with its log
    during a long run and block the bot on its next log line."""
    database_url = f"sqlite+aiosqlite:///{tmp_path}/blackbox.sqlite3"
    with (tmp_path / "bot.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=_env(emulator, database_url),
            stdout=log,
            stderr=log,
        )


async def _stop(process: asyncio.subprocess.Process, tmp_path: Path) -> tuple[int, str]:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 30)
    assert process.returncode is not None
    return process.returncode, (tmp_path / "bot.log").read_text(errors="replace")


async def _odd_update(emulator: Emulator, rng: random.Random, n: int) -> None:
    """Sends one odd update and waits for the bot's answer to it: silence fails the test."""
    person = emulator.user(
        50_000 + n % 7, first_name=f"Тест{n}", language_code=rng.choice(["ru", "kk", "en", None])
    )
    kind = n % 8
    if kind == 3:
        # Forged button data on a real message, as a modified client could send.
        await person.send_text("/language")
        [choice] = await person.wait_messages(1, timeout=15)
        forged = rng.randbytes(32).hex()[: rng.randint(1, 64)]
        answer = await person.press_data(forged, message_id=choice.message_id, timeout=15)
        assert answer is not None, f"update {n}: forged button got no answer"
        return
    if kind == 0:
        length = rng.randint(1, 4096)
        await person.send_text("".join(chr(rng.randint(0x21, 0x2FFF)) for _ in range(length)))
    elif kind == 1:
        await person.send_sticker()
    elif kind == 2:
        blob = rng.randbytes(rng.randint(1, 4000))
        await person.send_document(blob, filename="blob.bin", mime_type="application/octet-stream")
    elif kind == 4:
        # (a /start also offers the language choice to someone who has not made one)
        odd = [
            "/start payload",
            "/unknown",
            "/stats",
            "/help@sandbox_bot",
            "/language x",
            "\u202e\u200bx",
            "🙂" * 50,
            "' OR 1=1 --",
            "<b>unclosed",
            "&amp;",
        ]
        text = rng.choice(odd)
        await person.send_text(text)
        if text.startswith("/start"):
            replies = await person.wait_messages(2, timeout=15)
            assert replies[1].buttons == [["Русский", "Қазақша"]]
            return
    elif kind == 5:
        await person.send_location(rng.uniform(-90, 90), rng.uniform(-180, 180))
    elif kind == 6:
        await person.send_contact(
            phone=f"+7{rng.randint(10**9, 10**10 - 1)}", own=rng.random() < 0.5
        )
    else:
        await person.send_photo(rng.randbytes(200))
    replies = await person.wait_messages(1, timeout=15)
    assert replies[0].body, f"update {n}: empty answer"


async def test_new_user_through_a_separate_process(emulator: Emulator, tmp_path: Path) -> None:
    process = await _start(emulator, tmp_path)
    try:
        person = emulator.user(40_001, first_name="Айжан", language_code="kk")
        await person.send_text("/start")
        [greeting, _choice] = await person.wait_messages(2, timeout=30)
        assert greeting.body.startswith("Сәлеметсіз бе, Айжан!")

        rng = random.Random(20261126)
        for n in range(ODD_UPDATES):
            await _odd_update(emulator, rng, n)
    except BaseException:
        _, stderr = await _stop(process, tmp_path)
        print(stderr[-6000:])
        raise
    code, stderr = await _stop(process, tmp_path)
    assert code == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    assert " ERROR " not in stderr
    assert "outcome=error" not in stderr


def _labels(person: Person) -> list[str]:
    message = person.last_bot_message
    return [label for row in (message.buttons if message else []) for label in row]


async def _press_paged(person: Person, label: str) -> None:
    for _ in range(10):
        if label in _labels(person):
            await person.press(label, timeout=15)
            return
        await person.press("Далее ▶️", timeout=15)
    raise AssertionError(f"{label!r} not found")


async def test_a_help_request_through_a_separate_process(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Only the four settings: a volunteer signs up and is approved, a neighbour asks for
    groceries, the volunteer takes the task and reports it done, the neighbour hears of it."""
    process = await _start(emulator, tmp_path)
    try:
        hq = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
        await hq.send_text("/start")
        await hq.wait_messages(2, timeout=30)
        petr = emulator.user(40_101, first_name="Пётр", language_code="ru")
        await petr.send_text("/start")
        await petr.wait_messages(2, timeout=15)
        await petr.send_text("🤝 Стать волонтёром")
        await petr.wait_messages(2, timeout=15)
        await petr.send_text("Пётр Смирнов")
        await petr.wait_messages(1, timeout=15)
        await petr.tap("📱 Поделиться контактом")
        await petr.wait_messages(1, timeout=15)
        await _press_paged(petr, "Юргинский городской округ")
        await petr.press("▫️ Доставка продуктов и лекарств", timeout=15)
        await petr.press("Готово", timeout=15)
        await petr.press("18–34 года", timeout=15)
        await petr.press("▫️ По выходным", timeout=15)
        await petr.press("Готово", timeout=15)
        await petr.send_text("Пропустить")
        await petr.wait_messages(1, timeout=15)
        await petr.press("✅ Даю согласие", timeout=15)
        await petr.press("✅ Подтвердить", timeout=15)
        [application] = await hq.wait_messages(1, timeout=20)
        assert application.body.startswith("🆕 Анкета волонтёра")
        # Read up to now before pressing: the notice can arrive before the press's answer.
        petr.mark_read()
        await hq.press("✅ Одобрить", timeout=15)
        await petr.wait_messages(1, timeout=20)

        anna = emulator.user(40_102, first_name="Анна", language_code="ru")
        await anna.send_text("/start")
        await anna.wait_messages(2, timeout=15)
        await anna.send_text("🆘 Попросить о помощи")
        await anna.wait_messages(2, timeout=15)
        await anna.press("Продукты", timeout=15)
        await anna.press("Для другого человека", timeout=15)
        await anna.send_text("Зоя Павловна")
        await anna.wait_messages(1, timeout=15)
        await anna.send_text("84")
        await anna.wait_messages(1, timeout=15)
        await anna.send_text("8 913 765 43 21")
        await anna.wait_messages(1, timeout=15)
        await anna.press("Да", timeout=15)
        await _press_paged(anna, "Юргинский городской округ")
        await anna.send_text("ул. Мира, 10, кв. 3")
        await anna.wait_messages(1, timeout=15)
        await anna.send_text("Пропустить")
        await anna.wait_messages(1, timeout=15)
        await anna.send_text("Хлеб и молоко")
        await anna.wait_messages(1, timeout=15)
        # A «today» request raised in the territory's night goes to the coordinators on duty,
        # and to volunteers only in the morning (issue 19): at night the test asks for help
        # within three days, which volunteers are offered at once.
        yurga_hour = datetime.now(ZoneInfo("Asia/Novokuznetsk")).hour
        night = yurga_hour >= 22 or yurga_hour < 8
        await anna.press("В течение 3 дней" if night else "🚨 Сегодня", timeout=15)
        await anna.press("Вечером, 17–21", timeout=15)
        await anna.press("✅ Даю согласие", timeout=15)
        anna.mark_read()
        petr.mark_read()  # before the request exists: its push may come before Anna's answer
        await anna.press("✅ Подтвердить", timeout=15)
        [created] = await anna.wait_messages(1, timeout=15)
        assert created.body.startswith("✅ Заявка № 1 принята")

        [push] = await petr.wait_messages(1, timeout=20)
        assert push.body.startswith("🆕 Задача № 1: Продукты")
        assert "Зоя" not in push.body and "Мира" not in push.body
        await petr.press("Взять", timeout=15)
        await petr.wait_messages(1, timeout=15)
        assert "Зоя Павловна" in petr.messages[-1].body
        await petr.press("✅ Выполнено", timeout=15)
        await petr.wait_messages(1, timeout=15)
        await petr.send_text("Купил хлеб и молоко")
        await petr.wait_messages(1, timeout=15)
        await petr.send_text("1")
        await petr.wait_messages(1, timeout=15)
        await petr.send_text("Пропустить")
        await petr.wait_messages(1, timeout=15)
        assert petr.messages[-1].body.startswith("🎉 Спасибо! Задача № 1 выполнена")
        texts: list[str] = []
        notifier = anna.state.notifier
        deadline = asyncio.get_running_loop().time() + 20
        while asyncio.get_running_loop().time() < deadline:  # woken by each change, not a timer
            texts = [m.body for m in anna.messages if m.from_bot]
            if any(t.startswith("✅ Заявка № 1 выполнена") for t in texts):
                break
            await notifier.wait(notifier.version, 1.0)
        assert any(t.startswith("Заявку № 1 взял волонтёр Пётр") for t in texts), texts
        assert any(t.startswith("✅ Заявка № 1 выполнена") for t in texts), texts
    except BaseException:
        _, stderr = await _stop(process, tmp_path)
        print(stderr[-6000:])
        raise
    code, stderr = await _stop(process, tmp_path)
    assert code == 0, stderr[-2000:]
    assert "Traceback" not in stderr and " ERROR " not in stderr
