"""Recurring help end to end through the emulator, in Russian and Kazakh, with a moved clock:
the requester makes a request repeat weekly from its card; over three weeks the same volunteer
takes it twice from the first offer («✅») and once cannot («❌»), then it goes to everyone and
another volunteer takes it; the requester skips the next occurrence and ends the series; a
coordinator sees it in /series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.i18n import Translator
from bot.sandbox import Emulator, Person
from bot.services import help_requests, volunteers
from models import HelpRequest, RequestSeries, SeriesStatus, Territory
from scheduler.jobs import series as series_job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained

YURGA = ZoneInfo("Asia/Novokuznetsk")  # UTC+7
T = Translator("ru")
START = datetime(2026, 12, 1, 12, 0, tzinfo=YURGA).astimezone(UTC)  # a Tuesday
FIRST = datetime(2026, 12, 3, 10, 1, tzinfo=YURGA).astimezone(UTC)  # Thursday 10:01
WEEK = timedelta(days=7)


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


async def _world(
    runner: BotRunner, requester: Person, team: list[Person]
) -> tuple[int, dict[int, int]]:
    """Approved volunteers, and a coal request of ``requester`` the first of them took."""
    assert runner.app is not None
    now = runner.clock.now()
    ids: dict[int, int] = {}
    async with runner.app.sessionmaker() as session:
        territory = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert territory is not None
        for person in team:
            application = volunteers.Application(
                name=f"{person.first_name} Иванов", phone="+79030000000",
                territory_id=territory.id, skills=("coal",), age_group="18-34",
                availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, person.id, application, now)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=ADMIN_ID, reason=None, now=now
            )
            ids[person.id] = record.id
        request = await help_requests.create(
            session,
            help_requests.Draft(
                kind="coal",
                for_other=True,
                person_name="Анна Петровна",
                territory_id=territory.id,
                address="ул. Ленина, 5",
                details="2 мешка угля",
                urgency="3days",
                requester_id=requester.id,
                person_phone="+79131234567",
            ),
            now,
        )
        volunteer = await volunteers.profile_of(session, team[0].id)
        assert volunteer is not None
        assert (await help_requests.take(session, request.id, volunteer, now)) is not None
        await session.commit()
        return request.id, ids


async def _tick(runner: BotRunner, clock: FakeClock, moment: datetime) -> series_job.series.Ticked:
    assert runner.app is not None
    clock.set(moment)
    done = await series_job.tick(
        moment, sessionmaker=runner.app.sessionmaker, default_locale="ru", admin_ids=[ADMIN_ID]
    )
    await drained(runner)
    return done


async def _occurrences(runner: BotRunner) -> list[HelpRequest]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        rows = await session.scalars(
            select(HelpRequest).where(HelpRequest.series_id.is_not(None)).order_by(HelpRequest.id)
        )
        return list(rows.all())


def _bodies(person: Person) -> list[str]:
    return [m.body for m in person.messages if m.from_bot]


@pytest.mark.parametrize("code", ["ru", "kk"])
async def test_weekly_series_over_three_weeks_then_skip_and_end(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock, code: str
) -> None:
    clock.set(START)
    runner = await start_bot(overrides={"territories": "kuzbass", "offer_wave_size": 20})
    maria = await _person(emulator, 7001, "Мария", code)
    petr = await _person(emulator, 7101, "Пётр", code)
    olga = await _person(emulator, 7102, "Ольга", code)
    request_id, _ids = await _world(runner, maria, [petr, olga])
    await drained(runner)
    maria.mark_read()

    # The requester's card of the request: «🔁 Повторять», the set-up form, confirm.
    await maria.send_text(_(code, "btn-my-requests"))
    await maria.wait_messages(1)
    listing = maria.last_bot_message
    assert listing is not None
    open_label = next(label for row in listing.buttons for label in row if str(request_id) in label)
    await maria.press(open_label)
    await maria.wait_messages(1)
    maria.mark_read()
    await maria.press(_(code, "btn-series-repeat"))
    await maria.wait_messages(2)  # the intro, then «how often»
    await maria.press(_(code, "btn-series-kind-weekly"))
    await maria.press("▫️ " + _(code, "series-day-thu"))
    await maria.press(_(code, "btn-done"))
    await maria.send_text("25:00")  # a bad time gets a clear answer
    await maria.wait_messages(1)
    assert _(code, "series-bad-at") in _bodies(maria)
    await maria.send_text("10:00")
    await maria.wait_messages(1)
    await maria.press(_(code, "btn-series-open-ended"))
    summary = maria.last_bot_message
    assert summary is not None and "10:00" in summary.body
    maria.mark_read()
    await maria.press(_(code, "btn-confirm"))
    await maria.wait_messages(2)
    assert any(
        b.startswith(_(code, "series-started", id=1, next="03.12.2026 10:00"))
        for b in _bodies(maria)
    )

    # Week 1 and week 2: Пётр did the last one, is offered it first, and takes it.
    for week in range(2):
        petr.mark_read()
        olga_had = len(olga.chat.bot_messages)
        done = await _tick(runner, clock, FIRST + week * WEEK)
        assert done.created == 1
        occurrence = (await _occurrences(runner))[-1]
        await petr.wait_messages(1)
        first = petr.last_bot_message
        assert first is not None and f"№ {occurrence.id}" in first.body
        assert [[_(code, "btn-series-take"), _(code, "btn-series-decline")]] == first.buttons
        assert len(olga.chat.bot_messages) == olga_had  # the first offer is Пётр's alone
        await petr.press(_(code, "btn-series-take"))
        await drained(runner)
        assert (await _occurrences(runner))[-1].status == "taken"

    # Week 3: Пётр cannot; everyone who fits is offered it, Ольга takes it.
    petr.mark_read()
    olga.mark_read()
    await _tick(runner, clock, FIRST + 2 * WEEK)
    await petr.wait_messages(1)
    third = (await _occurrences(runner))[-1]
    answer = await petr.press(_(code, "btn-series-decline"))
    assert answer is not None and answer.text == _(code, "series-declined", id=third.id)
    await drained(runner)
    await olga.wait_messages(1)
    assert any(f"№ {third.id}" in b for b in _bodies(olga))
    await olga.press(_(code, "btn-take-task"))
    await drained(runner)
    taken = (await _occurrences(runner))[-1]
    assert taken.id == third.id and taken.status == "taken"
    assert len(await _occurrences(runner)) == 3
    occurrence_notes = [b for b in _bodies(maria) if b.startswith("🔁") and "10:00" not in b]
    assert len(occurrence_notes) >= 3

    # Skip the next one (week 4) from «Мои заявки», then end the series.
    maria.mark_read()
    await maria.send_text(_(code, "btn-my-requests"))
    await maria.wait_messages(1)
    await maria.press(_(code, "btn-series-open", id=1))
    await maria.wait_messages(1)
    card = maria.last_bot_message
    assert card is not None and _(code, "series-status", status="active") in card.body
    answer = await maria.press(_(code, "btn-series-skip"))
    assert answer is not None and answer.text == _(code, "series-skipped", date="24.12.2026")
    assert (await _tick(runner, clock, FIRST + 3 * WEEK)).created == 0
    answer = await maria.press(_(code, "btn-series-end"))
    assert answer is not None and answer.text == _(code, "series-ended", id=1)
    assert (await _tick(runner, clock, FIRST + 5 * WEEK)).created == 0
    assert len(await _occurrences(runner)) == 3
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        made = await session.get(RequestSeries, 1)
        assert made is not None and made.status == SeriesStatus.ENDED

    # A coordinator (the HQ) lists the series.
    admin = await _person(emulator, ADMIN_ID, "Штаб", code)
    await admin.send_text("/series")
    await admin.wait_messages(1)
    assert admin.last_bot_message is not None
    assert _(code, "series-list-empty") in admin.last_bot_message.body  # it has ended
