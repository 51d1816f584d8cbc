"""Importing people into a campaign end to end (issue 16): a 200-row file with 10 bad rows and
5 duplicates (3 true, 2 shared phones) as CSV in UTF-8 with commas and in Windows-1251 with
semicolons (in Russian), and as XLSX (in Kazakh, by a territory coordinator); the counts, the
rejected rows' file, a broken file importing nothing, the template, and a campaign out of the
coordinator's territories refused."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bot.keyboards.callbacks import CampaignCb
from bot.sandbox import Emulator, Person
from bot.sandbox.world import StoredMessage
from bot.services import campaign_import as ci
from bot.services import coordinators
from bot.services.users import Roles
from models import Campaign, CampaignImport, CampaignPerson, CampaignTerritory, Territory
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained

HEADER_RU = ["ФИО", "Телефон", "Год рождения", "Территория", "Адрес", "Дата согласия", "Telegram"]
HEADER_KK = ["Аты-жөні", "Телефон нөмірі", "Туған жылы", "Аумақ", "Мекенжай", "Келісім күні"]


def _people() -> list[list[str]]:
    """200 rows: 185 people, 3 true duplicates, 2 people sharing a phone with others, 10 bad."""
    good = [
        [
            f"Иванова Анна {i}",
            f"+7 903 200-{i // 100:02d}-{i % 100:02d}",
            str(1940 + i % 30),
            "Юргинский городской округ" if i % 2 else "yurga",
            f"ул. Ленина, {i}",
            "01.11.2026",
            f"@anna_{i:03d}" if i % 3 == 0 else "",
        ]
        for i in range(185)
    ]
    duplicates = [
        ["ИВАНОВА  анна 0", good[0][1], "1975", "yurga", "", "02.11.2026", ""],  # same name
        ["Иванова А. 1", "89032000001", good[1][2], "yurga", "", "01.11.2026", ""],  # same year
        list(good[2]),  # the same row twice
    ]
    shared = [
        ["Иванов Пётр", good[3][1], "1980", "yurga", "", "01.11.2026", ""],
        ["Иванов Олег", good[4][1], "1981", "yurga", "", "01.11.2026", ""],
    ]
    row = ["Петрова Ольга", "+7 903 300-00-00", "1950", "yurga", "ул. Мира, 1", "01.11.2026", ""]

    def bad(column: int, value: str, phone: str) -> list[str]:
        changed = [*row]
        changed[1] = phone
        changed[column] = value
        return changed

    bad_rows = [
        bad(0, "", "+79033000001"),
        bad(1, "12345", ""),
        [row[0], "", row[2], row[3], "", row[5], ""],
        bad(2, "2015", "+79033000003"),
        bad(2, "", "+79033000004"),
        bad(3, "Атлантида", "+79033000005"),
        bad(3, "tayga", "+79033000006"),
        bad(5, "", "+79033000007"),
        bad(5, "вчера", "+79033000008"),
        bad(5, "01.01.2027", "+79033000009"),
    ]
    rows = good + duplicates + shared
    for index, bad_row in enumerate(bad_rows):  # spread through the file
        rows.insert(index * 19 + 5, bad_row)
    assert len(rows) == 200
    return rows


def _csv(rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER_KK)
    for row in rows:
        cells: list[object] = list(row[:6])
        if cells[2]:
            cells[2] = int(str(cells[2]))  # numbers as Excel keeps them
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _person(emulator: Emulator, user_id: int, code: str) -> Person:
    person = emulator.user(user_id, first_name="Координатор", language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    if code == "kk":
        await person.press("Қазақша")
        await person.wait_messages(1)
    person.mark_read()
    return person


async def _territory_ids(runner: BotRunner) -> dict[str, int]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        return dict((await session.execute(select(Territory.code, Territory.id))).all())


async def _campaign(runner: BotRunner, code: str, status: str = "active") -> int:
    """A campaign made directly (its creation form has its own tests)."""
    assert runner.app is not None
    ids = await _territory_ids(runner)
    now = runner.clock.now()
    async with runner.app.sessionmaker() as session:
        campaign = Campaign(
            name=f"Обзвон <60+> & {code}", status=status, rounds=[0, 7, 21], window_start=600,
            window_end=1140, attempts=3, retry_minutes=120, visit_after=2, created_by=ADMIN_ID,
            created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(campaign)
        await session.flush()
        session.add(CampaignTerritory(campaign_id=campaign.id, territory_id=ids[code]))
        await session.commit()
        return campaign.id


async def _counts(runner: BotRunner, campaign_id: int) -> tuple[int, list[str]]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        people = await session.scalar(
            select(func.count(CampaignPerson.id)).where(CampaignPerson.campaign_id == campaign_id)
        )
        statuses = (
            await session.scalars(
                select(CampaignImport.status).where(CampaignImport.campaign_id == campaign_id)
            )
        ).all()
    return people or 0, list(statuses)


def _file(person: Person, message: StoredMessage) -> bytes:
    assert message.document is not None
    stored = person.state.files.get(message.document["file_id"])
    assert stored is not None
    return stored.data


async def _import(
    person: Person, campaign_id: int, data: bytes, name: str, *, button: bool = False
) -> list[StoredMessage]:
    if button:  # the campaign card's «📥 Загрузить людей»
        await person.press_data(CampaignCb(action="import", id=campaign_id).pack())
    else:
        await person.send_text(f"/import {campaign_id}")
    [ask] = await person.wait_messages(1)
    assert f"№ {campaign_id}" in ask.body
    person.mark_read()
    await person.send_document(data, filename=name)
    return await person.wait_messages(2, timeout=30)


async def _rejected(person: Person) -> list[list[str]]:
    [document] = await person.wait_messages(1, timeout=30)
    data = _file(person, document)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens it
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


RESULT_RU = "Строк в файле: 200\nДобавлено: 187\nОбъединено с уже известными: 3\nОтклонено: 10"


async def test_csv_in_russian(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    hq = await _person(emulator, ADMIN_ID, "ru")
    rows = _people()

    for delimiter, encoding in ((",", "utf-8"), (";", "cp1251")):
        campaign_id = await _campaign(runner, "yurga")
        data = _csv([HEADER_RU, *rows], delimiter, encoding)
        received, result = await _import(hq, campaign_id, data, "люди.csv")
        assert received.body.startswith("✅ Проверено строк: 200")  # the progress, edited
        assert RESULT_RU in result.body, result.body
        assert "«Обзвон <60+> & yurga»" in result.body  # the name escaped for HTML
        assert "• неизвестная территория: 1" in result.body
        rejected = await _rejected(hq)
        assert rejected[0] == [*HEADER_RU, "Причина"]
        assert len(rejected) == 11
        assert {row[-1] for row in rejected[1:]} >= {"нет ФИО", "дата согласия в будущем"}
        assert await _counts(runner, campaign_id) == (187, ["done"])
        hq.mark_read()

    # The same file again merges everyone already in the campaign.
    received, result = await _import(hq, campaign_id, data, "люди.csv")
    assert "Добавлено: 0\nОбъединено с уже известными: 190" in result.body
    await _rejected(hq)
    assert (await _counts(runner, campaign_id))[0] == 187
    hq.mark_read()

    # A broken file imports nothing.
    broken = await _campaign(runner, "yurga")
    _, error = await _import(hq, broken, b"PK\x03\x04 broken", "люди.xlsx")
    assert error.body.startswith("❌ Файл XLSX повреждён")
    assert await _counts(runner, broken) == (0, ["refused"])  # the record is not left running
    hq.mark_read()
    header_only = _csv([["ФИО", "Телефон"], *[r[:2] for r in rows]], ";", "utf-8")
    _, error = await _import(hq, broken, header_only, "люди.csv")
    assert "Нет обязательных столбцов: Год рождения, Территория, Дата согласия" in error.body
    assert await _counts(runner, broken) == (0, ["refused", "refused"])
    hq.mark_read()

    # Something else than a file gets a hint; the template comes as XLSX and CSV.
    await hq.send_text(f"/import {broken}")
    await hq.wait_messages(1)
    await hq.send_text("вот")
    [hint] = await hq.wait_messages(1)
    assert hint.body.startswith("Пришлите файл CSV или XLSX")
    hq.mark_read()
    await hq.press("📄 Шаблон")
    xlsx, template_csv = await hq.wait_messages(2)
    sheet = load_workbook(io.BytesIO(_file(hq, xlsx)), read_only=True).worksheets[0]
    header, example = [list(r) for r in sheet.iter_rows(values_only=True)][:2]
    assert header == HEADER_RU and example[3] == "Юргинский городской округ"
    assert _file(hq, template_csv).decode("utf-8-sig").startswith(";".join(HEADER_RU))
    hq.mark_read()
    await hq.send_text("/cancel")
    await hq.wait_messages(1)

    # A closed campaign takes no file.
    closed = await _campaign(runner, "yurga", status="closed")
    hq.mark_read()
    await hq.send_text(f"/import {closed}")
    [refused] = await hq.wait_messages(1)
    assert refused.body == "Кампания закрыта: загрузить в неё людей нельзя."


async def test_xlsx_in_kazakh_by_a_territory_coordinator(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    coordinator = await _person(emulator, 7200, "kk")
    ids = await _territory_ids(runner)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        await coordinators.appoint(
            session, user_id=coordinator.id, territory_ids=[ids["yurga"]], hq=False,
            actor_id=ADMIN_ID, now=runner.clock.now(),
        )  # fmt: skip
        await session.commit()
    campaign_id = await _campaign(runner, "yurga")

    # Out of scope: another territory's campaign, by command and by its card's button.
    tayga = await _campaign(runner, "tayga")
    await coordinator.send_text(f"/import {tayga}")
    [refused] = await coordinator.wait_messages(1)
    assert refused.body == "Бұл науқан сіздің аумақтарыңызға кірмейді."
    coordinator.mark_read()

    _, result = await _import(
        coordinator, campaign_id, _xlsx(_people()), "адамдар.xlsx", button=True
    )
    assert (
        "Файлдағы жол: 200\nҚосылды: 187\nБұрыннан барлармен біріктірілді: 3\nҚабылданбады: 10"
        in result.body
    ), result.body
    rejected = await _rejected(coordinator)
    assert rejected[0] == [*HEADER_KK, "Себебі"] and len(rejected) == 11
    assert await _counts(runner, campaign_id) == (187, ["done"])
    coordinator.mark_read()

    await coordinator.send_text(f"/import {campaign_id}")
    await coordinator.wait_messages(1)
    answer = await coordinator.press_data(CampaignCb(action="template", id=tayga).pack())
    assert answer is not None and answer.text == "Бұл науқан сіздің аумақтарыңызға кірмейді."
    await coordinator.press("📄 Үлгі")
    xlsx, _ = await coordinator.wait_messages(2)
    sheet = load_workbook(io.BytesIO(_file(coordinator, xlsx)), read_only=True).worksheets[0]
    header = next(sheet.iter_rows(values_only=True))
    assert list(header)[:3] == ["Аты-жөні", "Телефон нөмірі", "Туған жылы"]


async def test_a_failing_import_is_reported_and_logged_once_without_phones(
    emulator: Emulator,
    start_bot: StartBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    hq = await _person(emulator, ADMIN_ID, "ru")
    campaign_id = await _campaign(runner, "yurga")
    rows = _people()[:30]

    async def broken_write(*args: object, **kwargs: object) -> None:
        raise ValueError(f"invalid value {rows[0][1]}")  # a message that quotes a cell

    monkeypatch.setattr(ci, "write_people", broken_write)
    with caplog.at_level(logging.INFO):
        _, failed = await _import(hq, campaign_id, _csv([HEADER_RU, *rows], ",", "utf-8"), "a.csv")
    assert failed.body.startswith("⚠️ Загрузка прервалась из-за ошибки.")
    assert await _counts(runner, campaign_id) == (0, ["failed"])
    failures = [r for r in caplog.records if "campaign import failed" in r.getMessage()]
    assert len(failures) == 1
    digits = rows[0][1].replace(" ", "").replace("-", "")[2:]
    assert digits not in caplog.text.replace(" ", "").replace("-", "")


@pytest.fixture(autouse=True)
def _rejected_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rejected rows' files wait for the outbox in the test's own directory; this
    process's running imports are the test's own (ids repeat across test databases)."""
    monkeypatch.setattr(ci, "REJECTED_DIR", tmp_path / "rejected")
    monkeypatch.setattr(ci, "LIVE", set())


HQ_ROLES = Roles(is_coordinator=True, is_hq=True)


async def _cut_short(runner: BotRunner, campaign_id: int, rows: list[list[str]]) -> int:
    """What a process that died mid-import leaves: the record running, its first people
    saved, no task to finish it."""
    assert runner.app is not None
    sessions, now = runner.app.sessionmaker, runner.clock.now()
    import_id = await ci.open_import(
        sessions, campaign_id=campaign_id, user_id=ADMIN_ID, file_name="люди.csv",
        file_unique_id="dead", now=now,
    )  # fmt: skip
    assert import_id is not None
    ci.LIVE.discard(import_id)  # another process's
    async with sessions() as session:
        ctx = await ci.load_context(session, campaign_id, HQ_ROLES, now)
    parsed = ci.parse(_csv([HEADER_RU, *rows], ",", "utf-8"), ctx)
    await ci.write_people(sessions, parsed, campaign_id=campaign_id, import_id=import_id, now=now)
    return import_id


async def test_an_import_cut_short_by_a_restart_is_reported_once(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    hq = await _person(emulator, ADMIN_ID, "ru")
    campaign_id = await _campaign(runner, "yurga")
    rows = _people()[:6]  # the first bad row is the sixth
    await _cut_short(runner, campaign_id, rows[:3])
    assert await _counts(runner, campaign_id) == (3, ["running"])

    await runner.restart()
    [notice] = await hq.wait_messages(1, timeout=10)
    assert notice.body.startswith("⚠️ Загрузка в кампанию «Обзвон <60+> & yurga» прервалась")
    assert "Уже сохранено людей: 3" in notice.body and "объединятся" in notice.body
    assert await _counts(runner, campaign_id) == (3, ["failed"])
    hq.mark_read()

    # Another start tells nobody again.
    await runner.restart()
    await drained(runner)
    seen = len(hq.chat.bot_messages)
    await hq.send_text(f"/import {campaign_id}")  # the campaign takes a file again
    [ask] = await hq.wait_messages(1)
    assert f"№ {campaign_id}" in ask.body and len(hq.chat.bot_messages) == seen + 1
    await hq.send_text("/cancel")
    await hq.wait_messages(1)
    hq.mark_read()

    # The same file again: the saved people merge, the rest are added.
    _, result = await _import(hq, campaign_id, _csv([HEADER_RU, *rows], ",", "utf-8"), "a.csv")
    assert "Строк в файле: 6\nДобавлено: 2\nОбъединено с уже известными: 3" in result.body
    await _rejected(hq)
    assert await _counts(runner, campaign_id) == (5, ["failed", "done"])


async def test_a_second_import_into_the_campaign_is_refused(
    emulator: Emulator, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    hq = await _person(emulator, ADMIN_ID, "ru")
    campaign_id = await _campaign(runner, "yurga")
    assert runner.app is not None
    # Another process imports into the campaign now.
    other = await ci.open_import(
        runner.app.sessionmaker, campaign_id=campaign_id, user_id=ADMIN_ID, file_name="b.csv",
        file_unique_id="other", now=runner.clock.now(),
    )  # fmt: skip
    assert other is not None
    ci.LIVE.discard(other)  # another process's
    data = _csv([HEADER_RU, *_people()[:5]], ",", "utf-8")

    await hq.send_text(f"/import {campaign_id}")
    await hq.wait_messages(1)
    await hq.send_document(data, filename="a.csv")
    [busy] = await hq.wait_messages(1)  # the quick check, before the task starts
    assert busy.body == "В эту кампанию уже идёт загрузка. Дождитесь результата."

    # Both passed the quick check at once: the database refuses the second record.
    monkeypatch.setattr(ci, "import_running", _never_running)
    _, busy = await _import(hq, campaign_id, data, "a.csv")
    assert busy.body == "В эту кампанию уже идёт загрузка. Дождитесь результата."
    assert await _counts(runner, campaign_id) == (0, ["running"])
    hq.mark_read()

    # The other one ends: the file goes in.
    await ci.mark_failed(runner.app.sessionmaker, other)
    _, result = await _import(hq, campaign_id, data, "a.csv")
    assert "Строк в файле: 5\nДобавлено: 5" in result.body, result.body
    assert await _counts(runner, campaign_id) == (5, ["failed", "done"])


async def _never_running(session: object, campaign_id: int) -> bool:
    return False
