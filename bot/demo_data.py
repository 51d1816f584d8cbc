"""Demo data: a deployment to look around in, made through the project's own services.

``python -m bot demo-data`` and the sandbox's first start run it: territories, an HQ
coordinator and a territorial one, ten volunteers with different skills and languages, a few
citizens, open requests in different states, a vaccination follow-up campaign with people to
call, an upcoming event (International Volunteer Day) and the safety tips with two citizens
subscribed.
Idempotent: people have fixed ids, requests and the campaign fixed form tokens, so a second
run finds everything there and adds nothing.

Features add their own demo data by appending a seeder to ``SEEDERS``, e.g. in their module::

    from bot import demo_data

    async def seed_tips(ctx: demo_data.DemoContext) -> None:
        ...  # use ctx.session, ctx.now, ctx.territory(...), ctx.coordinator_id; be idempotent

    demo_data.SEEDERS.append(seed_tips)

or by listing it in ``EXTRA_SEEDERS`` below (a dotted "module:function" path, imported on
use, so a feature that is not there yet costs nothing). Each seeder runs in the same
transaction, after the ones before it.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.data.action_days import BY_CODE
from bot.keyboards import events as event_keyboards
from bot.keyboards.campaigns import join_data
from bot.keyboards.requests import take_data
from bot.services import (
    campaign_import,
    campaigns,
    coordinators,
    events,
    help_requests,
    safety,
    territories,
    users,
    volunteers,
)
from models import (
    Coordinator,
    RequestStatus,
    Territory,
    User,
    Volunteer,
    VolunteerStatus,
)
from models.campaign import VolunteerMode

log = logging.getLogger(__name__)

DEFAULT_TERRITORIES = "kuzbass"
BIG_CITIES = ("kemerovo", "novokuznetsk", "astana", "almaty", "shymkent")


@dataclass(frozen=True, slots=True)
class DemoPerson:
    id: int
    first_name: str
    last_name: str
    language: str  # ru | kk
    role: str  # coordinator | volunteer | citizen
    phone: str
    skills: tuple[str, ...] = ()
    age_group: str = "18-34"
    availability: tuple[str, ...] = ("weekdays",)
    place: int = 0  # index into the demo territories (0: the biggest city)


COORDINATOR = DemoPerson(1100, "Ольга", "Миронова", "ru", "coordinator", "+79001110000")
VOLUNTEERS = (
    DemoPerson(2001, "Иван", "Петров", "ru", "volunteer", "+79001112001",
               ("delivery", "driving"), "18-34", ("weekdays", "evenings")),
    DemoPerson(2002, "Айгерім", "Сейітова", "kk", "volunteer", "+77011112002",
               ("delivery", "medic"), "18-34", ("weekends",)),
    DemoPerson(2003, "Мария", "Кузнецова", "ru", "volunteer", "+79001112003",
               ("calls",), "55plus", ("weekdays",)),
    DemoPerson(2004, "Ерлан", "Жумабаев", "kk", "volunteer", "+77011112004",
               ("driving", "coal"), "35-54", ("weekends", "evenings")),
    DemoPerson(2005, "Светлана", "Орлова", "ru", "volunteer", "+79001112005",
               ("medic", "calls"), "35-54", ("weekdays",)),
    DemoPerson(2006, "Дмитрий", "Волков", "ru", "volunteer", "+79001112006",
               ("coal", "household"), "18-34", ("weekends",), place=1),
    DemoPerson(2007, "Дана", "Ахметова", "kk", "volunteer", "+77011112007",
               ("utilities", "legal"), "18-34", ("evenings",)),
    DemoPerson(2008, "Николай", "Смирнов", "ru", "volunteer", "+79001112008",
               ("safety", "household"), "55plus", ("weekdays", "weekends"), place=1),
    DemoPerson(2009, "Асель", "Нұрланова", "kk", "volunteer", "+77011112009",
               ("delivery", "calls"), "under18", ("weekends",), place=1),
    DemoPerson(2010, "Алексей", "Морозов", "ru", "volunteer", "+79001112010",
               ("legal", "utilities"), "35-54", ("evenings",)),
)  # fmt: skip
CITIZENS = (
    DemoPerson(3001, "Галина", "Сергеевна", "ru", "citizen", "+79001113001"),
    DemoPerson(3002, "Сәуле", "Омарова", "kk", "citizen", "+77011113002"),
    DemoPerson(3003, "Пётр", "Иванович", "ru", "citizen", "+79001113003", place=1),
)
PEOPLE = (COORDINATOR, *VOLUNTEERS, *CITIZENS)


@dataclass(frozen=True, slots=True)
class DemoRequest:
    token: str
    requester: int
    kind: str
    person_name: str
    address: str
    details: str
    urgency: str
    status: str  # the state it is left in
    volunteer: int | None = None  # who takes it (for taken, on_way, done)
    place: int = 0


REQUESTS = (
    DemoRequest("demo-request-1", 3001, "groceries", "Галина Сергеевна", "ул. Весенняя, 12, кв. 4",
                "Хлеб, молоко, крупа и чай; оплачу наличными.", "today", RequestStatus.NEW),
    DemoRequest("demo-request-2", 3002, "medicine", "Бибігүл Омарова", "пр. Ленина, 45, кв. 17",
                "Дәріханадан рецепт бойынша дәрі алу керек.", "today", RequestStatus.TAKEN, 2002),
    DemoRequest("demo-request-3", 3003, "coal", "Пётр Иванович", "ул. Шахтёрская, 3 (частный дом)",
                "Занести уголь в сарай, около тонны.", "3days", RequestStatus.ON_WAY, 2006,
                place=1),
    DemoRequest("demo-request-4", 3001, "ride", "Галина Сергеевна", "ул. Весенняя, 12, кв. 4",
                "Отвезти в поликлинику на прививку и обратно.", "planned", RequestStatus.DONE,
                2004),
)  # fmt: skip
CAMPAIGN_TOKEN = "demo-campaign-1"
CAMPAIGN_NAME = "Повторный обзвон 60+ (демо)"


@dataclass
class DemoContext:
    session: AsyncSession
    now: datetime
    admin_ids: list[int]
    default_locale: str
    places: list[Territory] = field(default_factory=list)  # demo territories, biggest first
    coordinator_id: int = COORDINATOR.id
    report: list[str] = field(default_factory=list)

    def territory(self, index: int = 0) -> Territory:
        return self.places[min(index, len(self.places) - 1)]

    def note(self, line: str) -> None:
        self.report.append(line)


Seeder = Callable[[DemoContext], Awaitable[None]]


# --- seeders ----------------------------------------------------------------------------------
async def seed_territories(ctx: DemoContext, name: str | None = None) -> None:
    """The deployment's territories (kept as they are when any are loaded)."""
    found = list((await ctx.session.scalars(select(Territory).order_by(Territory.id))).all())
    if not found:
        report = await territories.load_from_file(ctx.session, name or DEFAULT_TERRITORIES, ctx.now)
        ctx.note(f"territories: {report.summary()}")
        found = list((await ctx.session.scalars(select(Territory).order_by(Territory.id))).all())
    # Cities and districts under the top, the big cities first: two become the demo's places.
    local = [t for t in found if t.parent_id is not None] or found
    local.sort(key=lambda t: BIG_CITIES.index(t.code) if t.code in BIG_CITIES else len(BIG_CITIES))
    ctx.places = local[:2] if len(local) >= 2 else local * 2


async def _person(ctx: DemoContext, person: DemoPerson) -> User:
    user, _ = await users.touch_user(
        ctx.session,
        users.Profile(person.id, person.first_name, person.last_name, None, person.language),
        ctx.now,
        wrote_to_bot=True,
    )
    if user.locale is None:
        await users.set_locale(ctx.session, user, person.language, ctx.now)
    return user


async def seed_people(ctx: DemoContext) -> None:
    """The coordinator (of the first place), the citizens and the admins as users."""
    for person in PEOPLE:
        await _person(ctx, person)
    if await ctx.session.get(Coordinator, COORDINATOR.id) is None:
        await coordinators.appoint(
            ctx.session,
            user_id=COORDINATOR.id,
            territory_ids=[ctx.territory(0).id],
            hq=False,
            actor_id=ctx.admin_ids[0] if ctx.admin_ids else COORDINATOR.id,
            now=ctx.now,
        )
        ctx.note(f"coordinator {COORDINATOR.id} of {ctx.territory(0).name_ru}")


async def seed_volunteers(ctx: DemoContext) -> None:
    """Ten approved volunteers: different skills, ages, times and languages."""
    actor = ctx.admin_ids[0] if ctx.admin_ids else COORDINATOR.id
    added = 0
    for person in VOLUNTEERS:
        if await volunteers.live_record(ctx.session, person.id) is not None:
            continue
        record = await volunteers.submit(
            ctx.session,
            person.id,
            volunteers.Application(
                name=f"{person.first_name} {person.last_name}",
                phone=person.phone,
                territory_id=ctx.territory(person.place).id,
                skills=person.skills,
                age_group=person.age_group,
                availability=person.availability,
                dobro_id=None,
            ),
            ctx.now,
        )
        await ctx.session.flush()
        await volunteers.decide(
            ctx.session, record.id, approve=True, actor_id=actor, reason=None, now=ctx.now
        )
        added += 1
    if added:
        ctx.note(f"volunteers: {added} approved")


async def _volunteer(ctx: DemoContext, user_id: int) -> Volunteer | None:
    """The demo volunteer, approved (None: someone changed them in the sandbox meanwhile)."""
    return await ctx.session.scalar(
        select(Volunteer).where(
            Volunteer.user_id == user_id, Volunteer.status == VolunteerStatus.APPROVED
        )
    )


async def seed_requests(ctx: DemoContext) -> None:
    """Open requests in different states, pushed to the volunteers who fit (as the form does)."""
    added = 0
    for demo in REQUESTS:
        if await help_requests.by_form_token(ctx.session, demo.token) is not None:
            continue
        territory = ctx.territory(demo.place)
        created = ctx.now - timedelta(hours=2)
        later = (ctx.now + timedelta(days=2)).date()
        request = await help_requests.create(
            ctx.session,
            help_requests.Draft(
                kind=demo.kind,
                for_other=demo.person_name.split()[0] != _first_name(demo.requester),
                person_name=demo.person_name,
                territory_id=territory.id,
                address=demo.address,
                details=demo.details,
                urgency=demo.urgency,
                requester_id=demo.requester,
                person_phone=_phone(demo.requester),
                lat=territory.lat,
                lon=territory.lon,
                planned_on=later if demo.urgency == "planned" else None,
                form_token=demo.token,
            ),
            created,
        )
        if demo.volunteer is None:  # pushed to the volunteers who fit, as the form does
            await help_requests.offer_or_escalate(
                ctx.session,
                request,
                created,
                take_data=take_data(request.id),
                default_locale=ctx.default_locale,
                admin_ids=ctx.admin_ids,
            )
        elif (volunteer := await _volunteer(ctx, demo.volunteer)) is not None:
            # Taken at once: no push is left behind to be edited into «taken».
            await help_requests.take(ctx.session, request.id, volunteer, created)
            await ctx.session.refresh(request)
            if demo.status in (RequestStatus.ON_WAY, RequestStatus.DONE):
                await help_requests.on_my_way(ctx.session, request, volunteer, ctx.now)
                await ctx.session.refresh(request)
            if demo.status == RequestStatus.DONE:
                await help_requests.complete(
                    ctx.session,
                    request,
                    volunteer,
                    hours=1.5,
                    report="Отвёз и привёз обратно, всё хорошо.",
                    now=ctx.now,
                )
        added += 1
    if added:
        ctx.note(f"requests: {added} ({', '.join(r.status for r in REQUESTS)})")


async def seed_campaign(ctx: DemoContext) -> None:
    """A vaccination follow-up campaign of the first place (calls at 0, 7 and 21 days)."""
    created = await campaigns.create(
        ctx.session,
        campaigns.NewCampaign(
            name=CAMPAIGN_NAME,
            territory_ids=[ctx.territory(0).id],
            rounds=[0, 7, 21],
            window=(10 * 60, 19 * 60),
            attempts=3,
            retry_minutes=120,
            claim_minutes=30,
            visit_after=None,
            volunteers=VolunteerMode.ALL,
            medic_ids=[2005],
            form_token=CAMPAIGN_TOKEN,
        ),
        actor_id=ctx.admin_ids[0] if ctx.admin_ids else COORDINATOR.id,
        now=ctx.now,
        join_data=join_data,
    )
    if created.created:
        ctx.note(f"campaign: {CAMPAIGN_NAME}")


EVENT_TOKEN = "demo-event-1"


async def seed_event(ctx: DemoContext) -> None:
    """An upcoming event: the next International Volunteer Day (5 December) at 10:00 local
    time in the first place, every volunteer invited (the «Записаться» button)."""
    day = BY_CODE["volunteer_day"]
    territory = ctx.territory(0)
    zone = await events.zone_of_territory(ctx.session, territory.id)
    local_today = ctx.now.astimezone(zone).date()
    starts = datetime.combine(events.suggested_date(day, local_today), time(10), tzinfo=zone)
    created = await events.create(
        ctx.session,
        events.NewEvent(
            template=day.code,
            title=None,
            starts_at=starts.astimezone(ctx.now.tzinfo),
            duration_hours=3.0,
            place="Дворец молодёжи, пр. Ленина, 1",
            territory_id=territory.id,
            slots=15,
            kinds=(),
            form_token=EVENT_TOKEN,
        ),
        actor_id=COORDINATOR.id,
        now=ctx.now,
        data=event_keyboards.button_data,
        default_locale=ctx.default_locale,
    )
    if created.created:
        ctx.note(f"event: {day.title_ru}, {starts:%d.%m.%Y %H:%M}, {len(created.invited)} invited")


async def seed_safety_tips(ctx: DemoContext) -> None:
    """The safety library's tips (the data files, as every start loads them) and two citizens
    subscribed: weekly on Saturdays at 10:00 their time, and the seasonal alerts."""
    report = await safety.load_tips(ctx.session, ctx.now)
    if report.added:
        ctx.note(report.summary())
    zone = ctx.territory(0).timezone
    subscribed = 0
    for person in CITIZENS[:2]:
        if await safety.subscription(ctx.session, person.id) is not None:
            continue  # theirs already, as they left it
        await safety.subscribe_weekly(ctx.session, person.id, 5, 10 * 60, ctx.now, zone)
        await safety.subscribe_seasonal(ctx.session, person.id, ctx.now, zone)
        subscribed += 1
    if subscribed:
        ctx.note(f"safety tips: {subscribed} citizens subscribed")


# People of 60+ who agreed to be vaccinated: the campaign's list, imported as a coordinator's
# file is (the importer's own checks and merging: a second run finds them all there).
CAMPAIGN_PEOPLE = (
    ("Кузьмина Антонина Павловна", "+7 913 400-10-01", 1948, "ул. Весенняя, 3, кв. 7"),
    ("Ахметов Серик Жанович", "+7 913 400-10-02", 1951, "пр. Ленина, 90, кв. 12"),
    ("Белова Нина Ивановна", "+7 913 400-10-03", 1944, "ул. Красная, 15, кв. 2"),
    ("Захаров Виктор Семёнович", "+7 913 400-10-04", 1955, "ул. Мичурина, 40, кв. 31"),
    ("Омарова Гүлнар Асқарқызы", "+7 913 400-10-05", 1950, "ул. Дзержинского, 8, кв. 5"),
)


async def seed_campaign_people(
    sessionmaker: async_sessionmaker[AsyncSession], ctx: DemoContext
) -> None:
    """The campaign's people through the importer (its own transactions, after the rest)."""
    roles = users.Roles(is_coordinator=True, is_hq=True)
    async with sessionmaker() as session:
        campaign = await campaigns.by_token(session, CAMPAIGN_TOKEN)
        if campaign is None:
            return
        place = await session.get(Territory, ctx.territory(0).id)
        assert place is not None
        context = await campaign_import.load_context(session, campaign.id, roles, ctx.now)
    consent = (ctx.now - timedelta(days=3)).strftime("%d.%m.%Y")
    lines = ["ФИО;Телефон;Год рождения;Территория;Адрес;Дата согласия"]
    lines += [f"{n};{p};{y};{place.name_ru};{a};{consent}" for n, p, y, a in CAMPAIGN_PEOPLE]
    parsed = campaign_import.parse("\n".join(lines).encode("utf-8"), context)
    if not parsed.new:
        return
    actor = ctx.admin_ids[0] if ctx.admin_ids else COORDINATOR.id
    import_id = await campaign_import.open_import(
        sessionmaker,
        campaign_id=campaign.id,
        user_id=actor,
        file_name="demo.csv",
        file_unique_id="demo-campaign-people",
        now=ctx.now,
    )
    if import_id is None:  # another import into it is running
        return
    try:
        result = await campaign_import.write(
            sessionmaker,
            parsed,
            campaign_id=campaign.id,
            import_id=import_id,
            user_id=actor,
            roles=roles,
            now=ctx.now,
        )
    finally:
        campaign_import.LIVE.discard(import_id)
    ctx.note(f"campaign people: {result.accepted} to call")


def _first_name(user_id: int) -> str:
    return next((p.first_name for p in PEOPLE if p.id == user_id), "")


def _phone(user_id: int) -> str | None:
    return next((p.phone for p in PEOPLE if p.id == user_id), None)


# Safety tips, events and whatever comes next append here (see the module's docstring).
SEEDERS: list[Seeder] = [
    seed_people,
    seed_volunteers,
    seed_requests,
    seed_campaign,
    seed_event,
    seed_safety_tips,
]
# "module:function" seeders imported on use; a missing module is skipped with a log line.
EXTRA_SEEDERS: list[str] = []


def _extra_seeders() -> list[Seeder]:
    found: list[Seeder] = []
    for path in EXTRA_SEEDERS:
        module_name, _, name = path.partition(":")
        try:
            found.append(getattr(importlib.import_module(module_name), name))
        except (ImportError, AttributeError) as exc:
            log.info("demo data: %s skipped (%s)", path, exc)
    return found


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    admin_ids: Collection[int],
    default_locale: str = "ru",
    territories_file: str | None = None,
) -> list[str]:
    """Make the demo data (what is there already stays as it is); returns what was added."""
    async with sessionmaker() as session:
        ctx = DemoContext(
            session=session, now=now, admin_ids=list(admin_ids), default_locale=default_locale
        )
        await seed_territories(ctx, territories_file)
        for admin_id in ctx.admin_ids:
            await _person(ctx, DemoPerson(admin_id, "Штаб", "", "ru", "coordinator", ""))
        for seeder in [*SEEDERS, *_extra_seeders()]:
            await seeder(ctx)
        await session.commit()
    await seed_campaign_people(sessionmaker, ctx)
    return ctx.report


# --- what the sandbox shows about people ------------------------------------------------------
async def roles_of(session: AsyncSession, admin_ids: Collection[int]) -> dict[int, str]:
    """user id -> "coordinator" / "coordinator (HQ)" / "volunteer: skills" / "citizen"."""
    found: dict[int, str] = {}
    for user_id in (await session.scalars(select(User.id))).all():
        found[user_id] = "citizen"
    rows = await session.execute(
        select(Volunteer.user_id, Volunteer.skills, Volunteer.status).where(
            Volunteer.status.in_((VolunteerStatus.APPROVED, VolunteerStatus.PENDING))
        )
    )
    for user_id, skills, status in rows.all():
        label = "volunteer" if status == VolunteerStatus.APPROVED else "volunteer (pending)"
        found[user_id] = f"{label}: {', '.join(skills)}" if skills else label
    for user_id, is_hq in (
        await session.execute(select(Coordinator.user_id, Coordinator.is_hq))
    ).all():
        found[user_id] = "coordinator (HQ)" if is_hq else "coordinator"
    for user_id in admin_ids:
        found[user_id] = "coordinator (HQ)"
    return found


async def people_to_show(session: AsyncSession) -> list[User]:
    """Everyone the bot knows, for the sandbox to put on its page."""
    return list((await session.scalars(select(User).order_by(User.id))).all())
