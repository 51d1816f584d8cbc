"""/campaigns: vaccination follow-up campaigns (issue 16), the coordinator's side.

The list shows the campaigns in the coordinator's scope (one of their territories, above or
under them; what they created; HQ: all), newest first; each opens its card with the settings
and the progress. The HQ, the campaign's creator and a coordinator of every one of its
territories pause, resume or close it (for good, after a confirmation); anyone else in scope
gets a read-only card counting their own territories only. «➕ Новая кампания»
opens the creation form (code "cmp") on the form engine. «📥 Загрузить людей» and «📄 Шаблон»
are handled by the import feature, not here.

``join_router``: a volunteer's «Участвую» / «Выйти из кампании» under an invitation (a
campaign of chosen volunteers); it sits outside the coordinator's role filter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.forms import engine
from bot.forms.engine import Ctx, Done, Form, Say, Stay, Step
from bot.forms.widgets import choice_step, text_step
from bot.keyboards import campaigns as kb
from bot.keyboards.callbacks import CampaignCb, CampaignJoinCb
from bot.keyboards.menus import main_menu
from bot.ranges import INT64_MAX, parse_int
from bot.services import audit, campaigns
from bot.services.campaigns import Access, JoinResult, NewCampaign
from bot.services.cleaning import clean_bounded
from bot.services.territories import all_territories, by_ids
from bot.services.timing import QuietHours
from bot.services.users import Roles
from bot.telegram import edit_text
from models import CampaignStatus, Territory, VolunteerMode

router = Router(name=__name__)
join_router = Router(name=f"{__name__}.join")
PAGE = 8  # campaigns on a page of the list
OPTIONS_PAGE = 8  # territories or medics on a page of the form's pickers


# --- the creation form ---------------------------------------------------------------------
Options = Callable[[Ctx], Awaitable[list[tuple[int, str]]]]


def _picker_step(name: str, question: str, fills: str, options: Options, need_one: str) -> Step:
    """Several of a list that depends on the answers so far (the coordinator's territories,
    the medics of the chosen ones): paged toggles (✅/▫️) with «Готово»; at least one."""
    draft, page_key = f"_{fills}", f"_{name}_page"

    def chosen(ctx: Ctx) -> set[int]:
        current = ctx.data.get(draft)
        if current is None:
            current = ctx.data.get(fills) or []
        return {int(value) for value in current}

    async def keyboard(ctx: Ctx) -> list[list[InlineKeyboardButton]]:
        listed = await options(ctx)
        pages = max(1, -(-len(listed) // OPTIONS_PAGE))
        page = min(max(int(ctx.data.get(page_key) or 0), 0), pages - 1)
        picked = chosen(ctx)
        rows = [
            [ctx.button(name, ("✅ " if value in picked else "▫️ ") + label, str(value), page)]
            for value, label in listed[page * OPTIONS_PAGE : (page + 1) * OPTIONS_PAGE]
        ]
        paging = []
        if page > 0:
            paging.append(ctx.button(name, ctx._("btn-prev"), "p", page - 1))
        if page < pages - 1:
            paging.append(ctx.button(name, ctx._("btn-next"), "p", page + 1))
        if paging:
            rows.append(paging)
        rows.append([ctx.button(name, ctx._("btn-done"), "", page)])
        return rows

    async def on_choice(ctx: Ctx, value: str, page: int) -> Done | Stay | Say | None:
        listed = await options(ctx)
        if value == "p":
            return Stay({page_key: page})
        if value == "":
            picked = chosen(ctx) & {option for option, _label in listed}
            if not picked:
                return Say(ctx._(need_one))
            ordered = [(option, label) for option, label in listed if option in picked]
            shown = html.quote(", ".join(label for _option, label in ordered))
            return Done({fills: [o for o, _l in ordered], draft: None, page_key: 0}, shown=shown)
        option = parse_int(value, 1, INT64_MAX)
        if option is None or option not in {o for o, _l in listed}:
            return None
        return Stay({draft: sorted(chosen(ctx) ^ {option}), page_key: page})

    async def question_text(ctx: Ctx) -> str:
        values = {draft: None, page_key: 0}  # asked anew: ticks not saved are gone
        await ctx.state.update_data(values)
        ctx.data.update(values)
        return ctx._(question)

    return Step(name, question_text, fills, keyboard=keyboard, on_choice=on_choice)


async def _scope_territories(db: AsyncSession, roles: Roles) -> list[Territory]:
    """The territories a coordinator may run a campaign in: theirs; for the HQ every
    territory people live in (one without districts under it)."""
    if not roles.is_hq:
        return await by_ids(db, roles.territory_ids)
    every = await all_territories(db)
    parents = {t.parent_id for t in every if t.parent_id is not None}
    return sorted((t for t in every if t.id not in parents), key=lambda t: t.name_ru)


async def _territory_options(ctx: Ctx) -> list[tuple[int, str]]:
    listed = await _scope_territories(ctx.db, ctx.roles)
    locale = ctx.i18n.locale
    return sorted(((t.id, t.name(locale)) for t in listed), key=lambda item: item[1])


async def _medic_options(ctx: Ctx) -> list[tuple[int, str]]:
    settings = ctx.extra.get("settings")
    admins = list(getattr(settings, "admin_ids", []) or [])
    people = await campaigns.medic_candidates(
        ctx.db, [int(t) for t in ctx.data.get("territory_ids") or []], [ctx.chat_id, *admins]
    )
    return [(person.user_id, person.name) for person in people]


def _quiet_hours(ctx: Ctx) -> QuietHours:
    """The deployment's quiet hours (Settings in the handler context; the default without)."""
    settings = ctx.extra.get("settings")
    text = getattr(settings, "quiet_hours", None)
    return QuietHours.parse(text) if isinstance(text, str) else QuietHours()


async def _typed_window(ctx: Ctx, message: Message) -> Done | Say | None:
    """The call window: readable, at least an hour, and not lost in the quiet hours."""
    if message.text is None:
        return None
    window = campaigns.parse_window(message.text)
    if window is None:
        return Say(ctx._("cmp-bad-window"))
    quiet = _quiet_hours(ctx)
    if campaigns.window_in_quiet(window, quiet):
        return Say(ctx._("cmp-window-quiet", quiet=campaigns.format_quiet(quiet)))
    return Done({"window": list(window)})


async def _typed_attempts(ctx: Ctx, message: Message) -> Done | Say | None:
    if message.text is None:
        return None
    attempts = campaigns.parse_attempts(message.text)
    if attempts is None:
        return Say(ctx._("cmp-bad-attempts"))
    return Done({"attempts": str(attempts)}, shown=str(attempts))


VISIT_OPTIONS = ("0", *(str(n) for n in campaigns.VISIT_AFTER_CHOICES))
CLAIM_OPTIONS = tuple(str(n) for n in campaigns.CLAIM_MINUTES_CHOICES)


def _visit_label(ctx: Ctx, value: str) -> str:
    return ctx._("cmp-visits-never") if value == "0" else ctx._("cmp-visits-after", n=int(value))


def _retry_text(_: Callable[..., str], minutes: int) -> str:
    if minutes % 1440 == 0:
        return str(_("cmp-retry-days", n=minutes // 1440))
    if minutes % 60 == 0:
        return str(_("cmp-retry-hours", n=minutes // 60))
    return str(_("cmp-retry-minutes", n=minutes))


def _rounds_text(rounds: list[int]) -> str:
    return ", ".join(str(day) for day in rounds)


async def _summary(ctx: Ctx) -> str:
    data, _ = ctx.data, ctx._
    territories = dict(await _territory_options(ctx))
    medics = dict(await _medic_options(ctx))
    fields = {
        "name": html.quote(data["name"]),
        "territories": html.quote(
            ", ".join(territories.get(int(t), "?") for t in data["territory_ids"])
        ),
        "rounds": _rounds_text(data["rounds"]),
        "window": campaigns.format_window(*data["window"]),
        "attempts": int(data["attempts"]),
        "retry": _retry_text(_, int(data["retry_minutes"])),
        "claim": int(data["claim_minutes"]),
        "visits": _visit_label(ctx, str(data["visit_after"])),
        "volunteers": _(f"cmp-mode-{data['mode']}"),
        "medics": html.quote(", ".join(medics.get(int(m), "?") for m in data["medic_ids"])),
    }
    return _("cmp-summary", **fields) + "\n\n" + _("cmp-summary-hint")


EDITABLE = (
    ("name", "btn-cmp-edit-name"),
    ("territories", "btn-cmp-edit-territories"),
    ("rounds", "btn-cmp-edit-rounds"),
    ("window", "btn-cmp-edit-window"),
    ("attempts", "btn-cmp-edit-attempts"),
    ("claim", "btn-cmp-edit-claim"),
    ("visits", "btn-cmp-edit-visits"),
    ("volunteers", "btn-cmp-edit-volunteers"),
    ("medics", "btn-cmp-edit-medics"),
)


async def _forget(ctx: Ctx, key: str) -> None:
    """An answer that no longer holds: the summary asks it again."""
    ctx.data[key] = None
    await ctx.state.update_data({key: None})


async def _confirm(ctx: Ctx) -> bool:
    """Create the campaign (once per filled-in form: its token is unique), audited; the
    coordinator gets its card. Territories or medics no longer fitting are asked again."""
    data, db, _ = ctx.data, ctx.db, ctx._
    now = ctx.clock.now()
    territory_ids = [int(t) for t in data["territory_ids"]]
    if not set(territory_ids) <= {t for t, _label in await _territory_options(ctx)}:
        await ctx.bot.send_message(ctx.chat_id, _("cmp-territories-changed"))
        await _forget(ctx, "territory_ids")
        await engine.show_summary(ctx)
        return False
    candidates = {m for m, _label in await _medic_options(ctx)}
    medic_ids = [int(m) for m in data["medic_ids"] if int(m) in candidates]
    if not medic_ids:
        await ctx.bot.send_message(ctx.chat_id, _("cmp-medics-changed"))
        await _forget(ctx, "medic_ids")
        await engine.show_summary(ctx)
        return False
    made = await campaigns.create(
        db,
        NewCampaign(
            name=data["name"],
            territory_ids=territory_ids,
            rounds=[int(day) for day in data["rounds"]],
            window=(int(data["window"][0]), int(data["window"][1])),
            attempts=int(data["attempts"]),
            retry_minutes=int(data["retry_minutes"]),
            claim_minutes=int(data["claim_minutes"]),
            visit_after=int(data["visit_after"]) or None,
            volunteers=VolunteerMode(data["mode"]),
            medic_ids=medic_ids,
            form_token=str(data[engine.TOKEN]),
        ),
        actor_id=ctx.chat_id,
        now=now,
        join_data=kb.join_data,
    )
    campaign = made.campaign
    if made.created:
        await audit.record(
            db,
            actor_id=ctx.chat_id,
            action="campaign_create",
            now=now,
            roles=ctx.roles,
            target=f"campaign:{campaign.id}",
            details={
                "territories": territory_ids,
                "volunteers": campaign.volunteers,
                "medics": len(medic_ids),
                "invited": len(made.invited),
            },
        )
    await ctx.state.clear()
    key = "cmp-created-invited" if made.invited else "cmp-created"
    await ctx.bot.send_message(
        ctx.chat_id,
        _(key, name=html.quote(campaign.name), count=len(made.invited)),
        reply_markup=main_menu(_, ctx.roles),
    )
    text = await _card_text(ctx.i18n, db, campaign.id, now)
    if text is not None:
        await ctx.bot.send_message(
            ctx.chat_id, text, reply_markup=kb.campaign_card(_, campaign.id, campaign.status)
        )
    return True


CREATE = Form(
    code="cmp",
    steps=[
        text_step(
            "name", "cmp-ask-name", "name", lambda t: clean_bounded(t, 3, 200), "cmp-bad-name"
        ),
        _picker_step(
            "territories",
            "cmp-ask-territories",
            "territory_ids",
            _territory_options,
            "cmp-pick-territory",
        ),
        text_step("rounds", "cmp-ask-rounds", "rounds", campaigns.parse_rounds, "cmp-bad-rounds"),
        Step("window", "cmp-ask-window", "window", on_message=_typed_window, hint="cmp-bad-window"),
        choice_step(
            "attempts",
            "cmp-ask-attempts",
            "attempts",
            lambda ctx: [(str(n), str(n)) for n in range(1, campaigns.MAX_ATTEMPTS + 1)],
            columns=5,
            on_message=_typed_attempts,
            hint="cmp-bad-attempts",
        ),
        text_step(
            "retry", "cmp-ask-retry", "retry_minutes", campaigns.parse_retry, "cmp-bad-retry"
        ),
        # How long a volunteer holds a person's card without a result (then it lapses).
        choice_step(
            "claim",
            "cmp-ask-claim",
            "claim_minutes",
            lambda ctx: [(v, ctx._("cmp-claim-option", n=int(v))) for v in CLAIM_OPTIONS],
            columns=4,
        ),
        choice_step(
            "visits",
            "cmp-ask-visits",
            "visit_after",
            lambda ctx: [(value, _visit_label(ctx, value)) for value in VISIT_OPTIONS],
            columns=2,
        ),
        choice_step(
            "volunteers",
            "cmp-ask-volunteers",
            "mode",
            lambda ctx: [(mode, ctx._(f"cmp-mode-{mode}")) for mode in VolunteerMode],
        ),
        _picker_step("medics", "cmp-ask-medics", "medic_ids", _medic_options, "cmp-pick-medic"),
    ],
    summary=_summary,
    confirm=_confirm,
    groups={
        "name": ["name"],
        # New territories may change who can be on duty: the medics come next.
        "territories": ["territories", "medics"],
        "rounds": ["rounds"],
        "window": ["window"],
        "attempts": ["attempts", "retry"],
        "claim": ["claim"],
        "visits": ["visits"],
        "volunteers": ["volunteers"],
        "medics": ["medics"],
    },
    edit_buttons=lambda ctx: EDITABLE,
)
router.include_router(engine.build_router(CREATE))


# --- the list and the card -----------------------------------------------------------------
async def _list_view(
    i18n: I18nContext, db: AsyncSession, roles: Roles, page: int, user_id: int
) -> tuple[str, Any]:
    items, has_more = await campaigns.page_in_scope(
        db, roles, offset=page * PAGE, limit=PAGE, user_id=user_id
    )
    if not items and page > 0:
        page = 0
        items, has_more = await campaigns.page_in_scope(
            db, roles, offset=0, limit=PAGE, user_id=user_id
        )
    text = i18n.get("cmp-list-title") if items else i18n.get("cmp-list-empty")
    return text, kb.campaign_list(i18n.get, items, page, has_more)


async def _card_text(
    i18n: I18nContext,
    db: AsyncSession,
    campaign_id: int,
    now: Any,
    access: Access | None = None,
) -> str | None:
    """The card; ``access`` read-only: the counts of the coordinator's territories, and a
    line saying so (None or managing: the whole campaign)."""
    read_only = access is not None and not access.manage
    card = await campaigns.card(
        db, campaign_id, now, access.territory_ids if access is not None else None
    )
    if card is None:
        return None
    _ = i18n.get
    campaign, counts = card.campaign, card.progress
    text = _(
        "cmp-card",
        name=html.quote(campaign.name),
        status=_(f"cmp-status-{campaign.status}"),
        territories=html.quote(", ".join(t.name(i18n.locale) for t in card.territories)),
        rounds=_rounds_text(list(campaign.rounds)),
        window=campaigns.format_window(campaign.window_start, campaign.window_end),
        attempts=campaign.attempts,
        retry=_retry_text(_, campaign.retry_minutes),
        claim=campaign.claim_minutes,
        visits=_("cmp-visits-after", n=campaign.visit_after)
        if campaign.visit_after
        else _("cmp-visits-never"),
        medics=html.quote(", ".join(person.name for person in card.medics)) or "—",
        volunteers=_(f"cmp-mode-{campaign.volunteers}"),
        volunteers_count=card.volunteers,
        total=counts.total,
        due_now=counts.due_now,
        planned=counts.planned,
        in_progress=counts.in_progress,
        reached=counts.reached,
        unreachable=counts.unreachable,
        stopped=counts.stopped,
        visits_open=counts.visits,
        unwell=counts.unwell_open,
    )
    return text + "\n\n" + _("cmp-card-read-only") if read_only else text


def _no_access(callback_answer: CallbackAnswer, i18n: I18nContext) -> None:
    """A campaign out of scope tells nothing about itself: the button is answered as stale."""
    callback_answer.text = i18n.get("stale-button")
    callback_answer.show_alert = True


async def _access(
    db: AsyncSession,
    campaign_id: int,
    roles: Roles,
    user_id: int,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
) -> Access | None:
    """What the coordinator may do with this campaign (see ``campaigns.access``); None (and
    the button answered as stale) when it is not theirs to see."""
    found = await campaigns.access(db, campaign_id, roles, user_id)
    if found is None:
        _no_access(callback_answer, i18n)
    return found


async def _in_scope(
    db: AsyncSession,
    campaign_id: int,
    roles: Roles,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    user_id: int | None = None,
) -> bool:
    """Whether the coordinator may act on the whole campaign (pause, resume, close, move its
    unreachable to visits): the HQ, a coordinator of every one of its territories, or (when
    ``user_id`` is given) its creator. Otherwise the button is answered as stale, the same
    for a read-only viewer as for a stranger."""
    found = await campaigns.access(db, campaign_id, roles, -1 if user_id is None else user_id)
    if found is not None and found.manage:
        return True
    _no_access(callback_answer, i18n)
    return False


@router.message(Command("campaigns", ignore_case=True))
async def cmd_campaigns(
    message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles
) -> None:
    user_id = message.from_user.id if message.from_user else message.chat.id
    text, markup = await _list_view(i18n, db, roles, 0, user_id)
    await message.answer(text, reply_markup=markup)


@router.callback_query(CampaignCb.filter(F.action == "list"))
async def cb_list(
    query: CallbackQuery,
    callback_data: CampaignCb,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
) -> None:
    text, markup = await _list_view(i18n, db, roles, callback_data.page, query.from_user.id)
    if isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)


@router.callback_query(CampaignCb.filter(F.action == "new"))
async def cb_new(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    **kwargs: Any,
) -> None:
    if await state.get_state() is not None:  # another form is open: do not wipe it
        callback_answer.text = i18n.get("form-finish-first")
        callback_answer.show_alert = True
        return
    if not await _scope_territories(db, roles):
        callback_answer.text = i18n.get("cmp-no-territories")
        callback_answer.show_alert = True
        return
    ctx = await engine.context(
        query.from_user.id,
        {**kwargs, "state": state, "i18n": i18n, "db": db, "roles": roles},
        CREATE,
    )
    await engine.start(ctx, {}, intro=i18n.get("cmp-start"))


@router.callback_query(CampaignCb.filter(F.action == "open"))
async def cb_open(
    query: CallbackQuery,
    callback_data: CampaignCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    access = await _access(db, callback_data.id, roles, query.from_user.id, callback_answer, i18n)
    if access is None:
        return
    await _show_card(query, i18n, db, callback_data.id, clock, access)


async def _show_card(
    query: CallbackQuery,
    i18n: I18nContext,
    db: AsyncSession,
    campaign_id: int,
    clock: Clock,
    access: Access | None = None,
) -> None:
    """The card edited in place; ``access`` None: the caller has checked the coordinator
    manages the campaign (the full card)."""
    text = await _card_text(i18n, db, campaign_id, clock.now(), access)
    campaign = await campaigns.status_of(db, campaign_id)
    if text is None or campaign is None or not isinstance(query.message, Message):
        return
    manage = access is None or access.manage
    await edit_text(
        query.message,
        text,
        reply_markup=kb.campaign_card(i18n.get, campaign_id, campaign, manage=manage),
    )


STATUS_ACTIONS = {
    "pause": (CampaignStatus.PAUSED, "campaign_pause", "cmp-paused"),
    "resume": (CampaignStatus.ACTIVE, "campaign_resume", "cmp-resumed"),
    "close_ok": (CampaignStatus.CLOSED, "campaign_close", "cmp-closed"),
}


@router.callback_query(CampaignCb.filter(F.action.in_(set(STATUS_ACTIONS))))
async def cb_status(
    query: CallbackQuery,
    callback_data: CampaignCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    if not await _in_scope(db, callback_data.id, roles, callback_answer, i18n, query.from_user.id):
        return
    status, action, done = STATUS_ACTIONS[callback_data.action]
    now = clock.now()
    if await campaigns.set_status(db, callback_data.id, status, now):
        await audit.record(
            db,
            actor_id=query.from_user.id,
            action=action,
            now=now,
            roles=roles,
            target=f"campaign:{callback_data.id}",
        )
        callback_answer.text = i18n.get(done)
    else:  # pressed on an older card: the card shows how things stand
        callback_answer.text = i18n.get("cmp-status-changed")
    await _show_card(query, i18n, db, callback_data.id, clock)


@router.callback_query(CampaignCb.filter(F.action == "close"))
async def cb_close(
    query: CallbackQuery,
    callback_data: CampaignCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
) -> None:
    if not await _in_scope(db, callback_data.id, roles, callback_answer, i18n, query.from_user.id):
        return
    name = await campaigns.name_of(db, callback_data.id)
    if name is None or not isinstance(query.message, Message):
        return
    await edit_text(
        query.message,
        i18n.get("cmp-close-confirm", name=html.quote(name)),
        reply_markup=kb.close_confirm(i18n.get, callback_data.id),
    )


# --- a volunteer opting in ----------------------------------------------------------------
@join_router.callback_query(CampaignJoinCb.filter())
async def cb_join(
    query: CallbackQuery,
    callback_data: CampaignJoinCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
) -> None:
    result, campaign = await campaigns.set_joined(
        db, callback_data.id, query.from_user.id, callback_data.join, clock.now()
    )
    message = query.message if isinstance(query.message, Message) else None
    name = html.quote(campaign.name) if campaign is not None else ""
    if result in (JoinResult.CLOSED, JoinResult.NOT_QUALIFIED):
        key = "cmp-join-closed" if result == JoinResult.CLOSED else "cmp-join-not-qualified"
        callback_answer.text = i18n.get(key)
        callback_answer.show_alert = True
        if message is not None:
            await edit_text(message, message.html_text)  # its buttons go
        return
    if message is None:
        return
    if result == JoinResult.JOINED:
        callback_answer.text = i18n.get("cmp-join-thanks")
        await edit_text(
            message,
            i18n.get("cmp-joined", name=name),
            reply_markup=kb.joined(i18n.get, callback_data.id),
        )
        return
    closed = campaign is not None and campaign.status == CampaignStatus.CLOSED
    await edit_text(
        message,
        i18n.get("cmp-left", name=name),
        reply_markup=None if closed else kb.not_joined(i18n.get, callback_data.id),
    )
