"""The volunteer sign-up form, on the form engine: name, phone, territory, skills, age,
availability, DOBRO.RF, consent, then a summary to edit or confirm. The same form edits an
approved volunteer's profile (opened on its summary; the territory stays)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.types import Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import Button
from bot.forms import engine
from bot.forms.engine import Ctx, Done, Form
from bot.forms.widgets import choice_step, phone_step, territory_step, text_step, toggles_step
from bot.keyboards.callbacks import ApplicationCb
from bot.keyboards.menus import main_menu
from bot.keyboards.requests import take_data
from bot.presenters import application_card, volunteer_fields
from bot.services import help_requests, outbox, volunteers
from bot.services.outbox import Button as OutButton
from bot.services.outbox import OutgoingMessage, Text
from bot.services.territories import all_territories
from bot.services.users import Roles, locale_of
from models import Priority, Territory, Volunteer

router = Router(name=__name__)

ALREADY = {
    "pending": "signup-already-pending",
    "approved": "signup-already-volunteer",
    "blocked": "signup-blocked",
}
# The summary's edit buttons: one step each (a profile keeps its territory).
EDITABLE = ("name", "phone", "territory", "skills", "age", "availability", "dobro")


def _skill(ctx: Ctx, option: str) -> str:
    return ctx._(f"skill-{option}")


def _availability(ctx: Ctx, option: str) -> str:
    return ctx._(f"availability-{option}")


async def _consent(ctx: Ctx, value: str, page: int) -> Done | None:
    if value != "yes":
        return None
    return Done({"consent_at": ctx.clock.now().isoformat()}, shown=ctx._("btn-agree"))


async def _consent_keyboard(ctx: Ctx) -> list[list[Any]]:
    return [[ctx.button("consent", ctx._("btn-agree"), "yes")]]


async def _summary(ctx: Ctx) -> str:
    data = ctx.data
    territory = await ctx.db.get(Territory, data["territory_id"])
    fields = volunteer_fields(
        ctx._,
        name=data["name"],
        phone=data["phone"],
        territory=territory.name(ctx.i18n.locale) if territory else "?",
        skills=data["skills"],
        age_group=data["age_group"],
        availability=data["availability"],
        dobro_id=data.get("dobro_id"),
    )
    return ctx._("signup-summary", **fields) + "\n\n" + ctx._("signup-summary-hint")


def _edit_buttons(ctx: Ctx) -> list[tuple[str, str]]:
    profile = bool(ctx.data.get("profile_id"))
    return [(f, f"btn-edit-{f}") for f in EDITABLE if not (profile and f == "territory")]


async def _confirm(ctx: Ctx) -> bool:
    return await confirm_signup(ctx)


SIGNUP = Form(
    code="su",
    steps=[
        text_step("name", "signup-ask-name", "name", volunteers.clean_name, "signup-bad-name"),
        phone_step(
            "phone",
            "signup-ask-phone",
            "phone",
            "signup-bad-phone",
            own_contact_only="signup-not-own-contact",
        ),
        territory_step("territory", "signup-ask-territory"),
        toggles_step(
            "skills", "signup-ask-skills", "skills", volunteers.SKILLS, _skill, "signup-pick-skill"
        ),
        choice_step(
            "age",
            "signup-ask-age",
            "age_group",
            lambda ctx: [(group, ctx._(f"age-{group}")) for group in volunteers.AGE_GROUPS],
        ),
        toggles_step(
            "availability",
            "signup-ask-availability",
            "availability",
            volunteers.AVAILABILITY,
            _availability,
            "signup-pick-availability",
        ),
        text_step(
            "dobro",
            "signup-ask-dobro",
            "dobro_id",
            volunteers.clean_dobro,
            "signup-bad-dobro",
            skip={"dobro_id": None},
            required=False,
        ),
        engine.Step(
            "consent",
            lambda ctx: ctx._("signup-consent") + "\n\n" + ctx._("signup-ask-consent"),
            "consent_at",
            keyboard=_consent_keyboard,
            on_choice=_consent,
        ),
    ],
    summary=_summary,
    confirm=_confirm,
    groups={field: [field] for field in EDITABLE},
    edit_buttons=_edit_buttons,
)
router.include_router(engine.build_router(SIGNUP))


# --- entry --------------------------------------------------------------------------------
@router.message(Command("volunteer", ignore_case=True), StateFilter(None))
@router.message(Button("btn-become-volunteer"), StateFilter(None))
async def cmd_volunteer(
    message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles, **kwargs: Any
) -> None:
    record = await volunteers.live_record(db, message.chat.id)
    if record is not None:
        await message.answer(
            i18n.get(ALREADY[record.status]), reply_markup=main_menu(i18n.get, roles)
        )
        return
    if not await all_territories(db):
        await message.answer(i18n.get("signup-no-territories"))
        return
    ctx = await engine.context(
        message.chat.id, {**kwargs, "i18n": i18n, "db": db, "roles": roles}, SIGNUP
    )
    await engine.start(ctx, {}, intro=i18n.get("signup-start"))


async def edit_profile(ctx: Ctx, volunteer_id: int) -> None:
    """Open the form's summary on an existing profile; confirming updates it."""
    volunteer = await ctx.db.get(Volunteer, volunteer_id)
    if volunteer is None:
        return
    await engine.open_summary(
        ctx,
        {
            "profile_id": volunteer.id,
            "name": volunteer.name,
            "phone": volunteer.phone,
            "territory_id": volunteer.territory_id,
            "skills": list(volunteer.skills),
            "age_group": volunteer.age_group,
            "availability": list(volunteer.availability),
            "dobro_id": volunteer.dobro_id,
            "consent_at": volunteer.consent_at.isoformat(),
        },
    )


async def confirm_signup(ctx: Ctx) -> bool:
    """Apply (coordinators get the application with Approve/Reject), or update the profile."""
    data, db, i18n, bot, roles = ctx.data, ctx.db, ctx.i18n, ctx.bot, ctx.roles
    settings, translator = ctx.extra["settings"], ctx.extra["translator"]
    user_id = ctx.chat_id
    now = ctx.clock.now()
    application = volunteers.Application(
        name=data["name"],
        phone=data["phone"],
        territory_id=int(data["territory_id"]),
        skills=tuple(data["skills"]),
        age_group=data["age_group"],
        availability=tuple(data["availability"]),
        dobro_id=data.get("dobro_id"),
    )
    if data.get("profile_id"):
        # Editing an existing profile, not applying: the record is updated in place.
        updated = await volunteers.update_profile(
            db, int(data["profile_id"]), user_id, application, now
        )
        if updated:  # a new territory or skill: what is searching there reaches them
            await help_requests.offer_waiting(
                db,
                now,
                take_data=take_data,
                default_locale=settings.default_locale,
                volunteer_id=int(data["profile_id"]),
            )
        await ctx.state.clear()
        key = "profile-updated" if updated else "profile-not-volunteer"
        await bot.send_message(user_id, i18n.get(key), reply_markup=main_menu(i18n.get, roles))
        return True
    try:
        consented = data.get("consent_at")
        volunteer = await volunteers.submit(
            db,
            user_id,
            application,
            now,
            consent_at=datetime.fromisoformat(consented) if consented else None,
        )
    except volunteers.AlreadyApplied as exc:
        await ctx.state.clear()
        await bot.send_message(
            user_id,
            i18n.get(ALREADY[exc.status]),
            reply_markup=main_menu(i18n.get, roles),
        )
        return True
    territory = await db.get(Territory, volunteer.territory_id)
    for coordinator_id in await volunteers.coordinators_of(
        db, volunteer.territory_id, settings.admin_ids
    ):
        locale = await locale_of(db, coordinator_id, settings.default_locale)
        await outbox.enqueue(
            db,
            chat_id=coordinator_id,
            message=OutgoingMessage(
                Text(
                    literal=application_card(
                        partial(translator.get, locale),
                        volunteer,
                        territory.name(locale) if territory else "?",
                    )
                ),
                buttons=[
                    [
                        OutButton(
                            Text(key="btn-approve"),
                            callback_data=ApplicationCb(id=volunteer.id, action="ok").pack(),
                        ),
                        OutButton(
                            Text(key="btn-reject"),
                            callback_data=ApplicationCb(id=volunteer.id, action="no").pack(),
                        ),
                    ]
                ],
                locale=locale,
            ),
            key=f"vol:{volunteer.id}:app:{coordinator_id}",
            now=now,
            priority=Priority.NORMAL,
            personal=True,
        )
    await ctx.state.clear()
    await bot.send_message(
        user_id,
        i18n.get("signup-sent", id=volunteer.id),
        reply_markup=main_menu(i18n.get, roles),
    )
    return True
