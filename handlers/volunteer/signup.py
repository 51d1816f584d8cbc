"""The volunteer sign-up form: name, phone, territory, skills, age, availability, DOBRO.RF,
consent, then a summary to edit or confirm. Back and cancel work at every step; the form
lives in FSM storage, so it survives a restart."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.filters import ANSWER, Button
from bot.i18n import Translator
from bot.keyboards import volunteers as kb
from bot.keyboards.callbacks import ApplicationCb, SignupCb
from bot.keyboards.menus import main_menu
from bot.keyboards.requests import take_data
from bot.presenters import application_card, volunteer_fields
from bot.services import help_requests, outbox, volunteers
from bot.services.outbox import Button as OutButton
from bot.services.outbox import OutgoingMessage, Text
from bot.services.territories import all_territories, options_under
from bot.services.users import Roles, locale_of
from bot.telegram import edit_text
from models import Priority, Territory, Volunteer

router = Router(name=__name__)


class Signup(StatesGroup):
    name = State()
    phone = State()
    territory = State()
    skills = State()
    age = State()
    availability = State()
    dobro = State()
    consent = State()
    summary = State()


STEPS = [
    Signup.name,
    Signup.phone,
    Signup.territory,
    Signup.skills,
    Signup.age,
    Signup.availability,
    Signup.dobro,
    Signup.consent,
]
ALREADY = {
    "pending": "signup-already-pending",
    "approved": "signup-already-volunteer",
    "blocked": "signup-blocked",
}


# --- entry --------------------------------------------------------------------------------
@router.message(Command("volunteer", ignore_case=True), StateFilter(None))
@router.message(Button("btn-become-volunteer"), StateFilter(None))
async def cmd_volunteer(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, roles: Roles
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
    await state.set_state(Signup.name)
    await state.set_data({"skills": [], "availability": []})
    await message.answer(i18n.get("signup-start"))
    await _ask(message, state, i18n, db, Signup.name)


async def _ask(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, step: State
) -> None:
    """Put the form on ``step`` and ask its question."""
    await state.set_state(step)
    data = await state.get_data()
    _ = i18n.get
    if step == Signup.name:
        await message.answer(_("signup-ask-name"), reply_markup=kb.step_menu(_, back=False))
    elif step == Signup.phone:
        await message.answer(_("signup-ask-phone"), reply_markup=kb.step_menu(_, contact=True))
    elif step == Signup.territory:
        await state.update_data(territory_node=None)
        await message.answer(_("signup-ask-territory"), reply_markup=kb.step_menu(_))
        options = await options_under(db, None)
        await message.answer(
            _("signup-ask-territory"), reply_markup=kb.territories(_, options, 0, i18n.locale)
        )
    elif step == Signup.skills:
        await message.answer(_("signup-ask-skills"), reply_markup=kb.step_menu(_))
        await message.answer(_("signup-ask-skills"), reply_markup=kb.skills(_, set(data["skills"])))
    elif step == Signup.age:
        await message.answer(_("signup-ask-age"), reply_markup=kb.step_menu(_))
        await message.answer(_("signup-ask-age"), reply_markup=kb.ages(_))
    elif step == Signup.availability:
        await message.answer(_("signup-ask-availability"), reply_markup=kb.step_menu(_))
        await message.answer(
            _("signup-ask-availability"), reply_markup=kb.availability(_, set(data["availability"]))
        )
    elif step == Signup.dobro:
        await message.answer(_("signup-ask-dobro"), reply_markup=kb.step_menu(_, skip=True))
    elif step == Signup.consent:
        await message.answer(_("signup-ask-consent"), reply_markup=kb.step_menu(_))
        await message.answer(_("signup-consent"), reply_markup=kb.consent(_))
    else:
        await _show_summary(message, state, i18n, db)


async def _next(message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession) -> None:
    """After a valid answer: the next step, or back to the summary when editing."""
    data = await state.get_data()
    current = await state.get_state()
    if data.get("editing"):
        await _show_summary(message, state, i18n, db)
        return
    index = next(i for i, s in enumerate(STEPS) if s.state == current)
    await _ask(
        message, state, i18n, db, STEPS[index + 1] if index + 1 < len(STEPS) else Signup.summary
    )


# --- back, and the steps ------------------------------------------------------------------
@router.message(StateFilter(Signup), Button("btn-back"))
async def signup_back(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    current = await state.get_state()
    if (await state.get_data()).get("editing"):
        await _show_summary(message, state, i18n, db)  # back from one edit: to the summary
        return
    if current == Signup.summary.state:
        await _ask(message, state, i18n, db, Signup.consent)
        return
    index = next((i for i, s in enumerate(STEPS) if s.state == current), 0)
    await _ask(message, state, i18n, db, STEPS[max(0, index - 1)])


@router.message(Signup.name, ANSWER)
async def process_name(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    name = volunteers.clean_name(message.text)
    if name is None:
        await message.answer(i18n.get("signup-bad-name"))
        return
    await state.update_data(name=name)
    await _next(message, state, i18n, db)


@router.message(Signup.phone, F.contact)
async def process_contact(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    contact = message.contact
    assert contact is not None
    if contact.user_id != message.chat.id:
        await message.answer(i18n.get("signup-not-own-contact"))
        return
    await _take_phone(message, state, i18n, db, contact.phone_number)


@router.message(Signup.phone, ANSWER)
async def process_phone(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    await _take_phone(message, state, i18n, db, message.text or "")


async def _take_phone(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, text: str
) -> None:
    phone = volunteers.normalize_phone(text)
    if phone is None:
        await message.answer(i18n.get("signup-bad-phone"))
        return
    await state.update_data(phone=phone)
    await _next(message, state, i18n, db)


@router.callback_query(Signup.territory, SignupCb.filter(F.step.in_({"t", "tp"})))
async def cb_territory(
    query: CallbackQuery,
    callback_data: SignupCb,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return
    territories = {t.id: t for t in await all_territories(db)}
    if callback_data.step == "tp":
        parent = (await state.get_data()).get("territory_node")
        options = await options_under(db, parent)
        await edit_text(
            message,
            i18n.get("signup-ask-territory"),
            reply_markup=kb.territories(i18n.get, options, callback_data.page, i18n.locale),
        )
        return
    chosen = territories.get(int(callback_data.value)) if callback_data.value.isdigit() else None
    if chosen is None:
        return
    children = await options_under(db, chosen.id)
    if children:  # a region: choose one of its districts
        await state.update_data(territory_node=chosen.id)
        await edit_text(
            message,
            i18n.get("signup-ask-territory"),
            reply_markup=kb.territories(i18n.get, children, 0, i18n.locale),
        )
        return
    await state.update_data(territory_id=chosen.id, territory_node=None)
    await edit_text(
        message, f"{i18n.get('signup-ask-territory')} {html.quote(chosen.name(i18n.locale))}"
    )
    await _next(message, state, i18n, db)


@router.callback_query(
    StateFilter(Signup.skills, Signup.availability), SignupCb.filter(F.step.in_({"s", "v"}))
)
async def cb_toggle(
    query: CallbackQuery,
    callback_data: SignupCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    skills_step = callback_data.step == "s"
    if message is None or skills_step != (await state.get_state() == Signup.skills.state):
        return
    field, options = (
        ("skills", volunteers.SKILLS) if skills_step else ("availability", volunteers.AVAILABILITY)
    )
    chosen = set((await state.get_data()).get(field, []))
    if callback_data.value == "":  # Done
        if not chosen:
            callback_answer.text = i18n.get(
                "signup-pick-skill" if skills_step else "signup-pick-availability"
            )
            callback_answer.show_alert = True
            return
        prompt = "signup-ask-skills" if skills_step else "signup-ask-availability"
        labels = ", ".join(
            i18n.get(f"{'skill' if skills_step else 'availability'}-{o}")
            for o in options
            if o in chosen
        )
        await edit_text(message, f"{i18n.get(prompt)}\n{labels}")
        await _next(message, state, i18n, db)
        return
    if callback_data.value not in options:
        return
    chosen ^= {callback_data.value}
    await state.update_data({field: sorted(chosen)})
    markup = kb.skills(i18n.get, chosen) if skills_step else kb.availability(i18n.get, chosen)
    await edit_text(message, message.html_text, reply_markup=markup)


@router.callback_query(Signup.age, SignupCb.filter(F.step == "a"))
async def cb_age(
    query: CallbackQuery,
    callback_data: SignupCb,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    if message is None or callback_data.value not in volunteers.AGE_GROUPS:
        return
    await state.update_data(age_group=callback_data.value)
    await edit_text(
        message, f"{i18n.get('signup-ask-age')} {i18n.get(f'age-{callback_data.value}')}"
    )
    await _next(message, state, i18n, db)


@router.message(Signup.dobro, Button("btn-skip"))
async def process_dobro_skip(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    await state.update_data(dobro_id=None)
    await _next(message, state, i18n, db)


@router.message(Signup.dobro, ANSWER)
async def process_dobro(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    dobro = volunteers.clean_dobro(message.text)
    if dobro is None:
        await message.answer(i18n.get("signup-bad-dobro"))
        return
    await state.update_data(dobro_id=dobro)
    await _next(message, state, i18n, db)


@router.callback_query(Signup.consent, SignupCb.filter(F.step == "c"))
async def cb_consent(
    query: CallbackQuery, state: FSMContext, i18n: I18nContext, db: AsyncSession, clock: Clock
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return
    await state.update_data(consent_at=clock.now().isoformat())
    await edit_text(message, message.html_text + "\n\n" + i18n.get("btn-agree"))
    await _show_summary(message, state, i18n, db)


# --- summary, edit, confirm ---------------------------------------------------------------
async def edit_profile(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession, volunteer_id: int
) -> None:
    """Open the form's summary on an existing profile; confirming updates it."""
    volunteer = await db.get(Volunteer, volunteer_id)
    if volunteer is None:
        return
    await state.set_data(
        {
            "profile_id": volunteer.id,
            "name": volunteer.name,
            "phone": volunteer.phone,
            "territory_id": volunteer.territory_id,
            "skills": list(volunteer.skills),
            "age_group": volunteer.age_group,
            "availability": list(volunteer.availability),
            "dobro_id": volunteer.dobro_id,
        }
    )
    await _show_summary(message, state, i18n, db)


async def _show_summary(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    await state.set_state(Signup.summary)
    await state.update_data(editing=False)
    data = await state.get_data()
    territory = await db.get(Territory, data["territory_id"])
    fields = volunteer_fields(
        i18n.get,
        name=data["name"],
        phone=data["phone"],
        territory=territory.name(i18n.locale) if territory else "?",
        skills=data["skills"],
        age_group=data["age_group"],
        availability=data["availability"],
        dobro_id=data.get("dobro_id"),
    )
    await message.answer(i18n.get("signup-summary-hint"), reply_markup=kb.step_menu(i18n.get))
    profile = bool(data.get("profile_id"))
    await message.answer(
        i18n.get("signup-summary", **fields), reply_markup=kb.summary(i18n.get, profile=profile)
    )


FIELD_STEPS = {
    "name": Signup.name,
    "phone": Signup.phone,
    "territory": Signup.territory,
    "skills": Signup.skills,
    "age": Signup.age,
    "availability": Signup.availability,
    "dobro": Signup.dobro,
}


@router.callback_query(Signup.summary, SignupCb.filter(F.step == "e"))
async def cb_edit(
    query: CallbackQuery,
    callback_data: SignupCb,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
) -> None:
    step = FIELD_STEPS.get(callback_data.value)
    if step is None or not isinstance(query.message, Message):
        return
    if step == Signup.territory and (await state.get_data()).get("profile_id"):
        return  # a profile keeps its territory
    await state.update_data(editing=True)
    await _ask(query.message, state, i18n, db, step)


@router.callback_query(Signup.summary, SignupCb.filter(F.step == "ok"))
async def cb_confirm(
    query: CallbackQuery,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    translator: Translator,
    settings: Settings,
    bot: Bot,
) -> None:
    data = await state.get_data()
    now = clock.now()
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
            db, int(data["profile_id"]), query.from_user.id, application, now
        )
        if updated:  # a new territory or skill: what is searching there reaches them
            await help_requests.offer_waiting(
                db,
                now,
                take_data=take_data,
                default_locale=settings.default_locale,
                volunteer_id=int(data["profile_id"]),
            )
        await state.clear()
        await db.commit()
        if isinstance(query.message, Message):
            await edit_text(query.message, query.message.html_text)
        key = "profile-updated" if updated else "profile-not-volunteer"
        await bot.send_message(
            query.from_user.id, i18n.get(key), reply_markup=main_menu(i18n.get, roles)
        )
        return
    try:
        consented = data.get("consent_at")
        volunteer = await volunteers.submit(
            db,
            query.from_user.id,
            application,
            now,
            consent_at=datetime.fromisoformat(consented) if consented else None,
        )
    except volunteers.AlreadyApplied as exc:
        await state.clear()
        await bot.send_message(
            query.from_user.id,
            i18n.get(ALREADY[exc.status]),
            reply_markup=main_menu(i18n.get, roles),
        )
        return
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
    await state.clear()
    await db.commit()
    if isinstance(query.message, Message):
        await edit_text(query.message, query.message.html_text)
    await bot.send_message(
        query.from_user.id,
        i18n.get("signup-sent", id=volunteer.id),
        reply_markup=main_menu(i18n.get, roles),
    )


# --- anything else while the form is open: the step's question again ----------------------
@router.message(StateFilter(Signup), ~F.text.startswith("/"))
async def signup_unexpected(
    message: Message, state: FSMContext, i18n: I18nContext, db: AsyncSession
) -> None:
    current = await state.get_state()
    hints = {
        Signup.name.state: "signup-bad-name",
        Signup.phone.state: "signup-bad-phone",
        Signup.dobro.state: "signup-bad-dobro",
    }
    if current in hints:
        await message.answer(i18n.get(hints[current]))
        return
    await message.answer(i18n.get("form-use-buttons"))
