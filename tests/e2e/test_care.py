"""Standing care for a senior end to end through the emulator, in Russian and Kazakh, with a
moved clock: a territory coordinator forms a team for a person (/teams, the short form), adds
a social worker and two volunteers, sets a weekly visit; the first week's visit is recorded
«all fine»; the second week's is missed: its volunteer is asked, does not answer, the
coordinator is alerted in the morning and replaces the member (the old one's card is hidden
and they lose access, the new one records the visit «needs help» and the coordinator hears
what is needed); the actions are audited; erasing the person hides every card."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.i18n import Translator
from bot.keyboards.callbacks import CareCb
from bot.sandbox import Emulator, Person
from bot.services import care, coordinators, volunteers
from models import AuditEntry, CareTeam, CareVisit, Territory
from scheduler.jobs import care as care_job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained

YURGA = ZoneInfo("Asia/Novokuznetsk")  # UTC+7
T = Translator("ru")
TERRITORY = {"ru": "Юргинский городской округ", "kk": "Юрга қалалық округі"}


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=YURGA).astimezone(UTC)


def _(locale: str, key: str, **args: object) -> str:
    return T.get(locale, key, **args)


async def _person(emulator: Emulator, user_id: int, name: str, code: str) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    if code == "kk":
        await person.press("Қазақша")
        await person.wait_messages(1)
    person.mark_read()
    return person


async def _world(runner: BotRunner, coordinator: Person, team: list[Person]) -> None:
    assert runner.app is not None
    now = runner.clock.now()
    async with runner.app.sessionmaker() as session:
        territory = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert territory is not None
        await coordinators.appoint(
            session, user_id=coordinator.id, territory_ids=[territory.id], hq=False,
            actor_id=ADMIN_ID, now=now,
        )  # fmt: skip
        for person in team:
            application = volunteers.Application(
                name=f"{person.first_name} В.", phone="+79030000000",
                territory_id=territory.id, skills=("delivery",), age_group="18-34",
                availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, person.id, application, now)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=ADMIN_ID, reason=None, now=now
            )
        await session.commit()


async def _tick(runner: BotRunner, clock: FakeClock, moment: datetime) -> care_job.Ticked:
    assert runner.app is not None
    clock.set(moment)
    done = await care_job.tick(
        moment, sessionmaker=runner.app.sessionmaker, default_locale="ru", admin_ids=[ADMIN_ID]
    )
    await drained(runner)
    return done


async def _say(person: Person, text: str, count: int = 1) -> str:
    await person.send_text(text)
    answers = await person.wait_messages(count)
    return answers[-1].body


async def _add(person: Person, code: str, role: str, name: str) -> None:
    person.mark_read()
    await person.press(_(code, "btn-care-add", role=role))
    [listing] = await person.wait_messages(1)
    assert listing.body == _(code, "care-pick-title", team=1, role=role)
    answer = await person.press(name)
    assert answer is not None and answer.text == _(code, "care-member-joined", name=name)
    await person.wait_messages(1)  # the card again, with the member


def _bodies(person: Person) -> list[str]:
    return [m.body for m in person.messages if m.from_bot]


async def _visits(runner: BotRunner) -> list[CareVisit]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        return list((await session.scalars(select(CareVisit).order_by(CareVisit.id))).all())


@pytest.mark.parametrize("code", ["ru", "kk"])
async def test_a_standing_team_with_a_missed_visit(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock, code: str
) -> None:
    clock.set(local(12, 1, 12))  # a Tuesday, noon in Yurga
    runner = await start_bot(overrides={"territories": "kuzbass"})
    anna = await _person(emulator, 7501, "Анна", code)
    saule = await _person(emulator, 7502, "Сауле", code)
    petr = await _person(emulator, 7503, "Пётр", code)
    olga = await _person(emulator, 7504, "Ольга", code)
    ivan = await _person(emulator, 7505, "Иван", code)
    await _world(runner, anna, [saule, petr, olga, ivan])

    # The team's person, through the short form.
    await anna.send_text("/teams")
    [empty] = await anna.wait_messages(1)
    assert empty.body == _(code, "care-list-empty")
    await anna.press(_(code, "btn-care-new"))
    intro, ask = await anna.wait_messages(2)
    assert intro.body == _(code, "care-form-intro")
    assert ask.body.startswith(_(code, "care-ask-territory"))
    await anna.press(TERRITORY[code])
    [ask] = await anna.wait_messages(1)
    assert ask.body.startswith(_(code, "care-ask-name"))
    assert (await _say(anna, "А")).startswith(_(code, "care-bad-name"))  # too short
    assert (await _say(anna, "Анна Петровна")).startswith(_(code, "care-ask-phone"))
    assert (await _say(anna, "12")).startswith(_(code, "care-bad-phone"))
    assert (await _say(anna, "+7 913 123-45-67")).startswith(_(code, "care-ask-address"))
    assert (await _say(anna, "ул. Ленина, 5, кв. 2")).startswith(_(code, "care-ask-notes"))
    summary = await _say(anna, "Плохо слышит, звонить дольше")
    assert "Анна Петровна" in summary and "+79131234567" in summary
    anna.mark_read()
    await anna.press(_(code, "btn-confirm"))
    made, card = await anna.wait_messages(2)
    assert made.body == _(code, "care-team-made", team=1)
    assert "ул. Ленина, 5, кв. 2" in card.body

    # A social worker and two volunteers; a third volunteer's seat does not exist.
    await _add(anna, code, "social_worker", "Сауле В.")
    await _add(anna, code, "volunteer", "Пётр В.")
    await _add(anna, code, "volunteer", "Ольга В.")
    shown = anna.last_bot_message
    assert shown is not None
    card = shown
    labels = [label for row in card.buttons for label in row]
    assert _(code, "btn-care-add", role="volunteer") not in labels
    assert _(code, "btn-care-replace", name="Ольга В.") in labels

    # Weekly on Thursdays at 10:00: the recurring help's questions, then visit or call.
    anna.mark_read()
    await anna.press(_(code, "btn-care-schedule"))
    await anna.wait_messages(2)  # the intro, then «how often»
    await anna.press(_(code, "btn-series-kind-weekly"))
    await anna.press("▫️ " + _(code, "series-day-thu"))
    await anna.press(_(code, "btn-done"))
    await anna.wait_messages(1)
    assert (await _say(anna, "10:00")).startswith(_(code, "care-ask-kind"))
    anna.mark_read()
    await anna.press(_(code, "btn-care-kind", kind="visit"))
    await anna.wait_messages(1)
    anna.mark_read()
    await anna.press(_(code, "btn-confirm"))
    scheduled, _card = await anna.wait_messages(2)
    assert scheduled.body == _(code, "care-schedule-set", team=1, next="03.12.2026 10:00")

    # The members were told; a member's card shows the person.
    await drained(runner)
    for member in (saule, petr, olga):
        assert any(
            b.startswith(_(code, "care-member-added", team=1, role="volunteer")[:10])
            for b in _bodies(member)
        )
    olga.mark_read()
    await olga.press(_(code, "btn-care-open", team=1))
    [olga_card] = await olga.wait_messages(1)
    assert "Анна Петровна" in olga_card.body and "+79131234567" in olga_card.body

    # A stranger's forged press opens no card; a coordinator of another territory sees no team.
    stranger = await _person(emulator, 7506, "Чужой", code)
    forged = await stranger.press_data(CareCb(a="my", id=1).pack())
    assert forged is not None and forged.text == _(code, "care-not-member")
    other = await _person(emulator, 7507, "Другой", code)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        elsewhere = await session.scalar(select(Territory.id).where(Territory.code != "yurga"))
        assert elsewhere is not None
        await coordinators.appoint(
            session, user_id=other.id, territory_ids=[elsewhere], hq=False,
            actor_id=ADMIN_ID, now=runner.clock.now(),
        )  # fmt: skip
        await session.commit()
    refused = await other.press_data(CareCb(a="open", id=1).pack())
    assert refused is not None and refused.text == _(code, "care-not-allowed")

    # Week 1: made two hours ahead, Пётр reminded, recorded «all fine».
    petr.mark_read()
    assert (await _tick(runner, clock, local(12, 3, 8))).created == 1
    [reminder] = await petr.wait_messages(1)
    assert reminder.body == _(
        code, "care-visit-reminder", team=1, kind="visit", when="03.12.2026 10:00"
    )
    assert "Анна Петровна" not in reminder.body  # no personal data in a lasting reminder
    await petr.press(_(code, "btn-care-record", kind="visit"))
    [question] = await petr.wait_messages(1)
    assert question.body == _(code, "care-ask-outcome", date="03.12.2026", kind="visit")
    answer = await petr.press(_(code, "btn-care-outcome", outcome="fine", kind="visit"))
    assert answer is not None and answer.text == _(
        code, "care-recorded", outcome="fine", kind="visit"
    )
    assert (await _tick(runner, clock, local(12, 3, 21))).missed == 0

    # Week 2: Ольга's turn; nothing recorded by 21:00: missed, she is asked; no answer.
    olga.mark_read()
    assert (await _tick(runner, clock, local(12, 10, 8))).created == 1
    await olga.wait_messages(1)
    assert (await _tick(runner, clock, local(12, 10, 21))).missed == 1
    [asked] = await olga.wait_messages(1)
    assert asked.body == _(
        code, "care-missed-ask", team=1, kind="visit", date="10.12.2026", minutes=60
    )
    assert [[_(code, "btn-care-still"), _(code, "btn-care-cannot")]] == asked.buttons
    anna.mark_read()
    assert (await _tick(runner, clock, local(12, 10, 22, 30))).alerted == 0  # not in the night
    assert (await _tick(runner, clock, local(12, 11, 8))).alerted == 1
    [alert] = await anna.wait_messages(1)
    assert alert.body == _(
        code, "care-coord-missed", team=1, kind="visit", date="10.12.2026", member="Ольга В."
    )
    flat = [label for row in alert.buttons for label in row]
    assert _(code, "btn-care-hand-over", name="Пётр В.") in flat
    assert _(code, "btn-care-hand-over", name="Сауле В.") in flat

    # The coordinator replaces Ольга with Иван from the alert.
    await anna.press(_(code, "btn-care-replace", name="Ольга В."))
    [choice] = await anna.wait_messages(1)
    assert choice.body == _(code, "care-replace-title", team=1, name="Ольга В.")
    olga.mark_read()
    ivan.mark_read()
    answer = await anna.press("Иван В.")
    assert answer is not None
    assert answer.text == _(code, "care-replaced", former="Ольга В.", name="Иван В.")
    await drained(runner)
    # Ольга's card is hidden, she is told, and her old button no longer opens it.
    assert all("Анна Петровна" not in b for b in _bodies(olga))
    assert _(code, "care-card-hidden", team=1) in _bodies(olga)
    assert _(code, "care-member-removed", team=1) in _bodies(olga)
    refused = await olga.press(_(code, "btn-care-open", team=1))
    assert refused is not None and refused.text == _(code, "care-not-member")
    await olga.send_text("/myteams")
    [none] = await olga.wait_messages(1)
    assert none.body == _(code, "care-my-none")

    # Иван has the missed visit: he records it «needs help» and the coordinator hears why.
    await ivan.wait_messages(1)
    ivan.mark_read()
    await ivan.send_text("/myteams")
    await ivan.wait_messages(1)
    await ivan.press(_(code, "btn-care-open", team=1))
    [ivan_card] = await ivan.wait_messages(1)
    assert "Анна Петровна" in ivan_card.body
    await ivan.press(_(code, "btn-care-record-on", date="10.12", kind="visit"))
    await ivan.wait_messages(1)
    await ivan.press(_(code, "btn-care-outcome", outcome="help", kind="visit"))
    anna.mark_read()
    recorded = await _say(ivan, "Нужны лекарства от давления")
    assert recorded == _(code, "care-recorded", outcome="help", kind="visit")
    await drained(runner)
    [help_alert] = await anna.wait_messages(1)
    assert "Нужны лекарства от давления" in help_alert.body
    missed = (await _visits(runner))[1]
    assert missed.status == "done" and missed.outcome == "help"
    ivan.mark_read()
    await ivan.press(_(code, "btn-care-open", team=1))
    [history] = await ivan.wait_messages(1)
    late_line = _(
        code, "care-visit-line", when="10.12.2026 10:00", kind="visit", status="done",
        outcome="help", late="yes",
    )  # fmt: skip
    assert late_line in history.body

    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        actions = set(
            (
                await session.scalars(
                    select(AuditEntry.action).where(AuditEntry.actor_id == anna.id)
                )
            ).all()
        )
    assert {
        "care_team_create",
        "care_member_add",
        "care_schedule",
        "care_member_replace",
    } <= actions

    # Пётр leaves the team himself: his card is hidden, the coordinator hears of it.
    petr.mark_read()
    await petr.press(_(code, "btn-care-open", team=1))
    [petr_card] = await petr.wait_messages(1)
    assert "Анна Петровна" in petr_card.body
    await petr.press(_(code, "btn-care-quit"))
    await petr.wait_messages(1)
    anna.mark_read()
    answer = await petr.press(_(code, "btn-care-yes-quit"))
    assert answer is not None and answer.text == _(code, "care-quit-done", team=1)
    await drained(runner)
    [left] = await anna.wait_messages(1)
    assert left.body == _(code, "care-coord-member-left", team=1, name="Пётр В.")
    assert all("Анна Петровна" not in b for b in _bodies(petr))

    # Erasing the person: confirmed, every member's card hidden, the team ends.
    anna.mark_read()
    await anna.send_text("/teams")
    await anna.wait_messages(1)
    await anna.press(_(code, "btn-care-team", team=1))
    await anna.wait_messages(1)
    await anna.press(_(code, "btn-care-erase"))
    [confirm] = await anna.wait_messages(1)
    assert confirm.body == _(code, "care-ask-erase", team=1)
    answer = await anna.press(_(code, "btn-care-yes-erase"))
    assert answer is not None and answer.text == _(code, "care-erased", team=1)
    await drained(runner)
    for member in (petr, ivan):
        assert all("Анна Петровна" not in b for b in _bodies(member))
    async with runner.app.sessionmaker() as session:
        team = await session.get(CareTeam, 1)
        assert team is not None and team.status == "ended" and "Анна" not in team.person_name
    assert (await _tick(runner, clock, local(12, 17, 8))).created == 0


@pytest.mark.parametrize("code", ["ru", "kk"])
async def test_teams_page_by_page(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock, code: str
) -> None:
    clock.set(local(12, 1, 12))
    runner = await start_bot(overrides={"territories": "kuzbass"})
    anna = await _person(emulator, 7501, "Анна", code)
    await _world(runner, anna, [])
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        yurga = await session.scalar(select(Territory.id).where(Territory.code == "yurga"))
        assert yurga is not None
        for number in range(1, care.TEAMS_PAGE + 2):
            await care.create_team(
                session, person_name=f"Человек {number}", person_phone=None, address="ул. 1",
                notes=None, territory_id=yurga, actor_id=anna.id, now=runner.clock.now(),
            )  # fmt: skip
        await session.commit()
    newest = care.TEAMS_PAGE + 1
    line = _(code, "care-list-line", team=newest, name=f"Человек {newest}", members=0)
    oldest = _(code, "care-list-line", team=1, name="Человек 1", members=0)
    await anna.send_text("/teams")
    [listing] = await anna.wait_messages(1)
    assert line in listing.body and oldest not in listing.body
    await anna.press("▶️")  # the same message, the next page
    page = anna.last_bot_message
    assert page is not None and page.message_id == listing.message_id
    assert oldest in page.body and line not in page.body
    assert _(code, "btn-care-new") in [label for row in page.buttons for label in row]
    await anna.press("◀️")
    back = anna.last_bot_message
    assert back is not None and line in back.body
