"""Standing care's buttons (issue 19): the coordinator's team card and lists, a member's card,
the outcomes of a visit, and the packed callback data services put under their messages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import CareCb
from bot.services import care
from models import CareMember, CareTeam, CareVisit, MemberRole, TeamStatus

Gettext = Callable[..., str]
ROLE_CODES = {1: MemberRole.SOCIAL_WORKER, 2: MemberRole.VOLUNTEER}
ROLE_NUMBERS = {role: number for number, role in ROLE_CODES.items()}
CONFIRM_KEYS = {"end": "btn-care-yes-end", "erase": "btn-care-yes-erase"}

LINKS = care.Links(
    open_team=lambda team_id: CareCb(a="my", id=team_id).pack(),
    record=lambda visit_id: CareCb(a="rec", id=visit_id).pack(),
    still=lambda visit_id: CareCb(a="still", id=visit_id).pack(),
    cannot=lambda visit_id: CareCb(a="cannot", id=visit_id).pack(),
    hand_over=lambda visit_id, member_id, former_id: CareCb(
        a="ra", id=visit_id, v=member_id, f=former_id
    ).pack(),
    replace_list=lambda team_id, former_id: CareCb(a="rl", id=team_id, f=former_id).pack(),
    coordinator_card=lambda team_id: CareCb(a="open", id=team_id).pack(),
)


def _b(text: str, a: str, id: int = 0, v: int = 0, f: int = 0, o: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=CareCb(a=a, id=id, v=v, f=f, o=o).pack())


def listing(
    _: Gettext,
    teams: Sequence[CareTeam],
    *,
    offset: int = 0,
    total: int = 0,
    page_size: int = care.TEAMS_PAGE,
) -> InlineKeyboardMarkup:
    """/teams: a page of teams (◀️ ▶️ to the others: "teams" from ``o``), and a new one."""
    rows = [[_b(_("btn-care-team", team=t.id), "open", t.id)] for t in teams]
    nav = []
    if offset > 0:
        nav.append(_b("◀️", "teams", o=max(0, offset - page_size)))
    if offset + page_size < total:
        nav.append(_b("▶️", "teams", o=offset + page_size))
    if nav:
        rows.append(nav)
    rows.append([_b(_("btn-care-new"), "new")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def team_card(
    _: Gettext, team: CareTeam, members: Sequence[CareMember], free: Mapping[str, int]
) -> InlineKeyboardMarkup | None:
    if team.status != TeamStatus.ACTIVE:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for role, number in ROLE_NUMBERS.items():
        if free.get(role.value, 0) > 0:
            rows.append([_b(_("btn-care-add", role=role.value), "add", team.id, v=number)])
    rows += [[_b(_("btn-care-replace", name=m.name), "rl", team.id, f=m.id)] for m in members]
    rows.append([_b(_("btn-care-schedule"), "sched", team.id)])
    rows.append([_b(_("btn-care-end"), "end", team.id), _b(_("btn-care-erase"), "erase", team.id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm(_: Gettext, action: str, team_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _b(_(CONFIRM_KEYS[action]), action + "!", team_id),
                _b(_("btn-care-no"), "open", team_id),
            ]
        ]
    )


def people(
    _: Gettext,
    action: str,
    team_id: int,
    found: Sequence[care.Candidate],
    *,
    role_or_former: int,
    offset: int,
    total: int,
    page_size: int,
) -> InlineKeyboardMarkup:
    """Candidates to add (``pick``, with the role number) or to replace a member with (``rp``,
    with the former member's id), a page at a time."""
    back = "add" if action == "pick" else "rl"
    pick_v = role_or_former if action == "pick" else 0
    rows = []
    for c in found:
        if action == "pick":
            rows.append([_b(c.name, "pick", team_id, v=c.user_id, f=pick_v)])
        else:
            rows.append([_b(c.name, "rp", team_id, v=c.user_id, f=role_or_former)])
    nav = []
    if offset > 0:
        nav.append(
            _b(
                "◀️",
                back,
                team_id,
                **_page_args(action, role_or_former),
                o=max(0, offset - page_size),
            )
        )
    if offset + page_size < total:
        nav.append(
            _b("▶️", back, team_id, **_page_args(action, role_or_former), o=offset + page_size)
        )
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _page_args(action: str, role_or_former: int) -> dict[str, int]:
    return {"v": role_or_former} if action == "pick" else {"f": role_or_former}


def my_teams(_: Gettext, teams: Sequence[CareTeam]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_b(_("btn-care-open", team=t.id), "my", t.id)] for t in teams]
    )


def member_card(_: Gettext, team_id: int, visits: Sequence[CareVisit]) -> InlineKeyboardMarkup:
    rows = [
        [_b(_("btn-care-record-on", date=v.due_on.strftime("%d.%m"), kind=v.kind), "rec", v.id)]
        for v in visits
    ]
    rows.append([_b(_("btn-care-quit"), "quit", team_id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def quit_confirm(_: Gettext, team_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_b(_("btn-care-yes-quit"), "quit!", team_id)]])


def outcomes(_: Gettext, visit_id: int, kind: str) -> InlineKeyboardMarkup:
    """The outcomes, worded for a visit or a call (``kind``)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_b(_("btn-care-outcome", outcome=o, kind=kind), "out", visit_id, v=i)]
            for i, o in enumerate(care.OUTCOMES)
        ]
    )
