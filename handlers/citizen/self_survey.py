"""Self-surveys (bot/services/campaign_links.py): a person of a vaccination follow-up campaign,
or a relative for them, answers the call's script in the bot.

Entry points:
- the personal link from the SMS, ``/start s_<token>``: who answers (the person or a relative,
  and who they are to them), then the check (the year of birth or the phone's last four
  digits, or the user's own contact with the person's phone) before anything about the person
  is shown; three wrong tries lock the link;
- /survey: a linked user's next questions, or, for anyone else, their own contact matched
  against the campaigns' lists;
- «Начать» / «Продолжить» under the bot's own offer of the next round and its reminder.

The survey is one Form (``sv``): the identity steps apply until the user is linked, then the
script's steps (bot/forms/vaccination.py), the summary and the confirmation, which stores the
answers exactly like a call's.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.forms import engine, vaccination
from bot.forms.engine import Ctx, Done, Form, Say, Stay, Step, build_router
from bot.forms.widgets import choice_step
from bot.keyboards.callbacks import SurveyCb
from bot.keyboards.menus import language_choice, main_menu
from bot.services import campaign_alerts, campaign_links
from bot.services.campaign_calls import first_name
from bot.services.campaign_links import Begin, Begun, Check, LinkState
from bot.services.timing import QuietHours
from bot.services.users import Roles
from bot.services.volunteers import normalize_phone
from models import CampaignPerson, LinkRelation, User
from scheduler.jobs.campaigns import ack_data

router = Router(name=__name__)
# Only the link's /start: it goes before the plain /start (handlers/__init__.py); the form
# and the rest go after the common handlers, so «Отмена» and /cancel work as in every form.
start_router = Router(name=f"{__name__}.start")

RELATIVES = tuple(r for r in LinkRelation if r != LinkRelation.SELF)


def _quiet(ctx: Ctx) -> QuietHours:
    settings: Settings = ctx.extra["settings"]
    return QuietHours.parse(settings.quiet_hours)


def _relation(data: Mapping[str, Any]) -> str:
    if data.get("who") == "relative":
        return str(data.get("relation") or LinkRelation.OTHER)
    return str(data.get("relation") or LinkRelation.SELF) if data.get("linked") else "self"


def _not_linked(data: Mapping[str, Any]) -> bool:
    return not data.get("linked")


# --- the identity steps ------------------------------------------------------------------------
def _check_question(ctx: Ctx) -> str:
    if not ctx.data.get("link_id"):
        return ctx._("survey-ask-contact")
    return ctx._("survey-ask-check", who=ctx.data.get("who") or "self")


async def _end(ctx: Ctx, text: str) -> Stay:
    """The form ends here (locked, not linked, nothing to answer now): the reply keyboard
    gives way to the main menu."""
    await engine.finish(ctx)
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=main_menu(ctx._, ctx.roles))
    return Stay()


def not_now_text(_: Any, begun: Begun) -> str:
    name = html.escape(first_name(begun.person.full_name)) if begun.person else ""
    if begun.result == Begin.LATER and begun.due_on is not None:
        return str(_("survey-later", name=name, date=begun.due_on.strftime("%d.%m.%Y")))
    return str(_(f"survey-not-now-{begun.result.value}", name=name))


async def _verified(ctx: Ctx, person_id: int) -> Done | Stay:
    begun = await campaign_links.begin(ctx.db, person_id, ctx.chat_id, ctx.clock.now(), _quiet(ctx))
    if begun.result not in (Begin.STARTED, Begin.AGAIN) or begun.person is None:
        return await _end(ctx, not_now_text(ctx._, begun))
    name = first_name(begun.person.full_name)
    await ctx.bot.send_message(ctx.chat_id, ctx._("survey-verified", name=html.escape(name)))
    return Done(
        {
            "verified": True,
            "linked": True,
            "person_id": person_id,
            "round": begun.person.round,
            "zone": begun.zone,
            "name": name,
        }
    )


async def _check(ctx: Ctx, message: Message) -> Done | Say | Stay | None:
    now = ctx.clock.now()
    link_id = ctx.data.get("link_id")
    relation = _relation(ctx.data)
    if message.contact is not None:
        if message.contact.user_id != ctx.chat_id:  # someone else's card: proves nothing
            return Say(ctx._("survey-contact-not-yours"))
        phone = normalize_phone(message.contact.phone_number)
        if link_id:
            if not await campaign_links.contact_matches(ctx.db, int(link_id), phone):
                return Say(ctx._("survey-contact-mismatch"))
            if not await campaign_links.link_user(
                ctx.db, int(link_id), ctx.chat_id, relation, "contact", now
            ):
                return await _end(ctx, ctx._("survey-link-used"))
            return await _verified(ctx, int(ctx.data["person_id"]))
        linked = (
            await campaign_links.link_by_contact(ctx.db, ctx.chat_id, phone, relation, now)
            if phone
            else []
        )
        if not linked:
            return await _end(ctx, ctx._("survey-contact-unknown"))
        # The first person with questions now is asked about; the others' come as offers.
        for person_id in linked[:-1]:
            begun = await campaign_links.begin(ctx.db, person_id, ctx.chat_id, now, _quiet(ctx))
            if begun.result in (Begin.STARTED, Begin.AGAIN):
                return await _verified(ctx, person_id)
        return await _verified(ctx, linked[-1])
    if message.text is None:
        return None
    if not link_id:
        return Say(ctx._("survey-contact-only"))
    answer = campaign_links.digits(message.text)
    if len(answer) != campaign_links.CHECK_DIGITS:
        return Say(ctx._("survey-check-format"))
    checked = await campaign_links.check_identity(
        ctx.db, int(link_id), ctx.chat_id, answer, relation, now
    )
    if checked.result == Check.PASSED:
        return await _verified(ctx, int(ctx.data["person_id"]))
    if checked.result == Check.WRONG:
        return Say(ctx._("survey-check-wrong", left=checked.tries_left))
    key = {
        Check.LOCKED: "survey-link-locked",
        Check.TAKEN: "survey-link-used",
        Check.INVALID: "survey-link-invalid",
    }[checked.result]
    return await _end(ctx, ctx._(key))


# --- confirming -------------------------------------------------------------------------------
async def _confirm(ctx: Ctx) -> bool:
    data, db, _ = ctx.data, ctx.db, ctx._
    settings: Settings = ctx.extra["settings"]
    now = ctx.clock.now()
    answers = vaccination.answers_of(data)
    answers["created_at"] = now.isoformat()
    token = str(data[engine.TOKEN])
    done = await campaign_links.record(
        db,
        int(data["person_id"]),
        ctx.chat_id,
        now,
        _quiet(ctx),
        answers=answers,
        form_token=token,
        round_seen=int(data["round"]),
    )
    await ctx.state.clear()
    menu = main_menu(_, ctx.roles)
    unwell = answers.get("feeling") == "unwell"
    if isinstance(done, campaign_links.NotRecorded):
        lines = [_(f"survey-not-recorded-{done.value}")]
        if unwell:  # nobody will read it: the person must not wait for a medic's call
            lines.append(_("survey-unwell-call-103"))
        await ctx.bot.send_message(ctx.chat_id, "\n\n".join(lines), reply_markup=menu)
        return True
    lines = [_("survey-saved" if done.plan is not None or not done.fresh else "survey-saved-kept")]
    if done.fresh and unwell:  # kept even when a volunteer has the person now
        await campaign_alerts.raise_alert(
            db,
            person_id=done.person.id,
            contact_id=done.contact.id,
            reported_by=ctx.chat_id,
            note=answers.get("unwell_note"),
            now=now,
            ack_data=ack_data,
            admin_ids=settings.admin_ids,
        )
        lines.append(_("survey-unwell-sent"))
    if done.plan is not None and answers.get("ride"):
        # Only a user whose own phone is the person's (Telegram-verified contact) follows the
        # ride in «Мои заявки»: its card holds the address and the door code. Otherwise the
        # volunteer arranges it by the phone on the list.
        owner = await campaign_links.linked_by(db, done.person.id) == "contact"
        request_id = await vaccination.ride_request(
            ctx,
            done.person,
            token,
            now,
            requester_id=ctx.chat_id if owner else None,
            entered_by=None if owner else ctx.chat_id,
        )
        lines.append(_("survey-ride-created", id=request_id, follow="yes" if owner else "no"))
    await ctx.bot.send_message(ctx.chat_id, "\n\n".join(lines), reply_markup=menu)
    return True


SURVEY = Form(
    code="sv",
    steps=[
        choice_step(
            "who",
            "survey-ask-who",
            "who",
            lambda ctx: [("self", ctx._("btn-survey-self")), ("relative", ctx._("btn-survey-rel"))],
            when=_not_linked,
        ),
        choice_step(
            "rel",
            "survey-ask-relation",
            "relation",
            lambda ctx: [(r.value, ctx._(f"survey-relation-{r.value}")) for r in RELATIVES],
            columns=2,
            when=lambda d: _not_linked(d) and d.get("who") == "relative",
        ),
        Step(
            name="check",
            question=_check_question,
            fills="verified",
            on_message=_check,
            contact=True,
            hint="survey-check-format",
            when=lambda d: not d.get("verified"),
        ),
        *vaccination.script_steps(
            unwell_question="survey-ask-unwell", guard=lambda d: bool(d.get("verified"))
        ),
    ],
    summary=vaccination.summary,
    confirm=_confirm,
)


# --- entry points -----------------------------------------------------------------------------
async def _context(chat_id: int, kwargs: Mapping[str, Any]) -> Ctx:
    return await engine.context(chat_id, kwargs, SURVEY)


async def _leave_any_form(state: FSMContext, bot: Bot, chat_id: int) -> None:
    """A link opened in the middle of another form: that form ends (as /start ends it)."""
    if await state.get_state() is not None:
        await engine.tidy(bot, chat_id, await state.get_data())
        await state.clear()


async def _go(ctx: Ctx, person_id: int) -> None:
    """The linked user's questions about ``person_id`` now, or why not now."""
    now = ctx.clock.now()
    begun = await campaign_links.begin(ctx.db, person_id, ctx.chat_id, now, _quiet(ctx))
    if begun.result not in (Begin.STARTED, Begin.AGAIN) or begun.person is None:
        await ctx.bot.send_message(
            ctx.chat_id, not_now_text(ctx._, begun), reply_markup=main_menu(ctx._, ctx.roles)
        )
        return
    person = begun.person
    name = first_name(person.full_name)
    await engine.start(
        ctx,
        {
            "verified": True,
            "linked": True,
            "person_id": person_id,
            "round": person.round,
            "zone": begun.zone,
            "name": name,
        },
        intro=ctx._("survey-go", name=html.escape(name)),
    )


@start_router.message(CommandStart(deep_link=True, magic=F.args.startswith("s_")))
async def cmd_start_link(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    bot: Bot,
    roles: Roles,
    user: User,
    **kwargs: Any,
) -> None:
    chat_id = message.chat.id
    await _leave_any_form(state, bot, chat_id)
    token = campaign_links.token_of(command.args)
    opened = (
        await campaign_links.open_link(db, token, chat_id)
        if token
        else campaign_links.Opened(LinkState.INVALID)
    )
    menu = main_menu(i18n.get, roles)
    if opened.state in (LinkState.INVALID, LinkState.LOCKED, LinkState.USED):
        await message.answer(i18n.get(f"survey-link-{opened.state.value}"), reply_markup=menu)
        return
    deps = {"state": state, "i18n": i18n, "db": db, "bot": bot, "roles": roles, **kwargs}
    ctx = await _context(chat_id, deps)
    if opened.state == LinkState.MINE:
        await _go(ctx, opened.person_id)
        return
    if user.locale is None:
        # Telegram's apps have no Kazakh interface: the language is offered before anything.
        await message.answer(
            i18n.get("language-choose-first"), reply_markup=language_choice(i18n.get)
        )
    await engine.start(
        ctx,
        {"link_id": opened.link_id, "person_id": opened.person_id},
        intro=i18n.get("survey-intro"),
    )


@router.message(Command("survey", ignore_case=True))
async def cmd_survey(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    bot: Bot,
    roles: Roles,
    **kwargs: Any,
) -> None:
    chat_id = message.chat.id
    if await state.get_state() is not None:
        await message.answer(i18n.get("form-finish-first"))
        return
    deps = {"state": state, "i18n": i18n, "db": db, "bot": bot, "roles": roles, **kwargs}
    ctx = await _context(chat_id, deps)
    linked = await campaign_links.linked_people(db, chat_id)
    now = ctx.clock.now()
    first: Begun | None = None
    for person_id in linked:
        begun = await campaign_links.begin(db, person_id, chat_id, now, _quiet(ctx))
        if begun.result in (Begin.STARTED, Begin.AGAIN):
            await _go(ctx, person_id)
            return
        first = first or begun
    if first is not None:
        await message.answer(not_now_text(i18n.get, first), reply_markup=main_menu(i18n.get, roles))
        return
    await engine.start(ctx, {}, intro=i18n.get("survey-contact-intro"))


@router.callback_query(SurveyCb.filter())
async def cb_go(
    query: CallbackQuery,
    callback_data: SurveyCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    raw_state: str | None,
    i18n: I18nContext,
    db: AsyncSession,
    bot: Bot,
    roles: Roles,
    **kwargs: Any,
) -> None:
    chat_id = query.from_user.id
    person_id = callback_data.id
    if person_id not in await campaign_links.linked_people(db, chat_id):
        callback_answer.text = i18n.get("stale-button")
        callback_answer.show_alert = True
        return
    deps = {"state": state, "i18n": i18n, "db": db, "bot": bot, "roles": roles, **kwargs}
    ctx = await _context(chat_id, deps)
    if raw_state is not None:
        if raw_state.startswith(f"{SURVEY.code}:") and ctx.data.get("person_id") == person_id:
            person = await db.get(CampaignPerson, person_id)
            if person is not None and ctx.data.get("round") == person.round:
                # The same survey: its current question (or summary) again, right here.
                name = raw_state.partition(":")[2]
                if name == engine.SUMMARY:
                    await engine.show_summary(ctx)
                else:
                    await engine.ask(ctx, SURVEY.step(name))
                return
            # An earlier round's survey left open: this round starts afresh.
            await _leave_any_form(state, bot, chat_id)
        else:
            callback_answer.text = i18n.get("form-finish-first")
            callback_answer.show_alert = True
            return
    await _go(ctx, person_id)


router.include_router(build_router(SURVEY))
