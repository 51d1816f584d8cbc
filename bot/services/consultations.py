"""«Ask a volunteer medic» (issue 18), the domain side.

A citizen's health question (text, a photo or a voice note) is offered to the approved,
unpaused volunteers with the skill «medic» of its territory; nobody takes it within
``escalate_after`` → to every medic of the HQ; nobody again → the territory's coordinators and
the HQ are told (they hold no take button: they find a medic). One medic takes it with one
conditional UPDATE (as help requests are taken); the others' offers say it is taken.

Then the bot relays: what one side sends in the consultation goes to the other through the
outbox, as a new message of the bot's own (the text, or the photo or voice note by its file
id, under a header in the recipient's language): never a forward, so neither side sees the
other's Telegram account, name or phone. Offers carry no content: a medic sees a question
only once they took it, and only the ones they took. Either side closes it; the citizen may
rate it. Relayed messages are kept ``keep`` after the close (``purge_expired``), and
``forget`` removes a person's at once.

Outbox keys: ``cns:<id>:...`` (their subject is ``cns:<id>``). No aiogram here: the caller
gives the buttons' callback data (``Links``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from html import escape
from importlib.resources import files

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import volunteers
from bot.services.outbox import (
    PURGED,
    Attachment,
    Button,
    Outgoing,
    OutgoingMessage,
    Text,
    enqueue_many,
)
from bot.services.sql import insert_ignore
from bot.services.users import locales_of
from models import (
    Consultation,
    ConsultationMessage,
    ConsultationOffer,
    ConsultationStatus,
    OutboxMessage,
    OutboxStatus,
    Priority,
    Territory,
    Volunteer,
    VolunteerStatus,
)

CONSENT_VERSION = "2026-11"
SKILL = "medic"
CITIZEN, MEDIC, ERASED = "citizen", "medic", "erased"
LIVE = (ConsultationStatus.NEW, ConsultationStatus.OPEN)
TEXT_MAX = 2000  # a relayed text (Telegram's 4096 leaves room for the header)
CAPTION_MAX = 800  # a photo's caption (Telegram's 1024, with the header)
STAGE_TERRITORY, STAGE_HQ, STAGE_COORDINATORS = 0, 1, 2
LIVE_OUTBOX = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT)
PURGE_BATCH = 200


@dataclass(frozen=True, slots=True)
class Links:
    """The callback data of the buttons the service puts under its messages."""

    take: Callable[[int], str]  # consultation id → «Взять вопрос»
    reply: Callable[[int], str]  # consultation id → «Ответить»
    star: Callable[[int, int], str]  # consultation id, 1-5 → a rating star


# --- emergency words ------------------------------------------------------------------------
def _normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("ё", "е")).strip()


@cache
def emergency_phrases() -> tuple[str, ...]:
    """The phrases of bot/data/emergency_words.txt, every language together, normalized."""
    raw = (files("bot.data") / "emergency_words.txt").read_text(encoding="utf-8")
    phrases = [
        _normalize(line)
        for line in raw.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "["))
    ]
    return tuple(dict.fromkeys(phrases))


def is_emergency(text: str | None) -> bool:
    """Whether the text names something for an ambulance (chest pain, cannot breathe...),
    in Russian or Kazakh whatever the person's language."""
    if not text:
        return False
    normalized = _normalize(text)
    return any(phrase in normalized for phrase in emergency_phrases())


# --- asking ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Draft:
    citizen_id: int
    for_other: bool
    territory_id: int
    question: str
    file_id: str | None
    file_kind: str | None
    consent_at: datetime
    form_token: str | None


@dataclass(frozen=True, slots=True)
class Submitted:
    consultation: Consultation
    new: bool  # False: this form was confirmed already, or another live one exists
    stage: int  # who has it now (STAGE_*)


async def live_of(session: AsyncSession, citizen_id: int) -> Consultation | None:
    """The citizen's consultation that is waiting for a medic or open, if any."""
    return await session.scalar(
        select(Consultation).where(
            Consultation.citizen_id == citizen_id, Consultation.status.in_(LIVE)
        )
    )


async def submit(
    session: AsyncSession,
    draft: Draft,
    now: datetime,
    *,
    escalate_after: timedelta,
    admin_ids: Collection[int],
    links: Links,
) -> Submitted:
    """Store the question and offer it (the territory's medics; none → the HQ's; none →
    the coordinators). A second confirm of the same form, or a second live question of the
    same citizen, is stopped by a unique index and returns the existing one."""
    inserted = await session.execute(
        insert_ignore(
            session,
            Consultation,
            {
                "citizen_id": draft.citizen_id,
                "for_other": draft.for_other,
                "territory_id": draft.territory_id,
                "question": draft.question[:TEXT_MAX],
                "file_id": draft.file_id,
                "file_kind": draft.file_kind,
                "urgent": is_emergency(draft.question),
                "status": ConsultationStatus.NEW,
                "stage": STAGE_TERRITORY,
                "escalate_at": now + escalate_after,
                "form_token": draft.form_token,
                "consent_at": draft.consent_at,
                "consent_version": CONSENT_VERSION,
                "created_at": now,
            },
        )
    )
    consultation = await live_of(session, draft.citizen_id)
    if consultation is None and draft.form_token is not None:  # confirmed and already closed
        consultation = await session.scalar(
            select(Consultation).where(Consultation.form_token == draft.form_token)
        )
    assert consultation is not None
    if not getattr(inserted, "rowcount", 0):
        return Submitted(consultation, new=False, stage=consultation.stage)
    stage = await _advance(
        session, consultation, now, escalate_after=escalate_after, admin_ids=admin_ids,
        links=links, first=True,
    )  # fmt: skip
    return Submitted(consultation, new=True, stage=stage)


def _today(now: datetime) -> date:
    return now.date()


async def medics(
    session: AsyncSession, now: datetime, territory_id: int | None = None
) -> list[int]:
    """User ids of approved, unpaused volunteers with the skill «medic» (of one territory,
    or of the whole HQ)."""
    conditions = [
        Volunteer.status == VolunteerStatus.APPROVED,
        or_(Volunteer.paused_until.is_(None), Volunteer.paused_until <= _today(now)),
    ]
    if territory_id is not None:
        conditions.append(Volunteer.territory_id == territory_id)
    rows = await session.execute(select(Volunteer.user_id, Volunteer.skills).where(*conditions))
    return sorted({user_id for user_id, skills in rows.all() if SKILL in (skills or ())})


async def _medic_now(session: AsyncSession, user_id: int, now: datetime) -> list[int]:
    """[user_id] when they are an approved, unpaused medic now, else []."""
    rows = await session.execute(
        select(Volunteer.skills).where(
            Volunteer.user_id == user_id,
            Volunteer.status == VolunteerStatus.APPROVED,
            or_(Volunteer.paused_until.is_(None), Volunteer.paused_until <= _today(now)),
        )
    )
    return [user_id] if any(SKILL in (skills or ()) for (skills,) in rows.all()) else []


def offer_key(consultation_id: int, user_id: int) -> str:
    return f"cns:{consultation_id}:offer:{user_id}"


async def _offer(
    session: AsyncSession,
    consultation: Consultation,
    user_ids: Collection[int],
    stage: int,
    now: datetime,
    links: Links,
) -> list[int]:
    """Offer the question to ``user_ids`` not offered it yet (never to the citizen); returns
    whom. The offer names the territory and whom it is for, never the question itself."""
    offered = set(
        (
            await session.scalars(
                select(ConsultationOffer.user_id).where(
                    ConsultationOffer.consultation_id == consultation.id
                )
            )
        ).all()
    )
    chosen = sorted(set(user_ids) - offered - {consultation.citizen_id})
    if not chosen:
        return []
    await session.execute(
        insert_ignore(session, ConsultationOffer),
        [
            {"consultation_id": consultation.id, "user_id": u, "stage": stage, "created_at": now}
            for u in chosen
        ],
    )
    territory = await session.get(Territory, consultation.territory_id)
    locales = await locales_of(session, chosen, "ru")
    button = Button(Text(key="btn-cns-take"), callback_data=links.take(consultation.id))
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=user_id,
                message=OutgoingMessage(
                    Text(
                        key="cns-offer",
                        args={
                            "id": consultation.id,
                            "who": "other" if consultation.for_other else "self",
                            "territory": escape(territory.name(locales[user_id]))
                            if territory
                            else "?",
                            "urgent": "yes" if consultation.urgent else "no",
                            "stage": stage,
                        },
                    ),
                    buttons=[[button]],
                    locale=locales[user_id],
                ),
                key=offer_key(consultation.id, user_id),
                priority=Priority.URGENT,
            )
            for user_id in chosen
        ],
        now,
    )
    return chosen


async def _advance(
    session: AsyncSession,
    consultation: Consultation,
    now: datetime,
    *,
    escalate_after: timedelta,
    admin_ids: Collection[int],
    links: Links,
    first: bool = False,
) -> int:
    """Offer the question at its next stage that reaches somebody new: the territory's
    medics (``first``), the HQ's, then the coordinators. Returns the stage it stopped at."""
    stage = STAGE_TERRITORY if first else consultation.stage + 1
    while stage <= STAGE_COORDINATORS:
        if stage == STAGE_TERRITORY:
            reached = await _offer(
                session,
                consultation,
                await medics(session, now, consultation.territory_id),
                stage,
                now,
                links,
            )
        elif stage == STAGE_HQ:
            reached = await _offer(
                session, consultation, await medics(session, now), stage, now, links
            )
        else:
            reached = await _tell_coordinators(session, consultation, now, admin_ids)
        if reached or stage == STAGE_COORDINATORS:
            break
        stage += 1
    consultation.stage = stage
    consultation.escalate_at = now + escalate_after if stage < STAGE_COORDINATORS else None
    await session.flush()
    return stage


async def _tell_coordinators(
    session: AsyncSession, consultation: Consultation, now: datetime, admin_ids: Collection[int]
) -> list[int]:
    """Nobody took it: the territory's coordinators and the HQ hear of it (no content)."""
    targets = await volunteers.coordinators_of(session, consultation.territory_id, admin_ids)
    locales = await locales_of(session, targets, "ru")
    territory = await session.get(Territory, consultation.territory_id)
    minutes = int((now - consultation.created_at).total_seconds() // 60)
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=user_id,
                message=OutgoingMessage(
                    Text(
                        key="cns-unanswered",
                        args={
                            "id": consultation.id,
                            "minutes": minutes,
                            "territory": escape(territory.name(locales[user_id]))
                            if territory
                            else "?",
                        },
                    ),
                    locale=locales[user_id],
                ),
                key=f"cns:{consultation.id}:coord:{user_id}",
                priority=Priority.URGENT,
            )
            for user_id in targets
        ],
        now,
    )
    return targets


async def escalate_due(
    session: AsyncSession,
    now: datetime,
    *,
    escalate_after: timedelta,
    admin_ids: Collection[int],
    links: Links,
    limit: int = 50,
) -> int:
    """Questions nobody took in their stage's time go one stage further, each once (a
    conditional UPDATE on the stage: a take or another runner in between stops it)."""
    due = (
        await session.execute(
            select(Consultation.id, Consultation.stage)
            .where(Consultation.status == ConsultationStatus.NEW, Consultation.escalate_at <= now)
            .order_by(Consultation.escalate_at)
            .limit(limit)
        )
    ).all()
    count = 0
    for consultation_id, stage in due:
        claimed = await session.scalar(
            update(Consultation)
            .where(
                Consultation.id == consultation_id,
                Consultation.status == ConsultationStatus.NEW,
                Consultation.stage == stage,
                Consultation.escalate_at <= now,
            )
            .values(escalate_at=None)
            .returning(Consultation.id)
        )
        if claimed is None:
            continue
        consultation = await session.get(Consultation, consultation_id, populate_existing=True)
        assert consultation is not None
        await _advance(
            session, consultation, now, escalate_after=escalate_after, admin_ids=admin_ids,
            links=links,
        )  # fmt: skip
        count += 1
    return count


# --- taking ---------------------------------------------------------------------------------
async def was_offered(session: AsyncSession, consultation_id: int, user_id: int) -> bool:
    """Only someone the question was offered to may take it (a forged button opens nothing)."""
    found = await session.scalar(
        select(ConsultationOffer.stage).where(
            ConsultationOffer.consultation_id == consultation_id,
            ConsultationOffer.user_id == user_id,
        )
    )
    return found is not None


@dataclass(frozen=True, slots=True)
class Taken:
    consultation: Consultation
    won: bool


async def take(
    session: AsyncSession, consultation_id: int, user_id: int, now: datetime, links: Links
) -> Taken | None:
    """However many medics press at once, one conditional UPDATE lets exactly one win; the
    other offers are edited to «taken», the citizen is told a medic answers (no name).
    None: no such question, or it was not offered to this person."""
    if not await was_offered(session, consultation_id, user_id):
        return None
    if user_id not in await _medic_now(session, user_id, now):
        return None  # blocked, left or paused since the offer
    won = (
        await session.scalars(
            update(Consultation)
            .where(
                Consultation.id == consultation_id,
                Consultation.status == ConsultationStatus.NEW,
            )
            .values(
                status=ConsultationStatus.OPEN, medic_id=user_id, taken_at=now, escalate_at=None
            )
            .returning(Consultation),
            execution_options={"populate_existing": True},
        )
    ).first()
    if won is None:
        consultation = await session.get(Consultation, consultation_id, populate_existing=True)
        return None if consultation is None else Taken(consultation, won=False)
    items = await _settle_offers(session, won, "cns-offer-taken", but=user_id)
    if won.citizen_id is not None:
        items.append(
            Outgoing(
                chat_id=won.citizen_id,
                message=OutgoingMessage(
                    Text(key="cns-taken", args={"id": won.id}),
                    buttons=[
                        [Button(Text(key="btn-cns-reply"), callback_data=links.reply(won.id))]
                    ],
                ),
                key=f"cns:{won.id}:taken",
                priority=Priority.URGENT,
            )
        )
    await enqueue_many(session, items, now)
    return Taken(won, won=True)


async def _settle_offers(
    session: AsyncSession, consultation: Consultation, key: str, *, but: int | None = None
) -> list[Outgoing]:
    """Edits of every live offer (but ``but``'s): «taken» or «withdrawn», without button."""
    rows = (
        await session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.chat_id).where(
                OutboxMessage.subject == f"cns:{consultation.id}",
                OutboxMessage.edit_key.is_(None),
                OutboxMessage.status.in_(LIVE_OUTBOX),
            )
        )
    ).all()
    message = OutgoingMessage(Text(key=key, args={"id": consultation.id}))
    return [
        Outgoing(
            chat_id=chat_id,
            message=message,
            key=f"{offer_key(consultation.id, chat_id)}:settled",
            edit_key=offer_key(consultation.id, chat_id),
            priority=Priority.URGENT,
        )
        for idem, chat_id in rows
        if idem == offer_key(consultation.id, chat_id) and chat_id != but
    ]


def side_of(consultation: Consultation, user_id: int) -> str | None:
    """``CITIZEN`` or ``MEDIC`` for the two people of a consultation, None for anyone else
    (a medic sees only the consultations they took)."""
    if consultation.citizen_id == user_id:
        return CITIZEN
    if consultation.medic_id is not None and consultation.medic_id == user_id:
        return MEDIC
    return None


async def get_for(
    session: AsyncSession, consultation_id: int, user_id: int
) -> tuple[Consultation, str] | None:
    """The consultation and the person's side in it, if they are one of its two people."""
    consultation = await session.get(Consultation, consultation_id, populate_existing=True)
    if consultation is None:
        return None
    side = side_of(consultation, user_id)
    return None if side is None else (consultation, side)


# --- relaying -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Relayed:
    ok: bool
    consultation: Consultation | None
    side: str | None


def relay_text(consultation: Consultation, sender: str, text: str, has_file: bool) -> Text:
    """The header the recipient reads, in their language: «Вопрос № 12» for the medic,
    «Врач-волонтёр» for the citizen (with the reminder that this is not an emergency
    service)."""
    limit = CAPTION_MAX if has_file else TEXT_MAX
    key = "cns-from-citizen" if sender == CITIZEN else "cns-from-medic"
    return Text(
        key=key,
        args={
            "id": consultation.id,
            "text": escape(text[:limit]) if text else "-",
            "urgent": "yes" if sender == CITIZEN and is_emergency(text) else "no",
        },
    )


async def relay(
    session: AsyncSession,
    consultation_id: int,
    user_id: int,
    text: str,
    now: datetime,
    links: Links,
    *,
    file_id: str | None = None,
    file_kind: str | None = None,
) -> Relayed:
    """Store one message of an open consultation and send it to the other side through the
    outbox, as the bot's own message (never a forward). ``ok`` False: not theirs, or no
    longer open (``consultation`` then says which)."""
    found = await get_for(session, consultation_id, user_id)
    if found is None:
        return Relayed(False, None, None)
    consultation, side = found
    if consultation.status != ConsultationStatus.OPEN:
        return Relayed(False, consultation, side)
    other = consultation.medic_id if side == CITIZEN else consultation.citizen_id
    row = ConsultationMessage(
        consultation_id=consultation.id,
        sender=side,
        text=text[:TEXT_MAX],
        file_id=file_id,
        file_kind=file_kind,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    if other is not None:
        await enqueue_many(
            session,
            [
                Outgoing(
                    chat_id=other,
                    message=OutgoingMessage(
                        relay_text(consultation, side, text, file_id is not None),
                        buttons=[
                            [
                                Button(
                                    Text(key="btn-cns-reply"),
                                    callback_data=links.reply(consultation.id),
                                )
                            ]
                        ],
                        attachment=Attachment(kind=file_kind, file_id=file_id)
                        if file_id and file_kind
                        else None,
                    ),
                    key=f"cns:{consultation.id}:m:{row.id}",
                    priority=Priority.URGENT,
                    personal=True,  # health words: purged once delivered
                )
            ],
            now,
        )
    return Relayed(True, consultation, side)


# --- closing, rating ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Closed:
    consultation: Consultation
    side: str
    cancelled: bool  # withdrawn before a medic took it


async def close(
    session: AsyncSession, consultation_id: int, user_id: int, now: datetime, links: Links
) -> Closed | None:
    """Either side ends it (the citizen also before anyone took it: «cancelled»); the other
    side is told, the citizen with the rating stars. None: not theirs or over already."""
    found = await get_for(session, consultation_id, user_id)
    if found is None:
        return None
    _, side = found
    closed = (
        await session.scalars(
            update(Consultation)
            .where(
                Consultation.id == consultation_id,
                Consultation.status == ConsultationStatus.OPEN,
            )
            .values(status=ConsultationStatus.CLOSED, closed_at=now, closed_by=side)
            .returning(Consultation),
            execution_options={"populate_existing": True},
        )
    ).first()
    if closed is not None:
        await _tell_closed(session, closed, side, now, links)
        return Closed(closed, side, cancelled=False)
    if side != CITIZEN:
        return None
    cancelled = (
        await session.scalars(
            update(Consultation)
            .where(
                Consultation.id == consultation_id,
                Consultation.status == ConsultationStatus.NEW,
            )
            .values(
                status=ConsultationStatus.CANCELLED,
                closed_at=now,
                closed_by=side,
                escalate_at=None,
            )
            .returning(Consultation),
            execution_options={"populate_existing": True},
        )
    ).first()
    if cancelled is None:
        return None
    await enqueue_many(
        session, await _settle_offers(session, cancelled, "cns-offer-withdrawn"), now
    )
    return Closed(cancelled, side, cancelled=True)


def stars_buttons(consultation_id: int, links: Links) -> list[list[Button]]:
    return [
        [
            Button(
                Text(key="btn-cns-star", args={"n": n}),
                callback_data=links.star(consultation_id, n),
            )
            for n in range(1, 6)
        ]
    ]


GONE_CITIZEN, GONE_MEDIC = "gone_citizen", "gone_medic"  # erased their data meanwhile


async def _tell_closed(
    session: AsyncSession,
    consultation: Consultation,
    by: str,
    now: datetime,
    links: Links | None = None,
) -> None:
    """The other side hears it is over: the citizen (with the rating stars when the medic
    ended it), or the medic."""
    if by in (MEDIC, GONE_MEDIC):
        chat_id = consultation.citizen_id
        key = "cns-closed-by-medic" if by == MEDIC else "cns-closed-medic-gone"
        buttons = stars_buttons(consultation.id, links) if by == MEDIC and links else []
    else:
        chat_id = consultation.medic_id
        key = "cns-closed-by-citizen" if by == CITIZEN else "cns-closed-citizen-gone"
        buttons = []
    if chat_id is None:
        return
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=chat_id,
                message=OutgoingMessage(
                    Text(key=key, args={"id": consultation.id}), buttons=buttons
                ),
                key=f"cns:{consultation.id}:closed",
                priority=Priority.URGENT,
            )
        ],
        now,
    )


async def rate(
    session: AsyncSession, consultation_id: int, user_id: int, stars: int, now: datetime
) -> bool:
    """The citizen's 1-5 stars for a closed consultation, once; the medic hears of them."""
    rated = await session.scalar(
        update(Consultation)
        .where(
            Consultation.id == consultation_id,
            Consultation.citizen_id == user_id,
            Consultation.status == ConsultationStatus.CLOSED,
            Consultation.rating.is_(None),
        )
        .values(rating=stars)
        .returning(Consultation.medic_id)
    )
    if rated is None:
        return False
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=rated,
                message=OutgoingMessage(
                    Text(key="cns-rated", args={"id": consultation_id, "stars": "⭐" * stars})
                ),
                key=f"cns:{consultation_id}:rated",
            )
        ],
        now,
    )
    return True


async def messages_of(session: AsyncSession, consultation_id: int) -> list[ConsultationMessage]:
    rows = await session.scalars(
        select(ConsultationMessage)
        .where(ConsultationMessage.consultation_id == consultation_id)
        .order_by(ConsultationMessage.id)
    )
    return list(rows.all())


async def open_of_medic(session: AsyncSession, user_id: int) -> list[Consultation]:
    rows = await session.scalars(
        select(Consultation)
        .where(Consultation.medic_id == user_id, Consultation.status == ConsultationStatus.OPEN)
        .order_by(Consultation.id)
    )
    return list(rows.all())


# --- retention and erasure ------------------------------------------------------------------
async def _wipe(session: AsyncSession, consultation_ids: Sequence[int], now: datetime) -> None:
    """The relayed messages go, the question is emptied; what is left is a count (status,
    territory, dates, rating). Outbox copies lose their payloads; unsent ones are dropped."""
    if not consultation_ids:
        return
    await session.execute(
        delete(ConsultationMessage)
        .where(ConsultationMessage.consultation_id.in_(consultation_ids))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Consultation)
        .where(Consultation.id.in_(consultation_ids))
        .values(question="", file_id=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    subjects = [f"cns:{i}" for i in consultation_ids]
    await session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.subject.in_(subjects),
            OutboxMessage.personal.is_(True),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.subject.in_(subjects), OutboxMessage.personal.is_(True))
        .values(payload=PURGED)
        .execution_options(synchronize_session=False)
    )


async def purge_expired(
    session: AsyncSession, now: datetime, keep: timedelta, *, limit: int = PURGE_BATCH
) -> int:
    """Consultations over for longer than ``keep``: their messages and question go (one
    batch; the caller commits and calls again while it returns ``limit``)."""
    ids = list(
        (
            await session.scalars(
                select(Consultation.id)
                .where(Consultation.closed_at < now - keep, Consultation.purged_at.is_(None))
                .order_by(Consultation.closed_at)
                .limit(limit)
            )
        ).all()
    )
    await _wipe(session, ids, now)
    return len(ids)


async def release_medic(session: AsyncSession, user_id: int, now: datetime) -> int:
    """A medic who leaves, is blocked or erases their data: their open consultations end
    and each citizen is told (they may ask again); returns how many."""
    held = await open_of_medic(session, user_id)
    for consultation in held:
        consultation.status = ConsultationStatus.CLOSED
        consultation.closed_at = now
        consultation.closed_by = ERASED
        await _tell_closed(session, consultation, GONE_MEDIC, now)
    await session.flush()
    return len(held)


async def forget(session: AsyncSession, user_id: int, now: datetime) -> None:
    """/forget: the person's questions and everything relayed in them go at once (a live one
    is closed, or withdrawn from the medics); consultations they held as a medic close, the
    citizen is told, and no longer name them."""
    as_citizen = list(
        (
            await session.scalars(select(Consultation).where(Consultation.citizen_id == user_id))
        ).all()
    )
    for consultation in as_citizen:
        if consultation.status == ConsultationStatus.OPEN:
            await _tell_closed(session, consultation, GONE_CITIZEN, now)
        elif consultation.status == ConsultationStatus.NEW:
            await enqueue_many(
                session, await _settle_offers(session, consultation, "cns-offer-withdrawn"), now
            )
        if consultation.status in LIVE:
            consultation.status = (
                ConsultationStatus.CLOSED
                if consultation.status == ConsultationStatus.OPEN
                else ConsultationStatus.CANCELLED
            )
            consultation.closed_at = now
            consultation.closed_by = ERASED
        consultation.citizen_id = None
    await session.flush()
    await _wipe(session, [c.id for c in as_citizen], now)
    await release_medic(session, user_id, now)
    await session.execute(
        update(Consultation)
        .where(Consultation.medic_id == user_id)
        .values(medic_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(ConsultationOffer)
        .where(ConsultationOffer.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
