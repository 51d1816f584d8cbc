"""«Unwell» after a vaccination: an urgent push to the campaign's medics on duty (urgent
messages ignore quiet hours), the first medic's «✅ Принял» takes it, the others' pushes say
who did, and the volunteer who called and the territory's coordinators hear of it. Nobody in
``ESCALATE_AFTER`` → pushed again to the medics and to the HQ, once (``escalated_at``).

Every push goes through the outbox with its own idempotency key (``cmpa:<id>:...``). The
pushes hold the person's phone: personal (purged once delivered), and edited down to the
first name when someone takes the alert. No aiogram here: the caller gives the «Принял»
button's callback data.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import campaigns, users, volunteers
from bot.services.campaign_calls import first_name
from bot.services.outbox import Button, Outgoing, OutgoingMessage, Text, enqueue_many
from models import (
    AlertStatus,
    CampaignAlert,
    CampaignContact,
    CampaignPerson,
    Coordinator,
    OutboxMessage,
    OutboxStatus,
    Priority,
    Territory,
    User,
    Volunteer,
    WorkKind,
)

ESCALATE_AFTER = timedelta(minutes=15)
AckData = Callable[[int], str]  # alert id → the «Принял» button's callback data


def _phone(e164: str | None) -> str:
    """Tap-to-call: E.164 in plain text, which Telegram detects as a phone number (a
    <a href="tel:..."> link is dropped by Telegram)."""
    return html.escape(e164) if e164 else "-"


async def _name_of(session: AsyncSession, user_id: int) -> str:
    name = await session.scalar(select(Volunteer.name).where(Volunteer.user_id == user_id))
    if name is None:
        user = await session.get(User, user_id)
        name = " ".join(p for p in (user.first_name, user.last_name) if p) if user else "?"
    return html.escape(name or "?")


async def _alert_text(session: AsyncSession, alert: CampaignAlert, key: str, chat_id: int) -> Text:
    """The alert in the recipient's language (the territory's name is theirs)."""
    person = await session.get(CampaignPerson, alert.person_id)
    assert person is not None
    territory = await session.get(Territory, person.territory_id)
    locale = await users.locale_of(session, chat_id, "ru")
    return Text(
        key=key,
        args={
            "id": alert.id,
            "name": html.escape(person.full_name),
            "phone": _phone(person.phone),
            "territory": html.escape(territory.name(locale)) if territory else "?",
            "note": html.escape(alert.note or "-"),
            "caller": await _name_of(session, alert.reported_by),
            "source": await _source(session, alert),
        },
    )


async def _source(session: AsyncSession, alert: CampaignAlert) -> str:
    """ "self" when the person (or a relative) answered in the bot, else "call"."""
    if alert.contact_id is None:
        return "call"
    kind = await session.scalar(
        select(CampaignContact.kind).where(CampaignContact.id == alert.contact_id)
    )
    return "self" if kind == WorkKind.SELF else "call"


async def _hq(session: AsyncSession, admin_ids: Collection[int]) -> list[int]:
    rows = await session.scalars(select(Coordinator.user_id).where(Coordinator.is_hq.is_(True)))
    return sorted(set(admin_ids) | set(rows.all()))


async def _push(
    session: AsyncSession,
    alert: CampaignAlert,
    recipients: Collection[int],
    tag: str,
    text_key: str,
    ack_data: AckData,
    now: datetime,
) -> int:
    button = Button(Text(key="btn-alert-ack"), callback_data=ack_data(alert.id))
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=user_id,
                message=OutgoingMessage(
                    await _alert_text(session, alert, text_key, user_id), buttons=[[button]]
                ),
                key=f"cmpa:{alert.id}:{tag}:{user_id}",
                priority=Priority.URGENT,
                personal=True,
            )
            for user_id in recipients
        ],
        now,
    )
    return len(recipients)


async def raise_alert(
    session: AsyncSession,
    *,
    person_id: int,
    contact_id: int,
    reported_by: int,
    note: str | None,
    now: datetime,
    ack_data: AckData,
    admin_ids: Collection[int],
) -> CampaignAlert:
    """Open the alert of a contact (once: ``contact_id`` is unique) and push it to the
    medics at once; a campaign without medics pushes it to the HQ straight away."""
    existing = await session.scalar(
        select(CampaignAlert).where(CampaignAlert.contact_id == contact_id)
    )
    if existing is not None:
        return existing
    person = await session.get(CampaignPerson, person_id)
    assert person is not None
    alert = CampaignAlert(
        campaign_id=person.campaign_id,
        person_id=person_id,
        contact_id=contact_id,
        reported_by=reported_by,
        note=note,
        status=AlertStatus.OPEN,
        created_at=now,
    )
    session.add(alert)
    await session.flush()
    medics = await campaigns.medics_of(session, person.campaign_id)
    if medics:
        await _push(session, alert, medics, "push", "alert-unwell", ack_data, now)
    else:
        alert.escalated_at = now
        await _push(
            session, alert, await _hq(session, admin_ids), "hq", "alert-unwell", ack_data, now
        )
    return alert


async def escalate_due(
    session: AsyncSession, now: datetime, *, ack_data: AckData, admin_ids: Collection[int]
) -> int:
    """Open alerts nobody took within ``ESCALATE_AFTER``: pushed again to the medics and to
    the HQ, once each. The caller commits."""
    alerts = (
        await session.scalars(
            select(CampaignAlert)
            .where(
                CampaignAlert.status == AlertStatus.OPEN,
                CampaignAlert.created_at <= now - ESCALATE_AFTER,
                CampaignAlert.escalated_at.is_(None),
            )
            .order_by(CampaignAlert.created_at)
            .limit(100)
        )
    ).all()
    count = 0
    for alert in alerts:
        won = await session.scalar(
            update(CampaignAlert)
            .where(
                CampaignAlert.id == alert.id,
                CampaignAlert.status == AlertStatus.OPEN,  # a medic may have just taken it
                CampaignAlert.escalated_at.is_(None),
            )
            .values(escalated_at=now)
            .returning(CampaignAlert.id)
            .execution_options(synchronize_session=False)
        )
        if won is None:
            continue
        medics = await campaigns.medics_of(session, alert.campaign_id)
        hq = [u for u in await _hq(session, admin_ids) if u not in medics]
        await _push(session, alert, medics, "again", "alert-unwell-again", ack_data, now)
        await _push(session, alert, hq, "hq", "alert-unwell-again", ack_data, now)
        count += 1
    return count


@dataclass(frozen=True, slots=True)
class Taken:
    alert: CampaignAlert
    won: bool  # this press took it; False: someone else had (``alert.acknowledged_by``)


async def was_told(session: AsyncSession, alert_id: int, user_id: int) -> bool:
    """Whether the alert was pushed to this person (only they may take it)."""
    found = await session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.subject == f"cmpa:{alert_id}", OutboxMessage.chat_id == user_id)
        .limit(1)
    )
    return found is not None


async def acknowledge(
    session: AsyncSession,
    alert_id: int,
    user_id: int,
    now: datetime,
    *,
    admin_ids: Collection[int],
) -> Taken | None:
    """A medic's «✅ Принял»: the first press takes the alert (a conditional UPDATE); the
    other pushes are edited to say who, and the volunteer who called and the territory's
    coordinators are told. None: no such alert."""
    won = await session.scalar(
        update(CampaignAlert)
        .where(CampaignAlert.id == alert_id, CampaignAlert.status == AlertStatus.OPEN)
        .values(status=AlertStatus.ACKNOWLEDGED, acknowledged_by=user_id, acknowledged_at=now)
        .returning(CampaignAlert.id)
        .execution_options(synchronize_session=False)
    )
    alert = await session.get(CampaignAlert, alert_id, populate_existing=True)
    if alert is None:
        return None
    if won is None:
        return Taken(alert, won=False)
    person = await session.get(CampaignPerson, alert.person_id)
    assert person is not None
    medic = await _name_of(session, user_id)
    short: dict[str, str | int] = {
        "id": alert.id,
        "name": html.escape(first_name(person.full_name)),
        "medic": medic,
    }
    pushes = (
        await session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.chat_id).where(
                OutboxMessage.subject == f"cmpa:{alert.id}",
                OutboxMessage.edit_key.is_(None),
                OutboxMessage.status.in_(
                    (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT)
                ),
            )
        )
    ).all()
    mine = await _alert_text(session, alert, "alert-taken-by-you", user_id)
    items = [
        Outgoing(
            chat_id=chat_id,
            message=(
                OutgoingMessage(mine)
                if chat_id == user_id
                else OutgoingMessage(Text(key="alert-taken-by", args=short), hide=True)
            ),
            key=f"{key}:taken",
            edit_key=key,
            priority=Priority.URGENT,
            personal=chat_id == user_id,
        )
        for key, chat_id in pushes
        if ":push:" in key or ":again:" in key or ":hq:" in key
    ]
    told = {alert.reported_by, *await volunteers.coordinators_of(
        session, person.territory_id, admin_ids
    )}  # fmt: skip
    told.discard(user_id)
    items += [
        Outgoing(
            chat_id=chat_id,
            message=OutgoingMessage(Text(key="alert-taken-note", args=short)),
            key=f"cmpa:{alert.id}:note:{chat_id}",
            priority=Priority.URGENT,
        )
        for chat_id in sorted(told)
    ]
    await enqueue_many(session, items, now)
    return Taken(alert, won=True)
