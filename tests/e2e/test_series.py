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
from bot.services.series import Ticked
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


async def _tick(runner: BotRunner, clock: FakeClock, moment: datetime) -> Ticked:
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


@pytest.mark.parametrize("code", ["ru", "kk"])
async def test_a_coordinator_repeats_every_n_days_and_pauses_it(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock, code: str
) -> None:
    """/repeat N for a coordinator (bad input answered), every 3 days until a date; a pause by
    the coordinator is audited and told to the requester; a stranger's forged press refused."""
    from bot.keyboards.callbacks import SeriesCb
    from models import AuditEntry

    clock.set(START)
    runner = await start_bot(overrides={"territories": "kuzbass"})
    maria = await _person(emulator, 7301, "Мария", code)
    petr = await _person(emulator, 7302, "Пётр", code)
    stranger = await _person(emulator, 7303, "Чужой", code)
    admin = await _person(emulator, ADMIN_ID, "Штаб", code)
    request_id, _ids = await _world(runner, maria, [petr])
    await drained(runner)

    await admin.send_text("/repeat")
    [usage] = await admin.wait_messages(1)
    assert usage.body == _(code, "series-repeat-usage")
    await admin.send_text(f"/repeat {request_id}")
    await admin.wait_messages(2)
    await admin.press(_(code, "btn-series-kind-every"))
    await admin.send_text("0")
    await admin.wait_messages(1)
    assert admin.last_bot_message is not None
    assert _(code, "series-bad-every") in admin.last_bot_message.body
    await admin.send_text("3")
    await admin.wait_messages(1)
    await admin.send_text("09:30")
    await admin.wait_messages(1)
    await admin.press(_(code, "btn-series-until-date"))
    await admin.wait_messages(1)
    await admin.send_text("01.01.2020")
    await admin.wait_messages(1)
    assert admin.last_bot_message is not None
    assert admin.last_bot_message.body == _(code, "series-bad-until")
    await admin.send_text("31.01.2027")
    summary = (await admin.wait_messages(1))[0]
    assert "09:30" in summary.body and "31.01.2027" in summary.body
    admin.mark_read()
    await admin.press(_(code, "btn-confirm"))
    await admin.wait_messages(2)
    card = admin.last_bot_message
    assert card is not None and "02.12.2026 09:30" in card.body  # tomorrow, local time

    maria.mark_read()
    answer = await admin.press(_(code, "btn-series-pause"))
    assert answer is not None and answer.text == _(code, "series-paused", id=1)
    await drained(runner)
    [told] = await maria.wait_messages(1)
    assert told.body == _(code, "series-changed", id=1, action="pause")
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        actions = list(
            (
                await session.scalars(
                    select(AuditEntry.action).where(AuditEntry.actor_id == ADMIN_ID)
                )
            ).all()
        )
    assert "series_start" in actions and "series_pause" in actions
    assert (await _tick(runner, clock, START + timedelta(days=1))).created == 0  # paused

    forged = await stranger.press_data(SeriesCb(action="end", id=1).pack())
    assert forged is not None and forged.text == _(code, "series-not-allowed")
    async with runner.app.sessionmaker() as session:
        made = await session.get(RequestSeries, 1)
        assert made is not None and made.status == SeriesStatus.PAUSED
