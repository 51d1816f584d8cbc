"""Self-surveys' domain (bot/services/campaign_links.py) on SQLite and PostgreSQL: tokens, the
identity check and its lock, two users racing for one link, the bot's hold on a person (the
volunteers skip them), answers stored like a call's and counted by the statistics, the day's
lapse back to the calls, erasure unlinking the user."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import campaign_calls as cc
from bot.services import campaign_links as cl
from bot.services import campaign_stats
from bot.services.timing import QuietHours
from bot.services.users import Profile, touch_user
from models import AuditEntry, CampaignLink, CampaignPerson, OutboxMessage, User
from tests.unit.test_campaign_calls import world  # noqa: F401  (the fixture)

QUIET = QuietHours.parse("22:00-08:00")
World = tuple[async_sessionmaker[AsyncSession], FakeClock, dict[str, int]]


def test_tokens_payloads_and_links() -> None:
    token = cl.new_token()
    assert len(token) == 16 and cl.TOKEN_PATTERN.match(token)
    assert cl.token_of(f"s_{token}") == token
    assert cl.token_of(token) is None and cl.token_of("s_short") is None
    assert cl.token_of("s_" + "a" * 15 + "!") is None and cl.token_of(None) is None
    assert cl.deep_link("hq_bot", token) == f"https://t.me/hq_bot?start=s_{token}"
    assert len({cl.new_token() for _ in range(1000)}) == 1000


def test_the_check_takes_the_year_or_the_phones_last_four_digits() -> None:
    person = CampaignPerson(phone="+79131230042", birth_year=1948)
    assert cl.answer_matches(person, "1948") and cl.answer_matches(person, "0042")
    assert not cl.answer_matches(person, "1949") and not cl.answer_matches(person, "042")
    assert cl.digits("1948 г.р.") == "1948"
    no_year = CampaignPerson(phone="+79131230042", birth_year=None)
    assert cl.answer_matches(no_year, "0042") and not cl.answer_matches(no_year, "1948")


async def _links(sessions: async_sessionmaker[AsyncSession], ids: dict[str, int], now: datetime
                 ) -> list[CampaignLink]:  # fmt: skip
    async with sessions() as session:
        assert await cl.ensure_links_chunk(session, ids["campaign"], None, now) == 6
        assert await cl.ensure_links_chunk(session, ids["campaign"], None, now) == 0
        for user_id in (901, 902, 903):
            await touch_user(session, Profile(user_id, f"U{user_id}"), now, wrote_to_bot=True)
        await session.commit()
        rows = await session.scalars(select(CampaignLink).order_by(CampaignLink.person_id))
        return list(rows.all())


async def test_three_wrong_tries_lock_and_two_users_race_for_one_link(world: World) -> None:  # noqa: F811
    sessions, clock, ids = world
    now = clock.now()
    links = await _links(sessions, ids, now)
    first, second = links[0], links[1]
    async with sessions() as session:
        wrong = [await cl.check_identity(session, first.id, 901, "1111", "self", now)
                 for _ in range(3)]  # fmt: skip
        assert [(c.result, c.tries_left) for c in wrong] == [
            (cl.Check.WRONG, 2), (cl.Check.WRONG, 1), (cl.Check.LOCKED, 0)
        ]  # fmt: skip
        right = await cl.check_identity(session, first.id, 901, "1950", "self", now)
        assert right.result == cl.Check.LOCKED
        await session.commit()
        audit = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "campaign_link_locked")
            )
        ).all()
        assert [(a.actor_id, a.details["person_id"]) for a in audit] == [(901, first.person_id)]
        assert (await cl.open_link(session, first.token, 901)).state == cl.LinkState.LOCKED

    async def race(user_id: int) -> cl.Check:
        async with sessions() as session:
            checked = await cl.check_identity(session, second.id, user_id, "0001", "self", now)
            await session.commit()
            return checked.result

    results = await asyncio.gather(race(902), race(903))
    assert sorted(results) == [cl.Check.PASSED, cl.Check.TAKEN]
    winner = 902 if results[0] == cl.Check.PASSED else 903
    async with sessions() as session:
        assert (await cl.open_link(session, second.token, winner)).state == cl.LinkState.MINE
        loser = 905 - winner
        assert (await cl.open_link(session, second.token, loser)).state == cl.LinkState.USED
        # The other one's form was still open: their wrong answers neither count nor lock
        # the link the winner uses.
        for _ in range(4):
            late = await cl.check_identity(session, second.id, loser, "9999", "self", now)
            assert late.result == cl.Check.TAKEN
        await session.commit()
        stored = await session.get(CampaignLink, second.id, populate_existing=True)
        assert stored is not None and (stored.tries, stored.locked_at) == (0, None)


async def test_the_bots_hold_answers_like_a_call_lapse_and_erasure(world: World) -> None:  # noqa: F811
    sessions, clock, ids = world
    now = clock.now()
    links = await _links(sessions, ids, now)
    link = links[0]
    async with sessions() as session:
        checked = await cl.check_identity(session, link.id, 901, "0000", "mother", now)
        assert checked.result == cl.Check.PASSED
        begun = await cl.begin(session, link.person_id, 901, now, QUIET)
        assert begun.result == cl.Begin.STARTED and begun.person is not None
        assert (begun.person.status, begun.person.claimed_by) == ("survey", 901)
        again = await cl.begin(session, link.person_id, 901, now, QUIET)
        assert again.result == cl.Begin.AGAIN
        # A volunteer is handed someone else meanwhile.
        who = await cc.worker(session, 801, now)
        assert who is not None
        got = await cc.claim_next(session, who, now, QUIET)
        assert isinstance(got, cc.Claim) and got.person.id != link.person_id
        await session.commit()
        stored = await session.get(CampaignLink, link.id, populate_existing=True)
        assert stored is not None and stored.remind_at == now + cl.REMIND_AFTER

        done = await cl.record(
            session, link.person_id, 901, now, QUIET,
            answers={"vaccinated": True, "feeling": "well"}, form_token="f" * 32, round_seen=0,
        )  # fmt: skip
        assert isinstance(done, cl.Recorded) and done.plan is not None
        assert (done.contact.kind, done.contact.answers["answered_by"]) == ("self", "mother")
        assert (done.person.status, done.person.round) == ("queued", 1)
        twice = await cl.record(
            session, link.person_id, 901, now, QUIET,
            answers={"vaccinated": True, "feeling": "well"}, form_token="f" * 32, round_seen=0,
        )  # fmt: skip
        assert isinstance(twice, cl.Recorded) and not twice.fresh  # a double tap: the first
        later = await cl.begin(session, link.person_id, 901, now, QUIET)
        assert later.result == cl.Begin.LATER and later.due_on == date(2026, 12, 12)
        await session.commit()
        stats = await campaign_stats.collect(session, ids["campaign"])
        assert (stats.total.called, stats.total.reached, stats.total.vaccinated) == (1, 1, 1)

    # The bot held Olga's person, the hold lapsed and a volunteer took her meanwhile: the
    # answers are still kept (someone's health), the person stays the volunteer's.
    third = links[2]
    async with sessions() as session:
        await cl.check_identity(session, third.id, 903, "0002", "self", now)
        assert (await cl.begin(session, third.person_id, 903, now, QUIET)).result \
            == cl.Begin.STARTED  # fmt: skip
        person = await session.get(CampaignPerson, third.person_id)
        assert person is not None
        person.status, person.claimed_by = "claimed", 802  # as a volunteer's claim after a lapse
        await session.commit()
        kept = await cl.record(
            session, third.person_id, 903, now, QUIET,
            answers={"vaccinated": True, "feeling": "unwell"}, form_token="k" * 32,
            round_seen=0,
        )  # fmt: skip
        assert isinstance(kept, cl.Recorded) and kept.plan is None and kept.fresh
        assert (kept.contact.kind, kept.person.status, kept.person.claimed_by) == (
            "self", "claimed", 802
        )  # fmt: skip
        await session.rollback()

    # Another person's survey is begun and left: a day later, back on the call list.
    other = links[3]  # links[1] is the volunteer's claim
    async with sessions() as session:
        assert (await cl.check_identity(session, other.id, 902, "0003", "self", now)).result \
            == cl.Check.PASSED  # fmt: skip
        assert (await cl.begin(session, other.person_id, 902, now, QUIET)).result \
            == cl.Begin.STARTED  # fmt: skip
        await session.commit()
    clock.advance(timedelta(hours=cl.SURVEY_HOURS, minutes=1))
    async with sessions() as session:
        assert await cl.lapse_due(session, clock.now()) == 1
        await session.commit()
        person = await session.get(CampaignPerson, other.person_id)
        assert person is not None and (person.status, person.due_at) == ("queued", clock.now())
        # The lapsed moment is not offered in the bot again.
        assert await cl.offer_due(session, clock.now(), QUIET, str) == 0
        # Erasure: the user is no longer linked.
        await cl.forget_user(session, 902, clock.now())
        await session.commit()
        stored = await session.get(CampaignLink, other.id, populate_existing=True)
        assert stored is not None and (stored.user_id, stored.relation) == (None, None)


async def test_offers_skip_blocked_users_and_reminders_wait_for_the_morning(
    world: World,  # noqa: F811
) -> None:
    sessions, clock, ids = world
    now = clock.now()  # 11:00 in Yurga
    links = await _links(sessions, ids, now)
    async with sessions() as session:
        for link, user_id in ((links[0], 901), (links[1], 902)):
            assert await cl.link_user(session, link.id, user_id, "self", "check", now)
        blocked = await session.get(User, 901)
        assert blocked is not None
        blocked.blocked_bot = True
        await session.commit()
        # Both are due now; only the user who did not block the bot gets the offer.
        assert await cl.offer_due(session, now, QUIET, lambda pid: f"go:{pid}") == 1
        await session.commit()
        first = await session.get(CampaignPerson, links[0].person_id)
        second = await session.get(CampaignPerson, links[1].person_id)
        assert first is not None and second is not None
        assert (first.status, second.status, second.claimed_by) == ("queued", "survey", 902)
        keys = (await session.scalars(select(OutboxMessage.idempotency_key))).all()
        offers = [k for k in keys if k.endswith(":offer")]
        assert offers == [f"cmps:{second.id}:r0:{second.due_at:%Y%m%d%H%M}:offer"]
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == offers[0])
        )
        assert row is not None and row.personal
        # Run again: nothing new.
        assert await cl.offer_due(session, now, QUIET, str) == 0

    # The reminder falls due at 23:00 local (the job was late): it waits for 08:00.
    late = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
    async with sessions() as session:
        held = await session.get(CampaignLink, links[1].id)
        assert held is not None
        held.remind_at = late
        await session.commit()
        assert await cl.remind_due(session, late, QUIET, str) == 0
        await session.commit()
        held = await session.get(CampaignLink, links[1].id, populate_existing=True)
        assert held is not None and held.remind_at == datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
        morning = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
        assert await cl.remind_due(session, morning, QUIET, str) == 1
        assert await cl.remind_due(session, morning, QUIET, str) == 0  # once
