"""«Ask a volunteer medic» (issue 18), the domain: emergency words in both languages, the
offer's stages (territory → HQ → coordinators) without content, exactly one take, the relay
only between the two people (through the outbox, never naming either), closing and rating,
retention and erasure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keyboards.consultations import LINKS
from bot.services import consultations, volunteers
from bot.services.outbox import OutgoingMessage
from models import (
    Consultation,
    ConsultationMessage,
    OutboxMessage,
    Territory,
    User,
    Volunteer,
)
from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade_if_needed

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AFTER = timedelta(minutes=15)
ADMIN = 9001
CITIZEN, MEDIC_A, MEDIC_B, FAR_MEDIC, DRIVER = 500, 601, 602, 603, 604


@pytest.mark.parametrize(
    "text",
    [
        "У мамы сильная боль в груди с утра",
        "Папа НЕ МОЖЕТ ДЫШАТЬ",
        "бабушка задыхается",
        "дед без  сознания",
        "похоже на инсульт",
        "Анамның кеуде ауырады",
        "атам дем ала алмайды",
        "Ёжик, боль в груди",
    ],
)
def test_emergency_words(text: str) -> None:
    assert consultations.is_emergency(text)


@pytest.mark.parametrize(
    "text",
    [
        "Какое давление нормально в 80 лет?",
        "Қан қысымы қанша болуы керек?",
        "Дәрігерге баруға тырысамын",  # «I try»: no emergency
        "",
        None,
    ],
)
def test_not_emergency(text: str | None) -> None:
    assert not consultations.is_emergency(text)


@pytest.fixture
async def maker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """SQLite, and PostgreSQL when TEST_DATABASE_URL is set."""
    engine = create_engine(database_url)
    await upgrade_if_needed(engine)
    sessionmaker = create_sessionmaker(engine)
    yield sessionmaker
    await engine.dispose()


async def _world(session: AsyncSession) -> tuple[int, int]:
    """Two territories; medics A and B in the first, one in the second, a driver (no medic
    skill) in the first. Returns the territory ids."""
    near = Territory(code="near", name_ru="Ближний", name_kk="Жақын", kind="city",
                     timezone="Asia/Almaty", lat=43.0, lon=76.0, radius_km=10,
                     created_at=NOW, updated_at=NOW)  # fmt: skip
    far = Territory(code="far", name_ru="Дальний", name_kk="Алыс", kind="city",
                    timezone="Asia/Almaty", lat=50.0, lon=70.0, radius_km=10,
                    created_at=NOW, updated_at=NOW)  # fmt: skip
    session.add_all([near, far])
    for user_id in (CITIZEN, MEDIC_A, MEDIC_B, FAR_MEDIC, DRIVER, ADMIN):
        session.add(User(id=user_id, first_name=f"U{user_id}", language_code="ru",
                         created_at=NOW, updated_at=NOW))  # fmt: skip
    await session.flush()
    for user_id, territory, skills in (
        (MEDIC_A, near, ("medic",)),
        (MEDIC_B, near, ("medic", "delivery")),
        (FAR_MEDIC, far, ("medic",)),
        (DRIVER, near, ("driving",)),
    ):
        application = volunteers.Application(
            name=f"Медик{user_id} Иванов", phone="+79030000000", territory_id=territory.id,
            skills=skills, age_group="18-34", availability=("weekends",), dobro_id=None,
        )  # fmt: skip
        record = await volunteers.submit(session, user_id, application, NOW)
        await volunteers.decide(
            session, record.id, approve=True, actor_id=ADMIN, reason=None, now=NOW
        )
    await session.flush()
    return near.id, far.id


def _draft(territory_id: int, text: str = "Какое давление нормально?", token: str = "t1"):  # type: ignore[no-untyped-def]
    return consultations.Draft(
        citizen_id=CITIZEN, for_other=True, territory_id=territory_id, question=text,
        file_id=None, file_kind=None, consent_at=NOW, form_token=token,
    )  # fmt: skip


async def _submit(session: AsyncSession, territory_id: int, **kwargs: object) -> Consultation:
    submitted = await consultations.submit(
        session, _draft(territory_id, **kwargs), NOW, escalate_after=AFTER,  # type: ignore[arg-type]
        admin_ids=[ADMIN], links=LINKS,
    )  # fmt: skip
    return submitted.consultation


async def _outbox(session: AsyncSession, chat_id: int | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if chat_id is not None:
        query = query.where(OutboxMessage.chat_id == chat_id)
    return list((await session.scalars(query)).all())


def _payload_text(row: OutboxMessage) -> str:
    message = OutgoingMessage.from_payload(row.payload)
    return f"{message.text.key} {dict(message.text.args)}"


async def test_offers_escalate_and_carry_no_content(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session:
        near, _far = await _world(session)
        consultation = await _submit(session, near, text="У мамы болит голова, тайное слово")
        await session.commit()
        offers = [r for r in await _outbox(session) if ":offer:" in r.idempotency_key]
        assert sorted(r.chat_id for r in offers) == [MEDIC_A, MEDIC_B]
        assert all("тайное" not in _payload_text(r) for r in offers)
        assert consultation.stage == consultations.STAGE_TERRITORY
        # A second confirm of the same form makes nothing new.
        again = await consultations.submit(
            session, _draft(near), NOW, escalate_after=AFTER, admin_ids=[ADMIN], links=LINKS
        )
        assert not again.new and again.consultation.id == consultation.id

        # Not yet due: nothing; due: every medic of the HQ (only the far one is new).
        assert await consultations.escalate_due(
            session, NOW + AFTER - timedelta(seconds=1), escalate_after=AFTER,
            admin_ids=[ADMIN], links=LINKS,
        ) == 0  # fmt: skip
        assert (
            await consultations.escalate_due(
                session, NOW + AFTER, escalate_after=AFTER, admin_ids=[ADMIN], links=LINKS
            )
            == 1
        )
        await session.commit()
        offers = [r for r in await _outbox(session) if ":offer:" in r.idempotency_key]
        assert sorted(r.chat_id for r in offers) == [MEDIC_A, MEDIC_B, FAR_MEDIC]
        # Then the coordinators (the HQ here), told without the question.
        assert (
            await consultations.escalate_due(
                session, NOW + 2 * AFTER, escalate_after=AFTER, admin_ids=[ADMIN], links=LINKS
            )
            == 1
        )
        await session.commit()
        [note] = await _outbox(session, ADMIN)
        assert "cns-unanswered" in _payload_text(note) and "тайное" not in _payload_text(note)
        row = await session.get(Consultation, consultation.id, populate_existing=True)
        assert row is not None and row.stage == 2 and row.escalate_at is None
        assert (
            await consultations.escalate_due(
                session, NOW + 5 * AFTER, escalate_after=AFTER, admin_ids=[ADMIN], links=LINKS
            )
            == 0
        )


async def test_nobody_near_goes_to_the_hq_at_once(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session:
        await _world(session)
        await session.commit()
    async with maker() as session:
        # A territory without medics of its own: straight to every medic of the HQ.
        bare = Territory(code="bare", name_ru="Пустой", name_kk="Бос", kind="city",
                         timezone="Asia/Almaty", lat=1.0, lon=1.0, radius_km=1,
                         created_at=NOW, updated_at=NOW)  # fmt: skip
        session.add(bare)
        await session.flush()
        consultation = await _submit(session, bare.id)
        assert consultation.stage == consultations.STAGE_HQ
        await session.commit()
        offers = {r.chat_id for r in await _outbox(session) if ":offer:" in r.idempotency_key}
        assert offers == {MEDIC_A, MEDIC_B, FAR_MEDIC}


async def test_one_take_wins_and_the_relay_stays_between_the_two(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session:
        near, _far = await _world(session)
        consultation = await _submit(session, near)
        await session.commit()
    cid = consultation.id

    async def press(user_id: int) -> consultations.Taken | None:
        async with maker() as session:
            taken = await consultations.take(session, cid, user_id, NOW, LINKS)
            await session.commit()
            return taken

    results = await asyncio.gather(press(MEDIC_A), press(MEDIC_B))
    winners = [r for r in results if r is not None and r.won]
    assert len(winners) == 1
    winner = winners[0].consultation.medic_id
    loser = MEDIC_B if winner == MEDIC_A else MEDIC_A
    async with maker() as session:
        # Someone never offered it (the driver) cannot take it, nor read it.
        assert await consultations.take(session, cid, DRIVER, NOW, LINKS) is None
        assert await consultations.get_for(session, cid, DRIVER) is None
        assert await consultations.get_for(session, cid, loser) is None
        edits = [r for r in await _outbox(session, loser) if r.edit_key]
        assert [_payload_text(r).split()[0] for r in edits] == ["cns-offer-taken"]

        relayed = await consultations.relay(session, cid, CITIZEN, "Болит колено", NOW, LINKS)
        assert relayed.ok and relayed.side == consultations.CITIZEN
        assert (await consultations.relay(session, cid, loser, "я тоже", NOW, LINKS)).ok is False
        assert winner is not None
        back = await consultations.relay(
            session, cid, winner, "Приложите холод", NOW, LINKS, file_id="F1", file_kind="photo"
        )
        assert back.ok
        await session.commit()
        to_medic = [r for r in await _outbox(session, winner) if ":m:" in r.idempotency_key]
        to_citizen = [r for r in await _outbox(session, CITIZEN) if ":m:" in r.idempotency_key]
        assert len(to_medic) == 1 and "Болит колено" in _payload_text(to_medic[0])
        assert "cns-from-citizen" in _payload_text(to_medic[0])
        assert len(to_citizen) == 1 and "cns-from-medic" in _payload_text(to_citizen[0])
        assert to_citizen[0].payload["attachment"]["file_id"] == "F1"
        assert all(r.personal for r in to_medic + to_citizen)
        for row in await _outbox(session):  # nobody's name, id or phone in any message
            text = _payload_text(row)
            for secret in ("Медик", "U500", "U601", "U602", "+7903"):
                assert secret not in text, text

        closed = await consultations.close(session, cid, CITIZEN, NOW, LINKS)
        assert closed is not None and closed.side == consultations.CITIZEN
        assert await consultations.close(session, cid, winner, NOW, LINKS) is None
        assert not (await consultations.relay(session, cid, winner, "ещё", NOW, LINKS)).ok
        assert await consultations.rate(session, cid, CITIZEN, 5, NOW)
        assert not await consultations.rate(session, cid, CITIZEN, 1, NOW)
        assert not await consultations.rate(session, cid, winner, 1, NOW)
        await session.commit()
        told = [_payload_text(r) for r in await _outbox(session, winner)]
        assert any(t.startswith("cns-closed-by-citizen") for t in told)
        assert any(t.startswith("cns-rated") and "⭐⭐⭐⭐⭐" in t for t in told)


async def test_retention_and_erasure(maker: async_sessionmaker[AsyncSession]) -> None:
    keep = timedelta(days=30)
    async with maker() as session:
        near, _far = await _world(session)
        first = await _submit(session, near, text="Первый вопрос о давлении")
        await consultations.take(session, first.id, MEDIC_A, NOW, LINKS)
        await consultations.relay(session, first.id, CITIZEN, "подробности", NOW, LINKS)
        await consultations.close(session, first.id, MEDIC_A, NOW, LINKS)
        await session.commit()
        assert (
            await consultations.purge_expired(session, NOW + keep - timedelta(hours=1), keep) == 0
        )
        assert (
            await consultations.purge_expired(session, NOW + keep + timedelta(hours=1), keep) == 1
        )
        await session.commit()
        row = await session.get(Consultation, first.id, populate_existing=True)
        assert row is not None and row.question == "" and row.purged_at is not None
        assert row.status == "closed"  # the count stays
        assert not await consultations.messages_of(session, first.id)

        second = await _submit(session, near, text="Второй вопрос о сахаре", token="t2")
        await consultations.take(session, second.id, MEDIC_B, NOW, LINKS)
        await consultations.relay(session, second.id, MEDIC_B, "ответ медика", NOW, LINKS)
        await consultations.relay(session, second.id, CITIZEN, "ещё вопрос", NOW, LINKS)
        # The medic's answer was delivered already; the citizen's words are still queued.
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == CITIZEN, OutboxMessage.idempotency_key.contains(":m:"))
            .values(status="sent", sent_at=NOW)
        )
        await session.commit()
        await consultations.forget(session, CITIZEN, NOW)
        await session.commit()
        row = await session.get(Consultation, second.id, populate_existing=True)
        assert row is not None
        assert (row.status, row.closed_by, row.citizen_id, row.question) == (
            "closed", "erased", None, "",
        )  # fmt: skip
        count = await session.scalar(select(func.count(ConsultationMessage.id)))
        assert count == 0
        told = [_payload_text(r) for r in await _outbox(session, MEDIC_B)]
        assert any(t.startswith("cns-closed-citizen-gone") for t in told)
        # The delivered copy keeps no words; the queued one is never sent.
        relayed = [r for r in await _outbox(session) if ":m:" in r.idempotency_key]
        assert [(r.chat_id, r.payload) for r in relayed] == [(CITIZEN, {"purged": True})]


async def test_a_medic_who_leaves_ends_what_they_hold_and_cannot_take(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session:
        near, _far = await _world(session)
        held = await _submit(session, near)
        taken = await consultations.take(session, held.id, MEDIC_A, NOW, LINKS)
        assert taken is not None and taken.won
        await session.commit()
        assert await consultations.release_medic(session, MEDIC_A, NOW) == 1
        await session.commit()
        row = await session.get(Consultation, held.id, populate_existing=True)
        assert row is not None and (row.status, row.closed_by) == ("closed", "erased")
        told = [_payload_text(r) for r in await _outbox(session, CITIZEN)]
        assert any(t.startswith("cns-closed-medic-gone") for t in told)
        # MEDIC_B is offered the next one, then blocked: the offer's button takes nothing.
        again = await _submit(session, near, text="Новый вопрос о сне", token="t3")
        assert await consultations.was_offered(session, again.id, MEDIC_B)
        record = await session.scalar(select(Volunteer).where(Volunteer.user_id == MEDIC_B))
        assert record is not None
        await volunteers.set_blocked(session, record, True, "тест", ADMIN, NOW)
        assert await consultations.take(session, again.id, MEDIC_B, NOW, LINKS) is None


async def test_the_citizen_withdraws_a_waiting_question(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session:
        near, _far = await _world(session)
        waiting = await _submit(session, near)
        await session.commit()
        # Nobody but the citizen may withdraw it; then every offer says so, nobody takes it.
        assert await consultations.close(session, waiting.id, MEDIC_A, NOW, LINKS) is None
        closed = await consultations.close(session, waiting.id, CITIZEN, NOW, LINKS)
        assert closed is not None and closed.cancelled
        await session.commit()
        for medic in (MEDIC_A, MEDIC_B):
            edits = [_payload_text(r) for r in await _outbox(session, medic) if r.edit_key]
            assert [e.split()[0] for e in edits] == ["cns-offer-withdrawn"]
        taken = await consultations.take(session, waiting.id, MEDIC_A, NOW, LINKS)
        assert taken is not None and not taken.won
        assert (
            await consultations.escalate_due(
                session, NOW + 3 * AFTER, escalate_after=AFTER, admin_ids=[ADMIN], links=LINKS
            )
            == 0
        )
        # A new question may be asked now.
        again = await _submit(session, near, token="t9")
        assert again.id != waiting.id and again.status == "new"
