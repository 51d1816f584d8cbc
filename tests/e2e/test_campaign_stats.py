"""Campaign statistics through the emulator (issue 17): after a mixed campaign, the HQ in
Russian presses «📊 Статистика» on the card and gets the numbers of the whole campaign, then
the chart; a coordinator of one of its territories, in Kazakh, gets their territory's numbers
and the chart; a forged button of a stranger learns nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.keyboards.callbacks import CampaignCb
from bot.sandbox import Emulator, Person
from bot.sandbox.files import image_size
from bot.services import campaigns
from bot.services.campaigns import NewCampaign
from models import CampaignAlert, CampaignContact, CampaignPerson, VolunteerMode
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot
from tests.e2e.test_campaigns import _bot, _coordinator, _person, _territory

NO: dict[str, Any] = {"vaccinated": False}
# territory, status, extra columns, contacts (outcome, answers)
PEOPLE: list[tuple[str, str, dict[str, Any], list[tuple[str, dict[str, Any]]]]] = [
    ("yurga", "done", {"vaccinated_on": date(2026, 11, 20)},
     [("reached", {"vaccinated": True, "feeling": "unwell"})]),
    ("yurga", "queued", {"planned_on": date(2026, 12, 20)},
     [("reached", {**NO, "reason": "fear", "planned_on": "2026-12-20"})]),
    ("yurga", "stopped", {"last_outcome": "refused"}, [("refused", {})]),
    ("yurga", "unreachable", {}, [("no_answer", {}), ("no_answer", {})]),
    ("yurga", "queued", {}, []),
    ("belovo", "queued", {}, [("reached", {**NO, "reason": "ill", "planned_on": None})]),
    ("belovo", "stopped", {"last_outcome": "wrong_number"}, [("wrong_number", {})]),
    ("belovo", "queued", {}, []),
]  # fmt: skip


async def _campaign(runner: BotRunner) -> int:
    yurga, belovo = await _territory(runner, "yurga"), await _territory(runner, "belovo")
    where = {"yurga": yurga, "belovo": belovo}
    assert runner.app is not None
    now = runner.clock.now()
    async with runner.app.sessionmaker() as session:
        made = await campaigns.create(
            session,
            NewCampaign(
                name="Кузбасс 60+", territory_ids=[yurga, belovo], rounds=[0, 7],
                window=(600, 1140), attempts=3, retry_minutes=120, claim_minutes=20,
                visit_after=None, volunteers=VolunteerMode.ALL, medic_ids=[ADMIN_ID],
                form_token="e2e-stats",
            ),
            actor_id=ADMIN_ID,
            now=now,
        )  # fmt: skip
        cid = made.campaign.id
        for n, (code, status, extra, contacts) in enumerate(PEOPLE):
            person = CampaignPerson(
                campaign_id=cid, territory_id=where[code], full_name=f"Петрова{n} Анна",
                phone=f"+7913111000{n}", consent_on=date(2026, 11, 1), kind="call",
                status=status, due_at=now + timedelta(days=1), created_at=now, updated_at=now,
                **extra,
            )  # fmt: skip
            session.add(person)
            await session.flush()
            for outcome, answers in contacts:
                session.add(
                    CampaignContact(
                        campaign_id=cid,
                        person_id=person.id,
                        by_user_id=ADMIN_ID,
                        kind="call",
                        round=0,
                        outcome=outcome,
                        answers=answers,
                        created_at=now,
                    )
                )
            await session.flush()
            if n == 0:
                session.add(
                    CampaignAlert(
                        campaign_id=cid, person_id=person.id, reported_by=ADMIN_ID, created_at=now
                    )
                )
        await session.commit()
    return cid


async def _stats(person: Person, label: str) -> tuple[str, tuple[int, int] | None]:
    await person.send_text("/campaigns")
    await person.wait_messages(1)
    await person.press("🟢 Кузбасс 60+")
    person.mark_read()
    await person.press(label)
    text, photo = await person.wait_messages(2, timeout=30)
    assert photo.photo is not None
    stored = person.state.files.get(photo.photo[-1]["file_id"])
    assert stored is not None and stored.data.startswith(b"\x89PNG")
    return text.body, image_size(stored.data)


async def test_statistics_in_russian_and_in_kazakh(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    belovo = await _person(emulator, 5501, "Айгүл", "kk")
    await _coordinator(runner, belovo, "belovo")
    stranger = await _person(emulator, 5502, "Олег", "ru")
    await _coordinator(runner, stranger, "tayga")
    cid = await _campaign(runner)

    text, size = await _stats(hq, "📊 Статистика")
    assert text.startswith("📊 Кузбасс 60+: статистика")
    for line in (
        "Людей: 8", "Звонили (хотя бы раз): 6", "Дозвонились: 3", "✅ Привиты: 1",
        "🗓 Собираются привиться (есть дата): 1", "⛔ Отказались: 1",
        "🤒 Плохое самочувствие: 1", "📵 Не удалось дозвониться: 1", "⏹ Обзвон прекращён: 2",
        "Почему не привиты: Заболел(а) — 1; Сомнения или страх — 1",
        "По территориям",
        "Юргинский городской округ: людей 5, дозвонились 2, привиты 1, собираются 1, "
        "отказались 1, не дозвониться 1",
    ):  # fmt: skip
        assert line in text, line
    assert "Запланированные даты: " in text
    assert "Только ваши территории" not in text
    assert size is not None and size[0] == 1080

    text, size = await _stats(belovo, "📊 Есеп")
    assert text.startswith("📊 Кузбасс 60+: науқан есебі")
    for line in (
        "👁 Тек сіздің аумақтарыңыз.", "Адамдар: 3", "Қоңырау шалынды (кемінде бір рет): 2",
        "Хабарласа алдық: 1", "✅ Екпе алды: 0", "⏹ Қоңырау тоқтатылды: 1",
        "Неліктен екпе алмады: Ауырып қалды — 1",
    ):  # fmt: skip
        assert line in text, line
    assert "Аумақтар бойынша" not in text  # one territory: no breakdown
    assert size is not None and size[0] == 1080

    # A coordinator of a territory out of the campaign's reach: a stale button, no numbers.
    stranger.mark_read()
    answer = await stranger.press_data(CampaignCb(action="stats", id=cid).pack())
    assert answer is not None and answer.show_alert
    assert answer.text is not None and answer.text.startswith("Эта кнопка устарела")
