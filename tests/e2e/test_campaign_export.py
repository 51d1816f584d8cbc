"""Exporting a campaign for medical organisations end to end: the HQ exports XLSX (a sheet per
clinic) and CSV in Russian through the card's buttons; a territory coordinator in Kazakh sees
only their territory's people; the files are opened and checked; the audit has each export."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from bot.keyboards.callbacks import CampaignCb, CampaignExportCb
from bot.sandbox import Emulator, Person
from bot.sandbox.world import StoredMessage
from bot.services import coordinators
from models import AuditEntry, Campaign, CampaignContact, CampaignPerson, CampaignTerritory
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot
from tests.e2e.test_campaign_import import _person, _territory_ids


def _file(person: Person, message: StoredMessage) -> bytes:
    assert message.document is not None
    stored = person.state.files.get(message.document["file_id"])
    assert stored is not None
    return stored.data


async def _campaign(runner: BotRunner) -> tuple[int, dict[str, int]]:
    """A campaign of Yurga and Tayga: in Yurga two people of «Поликлиника №1» (vaccinated,
    planning) and one without a clinic; in Tayga one of «ЦРБ Тайга» (unwell)."""
    assert runner.app is not None
    ids = await _territory_ids(runner)
    now = runner.clock.now()
    async with runner.app.sessionmaker() as s:
        campaign = Campaign(
            name="Обзвон <60+>", rounds=[0, 7], window_start=600, window_end=1140, attempts=3,
            retry_minutes=120, visit_after=None, created_by=ADMIN_ID, created_at=now,
            updated_at=now,
        )  # fmt: skip
        s.add(campaign)
        await s.flush()
        for code in ("yurga", "tayga"):
            s.add(CampaignTerritory(campaign_id=campaign.id, territory_id=ids[code]))
        people: list[tuple[str, str, str | None, dict[str, Any] | None]] = [
            ("Иванова Анна", "yurga", "Поликлиника №1", {"vaccinated": True, "feeling": "well"}),
            ("Петров Пётр", "yurga", "Поликлиника №1",
             {"vaccinated": False, "reason": "time", "planned_on": "2026-12-10"}),
            ("Сидорова Мария", "yurga", None, None),
            ("Ахметов Серік", "tayga", "ЦРБ Тайга",
             {"vaccinated": True, "feeling": "unwell", "unwell_note": "температура"}),
        ]  # fmt: skip
        for i, (name, code, clinic, answers) in enumerate(people):
            person = CampaignPerson(
                campaign_id=campaign.id, territory_id=ids[code], full_name=name,
                phone=f"+7903100000{i}", birth_year=1950 + i, address=f"ул. Мира, {i}",
                consent_on=date(2026, 11, 1), clinic=clinic, created_at=now, updated_at=now,
            )  # fmt: skip
            s.add(person)
            await s.flush()
            if answers is not None:
                s.add(
                    CampaignContact(
                        campaign_id=campaign.id,
                        person_id=person.id,
                        by_user_id=5,
                        kind="call",
                        round=0,
                        outcome="reached",
                        answers=answers,
                        created_at=now - timedelta(hours=1),
                    )
                )
        await s.commit()
        return campaign.id, ids


async def _choice(person: Person, campaign_id: int, button: str) -> None:
    await person.send_text("/campaigns")
    await person.wait_messages(1)
    await person.press_data(CampaignCb(action="open", id=campaign_id).pack())
    await person.press(button)
    person.mark_read()


async def _audit(runner: BotRunner) -> list[AuditEntry]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as s:
        rows = await s.scalars(
            select(AuditEntry).where(AuditEntry.action == "campaign_export").order_by(AuditEntry.id)
        )
        return list(rows.all())


async def test_xlsx_and_csv_in_russian(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    hq = await _person(emulator, ADMIN_ID, "ru")
    campaign_id, ids = await _campaign(runner)

    await _choice(hq, campaign_id, "📤 Выгрузка")
    choice = hq.last_bot_message
    assert choice is not None and choice.body.startswith("📤 Выгрузка кампании «Обзвон <60+>»")
    await hq.press("✅ Все территории")  # already chosen: nothing changes
    await hq.press("📤 Выгрузить")
    documents = await hq.wait_messages(1, timeout=30)
    assert "Поликлиника" not in (documents[0].caption or "")
    book = load_workbook(io.BytesIO(_file(hq, documents[0])))
    assert book.sheetnames == ["Поликлиника №1", "ЦРБ Тайга", "Без поликлиники"]
    sheet = book["Поликлиника №1"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:R3"
    assert sheet["A1"].value == "ФИО" and sheet["A1"].font.bold
    assert [sheet.cell(r, 1).value for r in (2, 3)] == ["Иванова Анна", "Петров Пётр"]
    assert sheet.cell(2, 7).value == "привит(а)" and sheet.cell(2, 11).value == "да"
    assert sheet.cell(2, 12).is_date
    assert sheet.cell(3, 16).value == "Нет времени" and sheet.cell(3, 18).is_date
    assert book["ЦРБ Тайга"].cell(2, 15).value == "температура"
    assert hq.messages[-2].body == "✅ Выгрузка готова: 4 строки."  # the choice, edited

    # CSV of the vaccinated in Yurga: one file per clinic that has any.
    await _choice(hq, campaign_id, "📤 Выгрузка")
    await hq.press("CSV")
    await hq.press("Привиты")
    await hq.press("Юргинский городской округ")
    await hq.press("7 дней")
    await hq.press("📤 Выгрузить")
    [document] = await hq.wait_messages(1, timeout=30)
    data = _file(hq, document)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["ФИО", "Год рождения", "Телефон"]
    assert [r[0] for r in rows[1:]] == ["Иванова Анна"]
    assert rows[1][3] == "Юргинский городской округ"

    entries = await _audit(runner)
    assert [e.details["rows"] for e in entries] == [4, 1]
    assert entries[1].details["status"] == "vaccinated"
    assert entries[1].details["territory_id"] == ids["yurga"]
    assert entries[1].details["format"] == "csv" and entries[1].details["since"] is not None
    assert {e.actor_id for e in entries} == {ADMIN_ID}


async def test_kazakh_territory_coordinator_sees_their_people(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    coordinator = await _person(emulator, 7300, "kk")
    campaign_id, ids = await _campaign(runner)
    assert runner.app is not None
    async with runner.app.sessionmaker() as s:
        await coordinators.appoint(
            s, user_id=coordinator.id, territory_ids=[ids["tayga"]], hq=False,
            actor_id=ADMIN_ID, now=runner.clock.now(),
        )  # fmt: skip
        await s.commit()

    await _choice(coordinator, campaign_id, "📤 Экспорттау")
    choice = coordinator.last_bot_message
    assert choice is not None and "науқанын экспорттау" in choice.body
    assert "Барлық аумақ" not in str(choice.buttons)  # one territory in scope: no choice
    await coordinator.press("✅ XLSX (Excel)")
    await coordinator.press("📤 Экспорттау")
    [document] = await coordinator.wait_messages(1, timeout=30)
    book = load_workbook(io.BytesIO(_file(coordinator, document)))
    assert book.sheetnames == ["ЦРБ Тайга"]
    sheet = book["ЦРБ Тайга"]
    assert sheet["A1"].value == "Аты-жөні" and sheet["A1"].font.bold
    assert sheet.max_row == 2 and sheet["A2"].value == "Ахметов Серік"
    assert sheet["G2"].value == "екпе алды, денсаулығы нашар"
    assert sheet["D2"].value == "Тайга қалалық округі"

    await _choice(coordinator, campaign_id, "📤 Экспорттау")
    await coordinator.press("CSV")
    await coordinator.press("📤 Экспорттау")
    [document] = await coordinator.wait_messages(1, timeout=30)
    assert "ЦРБ Тайга" in (document.caption or "")
    rows = list(
        csv.reader(io.StringIO(_file(coordinator, document).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0][0] == "Аты-жөні" and [r[0] for r in rows[1:]] == ["Ахметов Серік"]
    entries = await _audit(runner)
    assert [(e.actor_id, e.details["rows"]) for e in entries] == [(7300, 1), (7300, 1)]

    # A forged button for a campaign that is not theirs (or gone) learns nothing.
    forged = CampaignExportCb(id=campaign_id + 100, go=True).pack()
    answer = await coordinator.press_data(forged)
    assert answer is not None and (answer.text or "").startswith("Науқан табылмады")
    assert len(await _audit(runner)) == 2
