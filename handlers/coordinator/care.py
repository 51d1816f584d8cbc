"""Standing care for a senior, the coordinator's side (issue 19): /teams lists the teams of
their territories; a short form makes a team for a person; the team's card adds a social
worker and two volunteers, sets the schedule of visits or calls (the recurring help's form
steps), replaces a member who leaves, ends the team or erases the person's data; a missed
visit's alert hands it to another member in one tap. Every action is audited as
``care:<team>``. The role filter sits on the parent router."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.forms import engine
from bot.forms.engine import Ctx, Form
from bot.forms.widgets import choice_step, territory_step, text_step
from bot.keyboards import care as kb
from bot.keyboards.callbacks import CareCb
from bot.keyboards.menus import main_menu
from bot.services import audit, care, erasure, series, volunteers
from bot.services.cleaning import clean_bounded
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.citizen.series import SERIES_FORM, describe
from models import CareMember, CareTeam, CareVisit, MemberRole, TeamStatus

router = Router(name=__name__)
PAGE = 8
ASK_KEYS = {"end": "care-ask-end", "erase": "care-ask-erase"}
POPUP_LIMIT = 200  # Telegram's limit on a callback answer's text
POPUP_NAME = 60  # a name in a popup is cut to this


def _clip(name: str, limit: int = POPUP_NAME) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def replaced_popup(i18n: I18nContext, former: str, name: str) -> str:
    """The «replaced» popup: two long names (up to 100 each) would pass Telegram's 200."""
    text: str = i18n.get("care-replaced", former=_clip(former), name=_clip(name))
    return text[:POPUP_LIMIT]


def _scope(ctx: Ctx) -> list[int] | None:
    return None if ctx.roles.is_hq else sorted(ctx.roles.territory_ids)


async def _team_in_scope(db: AsyncSession, team_id: int, roles: Roles) -> CareTeam | None:
    team = await db.get(CareTeam, team_id)
    return team if team is not None and roles.can_act_in(team.territory_id) else None


async def _refuse(callback_answer: CallbackAnswer, i18n: I18nContext) -> None:
    callback_answer.text = i18n.get("care-not-allowed")
    callback_answer.show_alert = True


# --- texts -----------------------------------------------------------------------------------
def schedule_words(i18n: I18nContext, team: CareTeam, tz: Any) -> str:
    if team.rule is None:
        return i18n.get("care-no-schedule")
    following = team.next_at.astimezone(tz).strftime("%H:%M") if team.next_at else None
    return i18n.get(
        "care-schedule", kind=team.visit_kind, rule=describe(i18n, team.rule, following)
    )


def member_lines(i18n: I18nContext, members: list[CareMember]) -> str:
    if not members:
        return i18n.get("care-no-members")
    return "\n".join(
        i18n.get("care-member-line", role=m.role, name=html.quote(m.name)) for m in members
    )


def visit_lines(i18n: I18nContext, visits: list[CareVisit], tz: Any) -> str:
    if not visits:
        return i18n.get("care-no-visits")
    return "\n".join(
        i18n.get(
            "care-visit-line",
            when=care.local_moment(v.due_at, tz),
            kind=v.kind,
            status=v.status,
            outcome=v.outcome or "none",
            late="yes" if care.was_late(v, tz) else "no",
        )
        for v in visits
    )


async def card_args(i18n: I18nContext, db: AsyncSession, team: CareTeam) -> dict[str, Any]:
    """What the person's card shows, the coordinator's and a member's alike."""
    tz = await care.zone(db, team.territory_id)
    upcoming = care.upcoming(team, tz)
    return {
        "team": team.id,
        "status": team.status,
        "name": html.quote(team.person_name),
        "phone": team.person_phone or "-",
        "address": html.quote(team.address),
        "notes": html.quote(team.notes or "-"),
        "members": member_lines(i18n, await care.members(db, team.id)),
        "schedule": schedule_words(i18n, team, tz),
        "upcoming": ", ".join(m.strftime("%d.%m %H:%M") for m in upcoming) or "-",
        "visits": visit_lines(i18n, await care.recent_visits(db, team.id), tz),
    }


async def team_text(i18n: I18nContext, db: AsyncSession, team: CareTeam, clock: Clock) -> str:
    return i18n.get("care-team-card", **await card_args(i18n, db, team))


async def send_team_card(
    bot: Bot, chat_id: int, i18n: I18nContext, db: AsyncSession, team: CareTeam, clock: Clock
) -> None:
    members = await care.members(db, team.id)
    free = {role.value: await care.free_seats(db, team.id, role) for role in MemberRole}
    await bot.send_message(
        chat_id,
        await team_text(i18n, db, team, clock),
        reply_markup=kb.team_card(i18n.get, team, members, free),
    )


# --- /teams and the team form --------------------------------------------------------------------
async def _teams_page(
    db: AsyncSession, i18n: I18nContext, roles: Roles, offset: int
) -> tuple[str, InlineKeyboardMarkup]:
    scope = None if roles.is_hq else roles.territory_ids
    total = await care.count_in_scope(db, scope)
    offset = max(0, min(offset, (max(total, 1) - 1) // care.TEAMS_PAGE * care.TEAMS_PAGE))
    teams = await care.teams_in_scope(db, scope, offset=offset)
    lines = [i18n.get("care-list-title") if teams else i18n.get("care-list-empty")]
    for team in teams:
        lines.append(
            i18n.get(
                "care-list-line",
                team=team.id,
                name=html.quote(team.person_name),
                members=len(await care.members(db, team.id)),
            )
        )
    return "\n".join(lines), kb.listing(i18n.get, teams, offset=offset, total=total)


@router.message(Command("teams", ignore_case=True), StateFilter(None))
async def cmd_teams(message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles) -> None:
    text, markup = await _teams_page(db, i18n, roles, 0)
    await message.answer(text, reply_markup=markup)


@router.callback_query(CareCb.filter(F.a == "teams"))
async def cb_teams(
    query: CallbackQuery,
    callback_data: CareCb,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
) -> None:
    """/teams' ◀️ ▶️: another page, in place."""
    text, markup = await _teams_page(db, i18n, roles, callback_data.o)
    if isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)


def _name(text: str | None) -> str | None:
    return clean_bounded(text, 2, 100)


def _address(text: str | None) -> str | None:
    return clean_bounded(text, 5, 300)


def _notes(text: str | None) -> str | None:
    return clean_bounded(text, 1, 1000, multiline=True)


async def _team_summary(ctx: Ctx) -> str:
    return ctx._(
        "care-form-summary",
        name=html.quote(ctx.data["name"]),
        phone=ctx.data.get("phone") or "-",
        address=html.quote(ctx.data["address"]),
        notes=html.quote(ctx.data.get("notes") or "-"),
    )


async def _team_confirm(ctx: Ctx) -> bool:
    db, roles, now = ctx.db, ctx.roles, ctx.clock.now()
    territory_id = int(ctx.data["territory_id"])
    if not roles.can_act_in(territory_id):
        await ctx.state.clear()
        await ctx.bot.send_message(ctx.chat_id, ctx._("care-not-allowed"))
        return True
    token = ctx.data.get(engine.TOKEN)
    team = await care.by_form_token(db, token)
    if team is None:
        team = await care.create_team(
            db,
            person_name=ctx.data["name"],
            person_phone=ctx.data.get("phone"),
            address=ctx.data["address"],
            notes=ctx.data.get("notes"),
            territory_id=territory_id,
            actor_id=ctx.chat_id,
            now=now,
            form_token=token,
        )
        await audit.record(
            db, actor_id=ctx.chat_id, action="care_team_create", now=now, roles=roles,
            target=f"care:{team.id}", details={"territory": territory_id},
        )  # fmt: skip
    await ctx.state.clear()
    await ctx.bot.send_message(
        ctx.chat_id, ctx._("care-team-made", team=team.id), reply_markup=main_menu(ctx._, roles)
    )
    await send_team_card(ctx.bot, ctx.chat_id, ctx.i18n, db, team, ctx.clock)
    return True


TEAM_FORM = Form(
    code="crt",
    steps=[
        territory_step("territory", "care-ask-territory", scope=_scope),
        text_step("name", "care-ask-name", "name", _name, "care-bad-name"),
        text_step(
            "phone",
            "care-ask-phone",
            "phone",
            volunteers.normalize_phone,
            "care-bad-phone",
            skip={"phone": None},
            required=False,
        ),
        text_step("address", "care-ask-address", "address", _address, "care-bad-address"),
        text_step(
            "notes",
            "care-ask-notes",
            "notes",
            _notes,
            "care-bad-notes",
            skip={"notes": None},
            required=False,
        ),
    ],
    summary=_team_summary,
    confirm=_team_confirm,
    groups={"name": ["name", "phone"], "address": ["territory", "address"], "notes": ["notes"]},
    edit_buttons=lambda ctx: [
        ("name", "btn-care-edit-name"),
        ("address", "btn-care-edit-address"),
        ("notes", "btn-care-edit-notes"),
    ],
)
router.include_router(engine.build_router(TEAM_FORM))


@router.callback_query(CareCb.filter(F.a == "new"))
async def cb_new_team(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    **kwargs: Any,
) -> None:
    i18n: I18nContext = kwargs["i18n"]
    if await state.get_state() is not None:
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    ctx = await engine.context(query.from_user.id, {**kwargs, "state": state}, TEAM_FORM)
    await engine.start(ctx, {}, intro=ctx._("care-form-intro"))


# --- the schedule form (the recurring help's steps) ---------------------------------------------
async def _schedule_summary(ctx: Ctx) -> str:
    rule, at = series.rule_of_answers(ctx.data)
    return ctx._(
        "care-schedule-summary",
        team=int(ctx.data["team_id"]),
        kind=ctx.data["kind"],
        rule=describe(ctx.i18n, rule, at.strftime("%H:%M")),
    )


async def _schedule_confirm(ctx: Ctx) -> bool:
    db, roles, now = ctx.db, ctx.roles, ctx.clock.now()
    team = await _team_in_scope(db, int(ctx.data["team_id"]), roles)
    await ctx.state.clear()
    if team is None or team.status != TeamStatus.ACTIVE:
        await ctx.bot.send_message(
            ctx.chat_id, ctx._("care-not-allowed"), reply_markup=main_menu(ctx._, roles)
        )
        return True
    rule, at = series.rule_of_answers(ctx.data)
    following = await care.set_schedule(db, team, rule=rule, at=at, kind=ctx.data["kind"], now=now)
    await audit.record(
        db, actor_id=ctx.chat_id, action="care_schedule", now=now, roles=roles,
        target=f"care:{team.id}", details={"rule": rule, "kind": ctx.data["kind"]},
    )  # fmt: skip
    tz = await care.zone(db, team.territory_id)
    await ctx.bot.send_message(
        ctx.chat_id,
        ctx._("care-schedule-set", team=team.id, next=care.local_moment(following, tz)),
        reply_markup=main_menu(ctx._, roles),
    )
    await send_team_card(ctx.bot, ctx.chat_id, ctx.i18n, db, team, ctx.clock)
    return True


_REPEAT_STEPS = ("repeat", "days", "every", "mday", "at")
SCHEDULE_FORM = Form(
    code="crs",
    steps=[
        *(step for step in SERIES_FORM.steps if step.name in _REPEAT_STEPS),
        choice_step(
            "kind",
            "care-ask-kind",
            "kind",
            lambda ctx: [(k, ctx._("btn-care-kind", kind=k)) for k in care.KINDS],
            columns=2,
        ),
    ],
    summary=_schedule_summary,
    confirm=_schedule_confirm,
    groups={"repeat": ["repeat", "days", "every", "mday"], "at": ["at"], "kind": ["kind"]},
    edit_buttons=lambda ctx: [
        ("repeat", "btn-series-edit-repeat"),
        ("at", "btn-series-edit-at"),
        ("kind", "btn-care-edit-kind"),
    ],
)
router.include_router(engine.build_router(SCHEDULE_FORM))


@router.callback_query(CareCb.filter(F.a == "sched"))
async def cb_schedule(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    **kwargs: Any,
) -> None:
    i18n: I18nContext = kwargs["i18n"]
    team = await _team_in_scope(kwargs["db"], callback_data.id, kwargs["roles"])
    if team is None or team.status != TeamStatus.ACTIVE:
        await _refuse(callback_answer, i18n)
        return
    if await state.get_state() is not None:
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    ctx = await engine.context(query.from_user.id, {**kwargs, "state": state}, SCHEDULE_FORM)
    await engine.start(
        ctx,
        {"team_id": team.id, "territory_id": team.territory_id},
        intro=ctx._("care-schedule-intro", team=team.id),
    )


# --- the card ----------------------------------------------------------------------------------
@router.callback_query(CareCb.filter(F.a == "open"))
async def cb_open(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    bot: Bot,
) -> None:
    team = await _team_in_scope(db, callback_data.id, roles)
    if team is None:
        await _refuse(callback_answer, i18n)
        return
    await send_team_card(bot, query.from_user.id, i18n, db, team, clock)


async def _candidates_page(
    query: CallbackQuery,
    callback_data: CareCb,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    bot: Bot,
    team: CareTeam,
    role: str,
    *,
    action: str,
    role_or_former: int,
    title: str,
) -> bool:
    today = await volunteers.local_today(db, team.territory_id, clock.now())
    found = await care.candidates(db, team, role, today)
    if not found:
        return False
    offset = min(callback_data.o, max(0, len(found) - 1))
    markup = kb.people(
        i18n.get, action, team.id, found[offset : offset + PAGE],
        role_or_former=role_or_former, offset=offset, total=len(found), page_size=PAGE,
    )  # fmt: skip
    if callback_data.o and isinstance(query.message, Message):
        await edit_text(query.message, title, reply_markup=markup)  # turning a page
    else:
        await bot.send_message(query.from_user.id, title, reply_markup=markup)
    return True


@router.callback_query(CareCb.filter(F.a == "add"))
async def cb_add(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    bot: Bot,
) -> None:
    team = await _team_in_scope(db, callback_data.id, roles)
    role = kb.ROLE_CODES.get(callback_data.v)
    if team is None or role is None or team.status != TeamStatus.ACTIVE:
        await _refuse(callback_answer, i18n)
        return
    if await care.free_seats(db, team.id, role) <= 0:
        callback_answer.text = i18n.get("care-team-full", role=role.value)
        callback_answer.show_alert = True
        return
    title = i18n.get("care-pick-title", team=team.id, role=role.value)
    if not await _candidates_page(
        query, callback_data, i18n, db, clock, bot, team, role,
        action="pick", role_or_former=callback_data.v, title=title,
    ):  # fmt: skip
        callback_answer.text = i18n.get("care-nobody")
        callback_answer.show_alert = True


async def _candidate(
    db: AsyncSession, team: CareTeam, role: str, user_id: int, clock: Clock
) -> care.Candidate | None:
    """Only someone the list would offer (a forged or stale button cannot pick a stranger)."""
    today = await volunteers.local_today(db, team.territory_id, clock.now())
    return next(
        (c for c in await care.candidates(db, team, role, today) if c.user_id == user_id), None
    )


@router.callback_query(CareCb.filter(F.a == "pick"))
async def cb_pick(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    bot: Bot,
) -> None:
    callback_answer.show_alert = True
    team = await _team_in_scope(db, callback_data.id, roles)
    role = kb.ROLE_CODES.get(callback_data.f)
    if team is None or role is None:
        await _refuse(callback_answer, i18n)
        return
    candidate = await _candidate(db, team, role, callback_data.v, clock)
    if candidate is None:
        callback_answer.text = i18n.get("care-unavailable")
        return
    now = clock.now()
    try:
        member = await care.add_member(db, team, candidate, role, now)
    except care.CareError:
        callback_answer.text = i18n.get("care-team-full", role=role.value)
        return
    await audit.record(
        db, actor_id=query.from_user.id, action="care_member_add", now=now, roles=roles,
        target=f"care:{team.id}", details={"user": member.user_id, "role": role.value},
    )  # fmt: skip
    callback_answer.show_alert = False
    callback_answer.text = i18n.get("care-member-joined", name=member.name)
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("care-member-joined", name=html.quote(member.name)))
    await send_team_card(bot, query.from_user.id, i18n, db, team, clock)


# --- replacing a member, handing over a visit ----------------------------------------------
@router.callback_query(CareCb.filter(F.a == "rl"))
async def cb_replace_list(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    bot: Bot,
) -> None:
    team = await _team_in_scope(db, callback_data.id, roles)
    former = await db.get(CareMember, callback_data.f)
    if team is None or former is None or former.team_id != team.id:
        await _refuse(callback_answer, i18n)
        return
    if former.left_at is not None or team.status != TeamStatus.ACTIVE:
        callback_answer.text = i18n.get("care-replace-gone")
        callback_answer.show_alert = True
        return
    title = i18n.get("care-replace-title", team=team.id, name=html.quote(former.name))
    if not await _candidates_page(
        query, callback_data, i18n, db, clock, bot, team, former.role,
        action="rp", role_or_former=former.id, title=title,
    ):  # fmt: skip
        callback_answer.text = i18n.get("care-nobody")
        callback_answer.show_alert = True


@router.callback_query(CareCb.filter(F.a == "rp"))
async def cb_replace(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    bot: Bot,
) -> None:
    callback_answer.show_alert = True
    team = await _team_in_scope(db, callback_data.id, roles)
    former = await db.get(CareMember, callback_data.f)
    if team is None or former is None or former.team_id != team.id:
        await _refuse(callback_answer, i18n)
        return
    candidate = await _candidate(db, team, former.role, callback_data.v, clock)
    if candidate is None:
        callback_answer.text = i18n.get("care-unavailable")
        return
    now = clock.now()
    try:
        member = await care.replace_member(db, team, former.id, candidate, now)
    except care.CareError:
        callback_answer.text = i18n.get("care-unavailable")
        return
    if member is None:
        callback_answer.text = i18n.get("care-replace-gone")
        return
    await audit.record(
        db, actor_id=query.from_user.id, action="care_member_replace", now=now, roles=roles,
        target=f"care:{team.id}", details={"user": member.user_id, "former": former.user_id},
    )  # fmt: skip
    callback_answer.show_alert = False
    callback_answer.text = replaced_popup(i18n, former.name, member.name)
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            i18n.get("care-replaced", former=html.quote(former.name), name=html.quote(member.name)),
        )
    await send_team_card(bot, query.from_user.id, i18n, db, team, clock)


@router.callback_query(CareCb.filter(F.a == "ra"))
async def cb_hand_over(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    callback_answer.show_alert = True
    visit = await db.get(CareVisit, callback_data.id)
    team = await _team_in_scope(db, visit.team_id, roles) if visit is not None else None
    if visit is None or team is None:
        await _refuse(callback_answer, i18n)
        return
    now = clock.now()
    handed = await care.hand_over(db, visit.id, callback_data.v, callback_data.f, now)
    if handed is None:
        callback_answer.text = i18n.get("care-hand-over-gone")
        return
    member = await db.get(CareMember, callback_data.v)
    name = member.name if member is not None else "-"
    await audit.record(
        db, actor_id=query.from_user.id, action="care_visit_hand_over", now=now, roles=roles,
        target=f"care:{team.id}", details={"visit": visit.id, "member": callback_data.v},
    )  # fmt: skip
    callback_answer.show_alert = False
    callback_answer.text = i18n.get("care-handed-over", name=_clip(name))
    if isinstance(query.message, Message):  # the answered buttons leave the screen
        await edit_text(query.message, i18n.get("care-handed-over", name=html.quote(name)))


# --- ending the team, erasing the person ---------------------------------------------------
@router.callback_query(CareCb.filter(F.a.in_({"end", "erase"})))
async def cb_ask(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
) -> None:
    team = await _team_in_scope(db, callback_data.id, roles)
    if team is None:
        await _refuse(callback_answer, i18n)
        return
    await bot.send_message(
        query.from_user.id,
        i18n.get(ASK_KEYS[callback_data.a], team=team.id),
        reply_markup=kb.confirm(i18n.get, callback_data.a, team.id),
    )


@router.callback_query(CareCb.filter(F.a.in_({"end!", "erase!"})))
async def cb_confirmed(
    query: CallbackQuery,
    callback_data: CareCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    team = await _team_in_scope(db, callback_data.id, roles)
    if team is None:
        await _refuse(callback_answer, i18n)
        return
    now, team_id = clock.now(), team.id
    if callback_data.a == "end!":
        changed = await care.end_team(db, team_id, now)
        key, action = "care-ended", "care_team_end"
    else:
        changed = team.person_name != care.ERASED
        if changed:
            await erasure.erase_care_now(db, team_id, query.from_user.id, now)
        key, action = "care-erased", "care_person_erase"
    if changed:
        await audit.record(
            db, actor_id=query.from_user.id, action=action, now=now, roles=roles,
            target=f"care:{team_id}",
        )  # fmt: skip
    text = i18n.get(key, team=team_id) if changed else i18n.get("care-stale")
    callback_answer.text = text
    if isinstance(query.message, Message):
        await edit_text(query.message, text)
