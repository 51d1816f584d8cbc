"""Help requests, domain side: offered to fitting volunteers, exactly one takes it, every step
reaches the requester, a volunteer who cannot is never offered it again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import details, erasure, help_requests, volunteers
from bot.services.territories import load_from_file
from bot.services.users import Profile, touch_user
from models import HelpRequest, OutboxMessage, Territory, Volunteer, migrate
from models.db import create_engine, create_sessionmaker

REQUESTER = 900
TAKE = "tk:1"


@pytest.fixture
async def world(
    database_url: str,
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], dict[str, int]]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock()
    ids: dict[str, int] = {}
    async with sessions() as session:
        await load_from_file(session, "kuzbass", clock.now())
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        ids["yurga"] = yurga.id
        await touch_user(session, Profile(REQUESTER, "Мария"), clock.now(), wrote_to_bot=True)
        for user_id, skills in [
            (901, ("delivery",)),
            (902, ("delivery", "coal")),
            (903, ("delivery",)),
            (904, ("coal",)),
            (905, ("delivery",)),
        ]:
            await touch_user(
                session, Profile(user_id, f"Волонтёр{user_id}"), clock.now(), wrote_to_bot=True
            )
            application = volunteers.Application(
                name=f"Вол{user_id} Иванов", phone="+79031234567", territory_id=yurga.id,
                skills=skills, age_group="18-34", availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            volunteer = await volunteers.submit(session, user_id, application, clock.now())
            await volunteers.decide(
                session, volunteer.id, approve=True, actor_id=1, reason=None, now=clock.now()
            )
            ids[str(user_id)] = volunteer.id
        paused = await session.get(Volunteer, ids["905"])
        assert paused is not None
        paused.paused_until = date(2027, 1, 1)
        await session.commit()
    yield sessions, ids
    await engine.dispose()


def _draft(territory_id: int, kind: str = "groceries") -> help_requests.Draft:
    return help_requests.Draft(
        kind=kind, for_other=True, person_name="Анна Петровна", territory_id=territory_id,
        address="ул. Ленина, 5", details="Хлеб, молоко", urgency="today", requester_id=REQUESTER,
        person_phone="+79039998877",
    )  # fmt: skip


async def _keys(sessions: async_sessionmaker[AsyncSession]) -> dict[str, OutboxMessage]:
    async with sessions() as session:
        return {r.idempotency_key: r for r in (await session.scalars(select(OutboxMessage))).all()}


async def test_offered_to_fitting_unpaused_volunteers_without_personal_data(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int]],
) -> None:
    sessions, ids = world
    clock = FakeClock()
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        notified = await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        await session.commit()
    assert sorted(notified) == [901, 902, 903]  # delivery skill; 904 has none, 905 is paused
    rows = await _keys(sessions)
    push = rows[f"req:{request.id}:r0:push:901"]
    text = str(push.payload)
    assert "Анна" not in text and "Ленина" not in text and "+7903" not in text
    assert push.payload["buttons"][0][0]["callback_data"] == TAKE

    async with sessions() as session:  # offering again in the same round adds nobody
        again = await session.get(HelpRequest, request.id)
        assert again is not None
        assert (
            await help_requests.offer(
                session, again, clock.now(), take_data=TAKE, default_locale="ru"
            )
            == []
        )


async def test_exactly_one_of_many_takes_it(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int]],
) -> None:
    sessions, ids = world
    clock = FakeClock()
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        await session.commit()

    async def press(user_id: int) -> bool:
        async with sessions() as session:
            volunteer = await session.get(Volunteer, ids[str(user_id)])
            assert volunteer is not None
            result = await help_requests.take(session, request.id, volunteer, clock.now())
            await session.commit()
            assert result is not None
            return result.won

    wins = await asyncio.gather(*(press(u) for u in (901, 902, 903)))
    assert sum(wins) == 1
    winner = (901, 902, 903)[wins.index(True)]
    rows = await _keys(sessions)
    edits = [k for k in rows if ":taken:" in k]
    assert sorted(edits) == sorted(
        f"req:{request.id}:r0:taken:{u}" for u in (901, 902, 903) if u != winner
    )
    assert (
        rows[f"req:{request.id}:request-taken:0"].payload["text"]["args"]["name"] == f"Вол{winner}"
    )


async def test_steps_reach_the_requester_and_hours_the_volunteer(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int]],
) -> None:
    sessions, ids = world
    clock = FakeClock()
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"], "coal"), clock.now())
        await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        taker = await session.get(Volunteer, ids["904"])
        other = await session.get(Volunteer, ids["902"])
        assert taker is not None and other is not None
        assert (await help_requests.take(session, request.id, taker, clock.now())).won  # type: ignore[union-attr]
        assert not await help_requests.on_my_way(session, request, other, clock.now())
        assert await help_requests.on_my_way(session, request, taker, clock.now())
        assert await help_requests.complete(
            session, request, taker, hours=1.5, report="Уголь доставлен", now=clock.now()
        )
        assert not await help_requests.cancel(session, request, REQUESTER, clock.now())  # done
        await session.commit()
        await session.refresh(taker)
        assert (taker.hours, taker.tasks_done) == (1.5, 1)
    keys = set(await _keys(sessions))
    for step in ("request-taken", "request-on-way", "request-done"):
        assert f"req:{request.id}:{step}:0" in keys


async def test_who_cannot_is_never_offered_it_again(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int]],
) -> None:
    sessions, ids = world
    clock = FakeClock()
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        first = await session.get(Volunteer, ids["901"])
        assert first is not None
        await help_requests.take(session, request.id, first, clock.now())
        assert await help_requests.cannot(
            session,
            request,
            first,
            reason="Заболел",
            now=clock.now(),
            take_data=TAKE,
            default_locale="ru",
            admin_ids=[1],
        )
        await session.commit()
        assert request.status == "new" and request.push_round == 1
        assert await help_requests.declines_of(session, request.id) == [(ids["901"], "Заболел")]
    keys = set(await _keys(sessions))
    assert f"req:{request.id}:r1:push:902" in keys and f"req:{request.id}:r1:push:903" in keys
    assert f"req:{request.id}:r1:push:901" not in keys
    assert f"req:{request.id}:request-searching-again:1" in keys


async def test_cancel_tells_the_volunteer(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int]],
) -> None:
    sessions, ids = world
    clock = FakeClock()
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        volunteer = await session.get(Volunteer, ids["903"])
        assert volunteer is not None
        await help_requests.take(session, request.id, volunteer, clock.now())
        assert not await help_requests.cancel(session, request, 12345, clock.now())  # not theirs
        assert await help_requests.cancel(session, request, REQUESTER, clock.now())
        await session.commit()
        mine = await help_requests.requests_of(session, REQUESTER)
    assert [r.status for r in mine] == ["cancelled"]
    assert f"req:{request.id}:closed:task" in await _keys(sessions)


async def test_when_nobody_else_fits_the_coordinators_hear_of_it(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int]],
) -> None:
    sessions, ids = world
    clock = FakeClock()
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"], "coal"), clock.now())
        offered = await help_requests.offer_or_escalate(
            session, request, clock.now(), take_data=TAKE, default_locale="ru", admin_ids=[1]
        )
        assert sorted(offered) == [902, 904]
        for user_id in ("902", "904"):  # both coal volunteers decline in turn
            volunteer = await session.get(Volunteer, ids[user_id])
            assert volunteer is not None
            assert (await help_requests.take(session, request.id, volunteer, clock.now())).won  # type: ignore[union-attr]
            assert await help_requests.cannot(
                session, request, volunteer, reason="Нет машины", now=clock.now(),
                take_data=TAKE, default_locale="ru", admin_ids=[1],
            )  # fmt: skip
        await session.commit()
    keys = set(await _keys(sessions))
    assert f"req:{request.id}:r1:push:904" in keys  # the second, after the first declined
    assert f"req:{request.id}:r2:unmatched:1" in keys  # then nobody: the HQ is told


async def test_rating_thanks_the_volunteer_once_and_erasure_closes_first(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int]],
) -> None:
    sessions, ids = world
    clock = FakeClock()
    async with sessions() as session:
        done = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        await help_requests.offer(session, done, clock.now(), take_data=TAKE, default_locale="ru")
        taker = await session.get(Volunteer, ids["901"])
        assert taker is not None
        await help_requests.take(session, done.id, taker, clock.now())
        await help_requests.complete(session, done, taker, hours=1, report="ok", now=clock.now())
        assert not await help_requests.add_comment(session, done.id, REQUESTER, "x", clock.now())
        assert await help_requests.rate(session, done.id, REQUESTER, 4, clock.now())
        assert not await help_requests.rate(session, done.id, REQUESTER, 5, clock.now())
        assert await help_requests.add_comment(session, done.id, REQUESTER, "Спасибо", clock.now())
        assert not await help_requests.add_comment(session, done.id, REQUESTER, "ещё", clock.now())

        open_one = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        await help_requests.offer(
            session, open_one, clock.now(), take_data=TAKE, default_locale="ru"
        )
        await erasure.erase_request_now(session, open_one.id, clock.now())
        await session.commit()
        assert open_one.status == "cancelled" and open_one.person_name == "—"
        assert open_one.person_phone is None and open_one.self_isolation is None
    keys = await _keys(sessions)
    assert keys[f"req:{done.id}:thanks"].payload["text"]["args"]["stars"] == "★★★★☆"
    assert f"req:{done.id}:thanks-comment" in keys
    assert f"req:{open_one.id}:r0:closed:901" in keys  # the offers were withdrawn


async def test_taken_edits_are_never_due_before_their_pushes(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int]],
) -> None:
    """With a clock that went back (or another process's clock behind), an edit due before
    its push would block the chat's queue and be skipped while the push still shows "Take"."""
    sessions, ids = world
    clock = FakeClock()
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        taker = await session.get(Volunteer, ids["901"])
        assert taker is not None
        earlier = clock.now() - timedelta(minutes=5)
        await help_requests.take(session, request.id, taker, earlier)
        await session.commit()
    rows = await _keys(sessions)
    for user_id in (902, 903):
        push = rows[f"req:{request.id}:r0:push:{user_id}"]
        edit = rows[f"req:{request.id}:r0:taken:{user_id}"]
        assert (edit.priority, edit.not_before) >= (push.priority, push.not_before)


async def test_details_shown_to_a_volunteer_are_hidden_once_when_the_task_leaves_them(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int]],
) -> None:
    sessions, ids = world
    clock = FakeClock()
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        first = await session.get(Volunteer, ids["901"])
        assert first is not None
        await help_requests.take(session, request.id, first, clock.now())
        details_key = await details.begin(session, request.id, first.id, 901, clock.now())
        assert details_key is not None
        await details.shown(session, details_key, 77)
        await help_requests.cannot(
            session, request, first, reason="x", now=clock.now(), take_data=TAKE,
            default_locale="ru", admin_ids=[1],
        )  # fmt: skip
        await erasure.erase_request_now(session, request.id, clock.now())  # hides again
        await session.commit()
    hidden = [key for key in await _keys(sessions) if key.startswith(details_key)]
    assert sorted(hidden) == [details_key, f"{details_key}:hidden"]
    rows = await _keys(sessions)
    assert rows[f"{details_key}:hidden"].edit_key == details_key
    assert rows[f"{details_key}:hidden"].payload["hide"] is True
    assert rows[details_key].payload == {"purged": True}
    assert rows[details_key].telegram_message_id == 77


async def test_no_details_record_for_a_task_that_is_no_longer_theirs(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int]],
) -> None:
    """A close that lands between the take and the details: nothing may be recorded (and so
    nothing sent), or the card would never be hidden."""
    sessions, ids = world
    clock = FakeClock()
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        first = await session.get(Volunteer, ids["901"])
        other = await session.get(Volunteer, ids["902"])
        assert first is not None and other is not None
        await help_requests.take(session, request.id, first, clock.now())
        assert await details.begin(session, request.id, other.id, 902, clock.now()) is None
        assert await help_requests.cancel(session, request, REQUESTER, clock.now())
        assert await details.begin(session, request.id, first.id, 901, clock.now()) is None
        await session.commit()
    assert not [key for key in await _keys(sessions) if ":details:" in key]


async def test_offer_pushes_only_a_searching_request_and_never_twice(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int]],
) -> None:
    """offer_waiting and a hook (or two replicas) may offer the same pair at once; a request
    taken meanwhile gets no fresh push with a live button."""
    sessions, ids = world
    clock = FakeClock()
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        first = await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        # The same round again, as a concurrent offer that read "not offered yet" would.
        again = await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        volunteer = await session.get(Volunteer, ids["901"])
        assert volunteer is not None
        await help_requests.take(session, request.id, volunteer, clock.now())
        late = await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        waiting = await help_requests.offer_waiting(
            session, clock.now(), take_data=lambda _: TAKE, default_locale="ru"
        )
        await session.commit()
    assert sorted(first) == [901, 902, 903] and again == [] and late == [] and waiting == 0
