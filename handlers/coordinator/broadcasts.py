"""/broadcast (issue 20): a coordinator writes to many people at once.

The compose form runs on the form engine (code "bcf"): who (everyone, volunteers, citizens,
subscribers of the safety tips), where (everywhere for the HQ, the coordinator's own
territories, or one of them), a skill (volunteers), the language, recent activity, an
optional photo, the Russian and the Kazakh text (each may be skipped, but a language somebody
in the audience reads needs its text) and, for the HQ, urgency (urgent ignores the quiet
hours). The summary comes after the preview: the very messages each language will get. The
confirm stores the broadcast and answers at once; the ``broadcasts`` job enqueues the people
in chunks and keeps the author's progress message up to date; «✖️ Отменить рассылку» under it
stops what is not sent yet.
"""

from __future__ import annotations

import hashlib
from typing import Any

from aiogram import F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.forms import engine
from bot.forms.engine import Ctx, Done, Form, Step
from bot.forms.widgets import choice_step, territory_step
from bot.keyboards.callbacks import BroadcastCb
from bot.keyboards.menus import main_menu
from bot.services import audit, broadcasts
from bot.services.broadcasts import Audience, Composition
from bot.services.territories import all_territories
from bot.services.users import Roles
from bot.services.volunteers import SKILLS
from scheduler.jobs import broadcasts as job

router = Router(name=__name__)

ANY = "any"
HQ_FLAG = "_hq"
PREVIEWED = "_previewed"  # what the last preview showed: shown again only when it changed


# --- the form's steps --------------------------------------------------------------------------
def _where_options(ctx: Ctx) -> list[tuple[str, str]]:
    first = ("all", ctx._("broadcast-where-all"))
    if not ctx.roles.is_hq:
        first = ("mine", ctx._("broadcast-where-mine"))
    return [first, ("one", ctx._("broadcast-where-one"))]


def _scope(ctx: Ctx) -> list[int] | None:
    return None if ctx.roles.is_hq else sorted(ctx.roles.territory_ids)


def _limit(ctx: Ctx) -> int:
    return broadcasts.CAPTION_MAX if ctx.data.get("photo") else broadcasts.TEXT_MAX


def _text_step(locale: str) -> Step:
    fills = f"text_{locale}"

    async def question(ctx: Ctx) -> str:
        return ctx._(f"broadcast-ask-{locale}", max=_limit(ctx))

    async def on_message(ctx: Ctx, message: Message) -> Done | engine.Say | None:
        if message.text is None:
            return None
        shown = len(message.text.encode("utf-16-le")) // 2  # as Telegram counts
        if not message.text.strip() or shown > _limit(ctx):
            return engine.Say(ctx._("broadcast-bad-text", max=_limit(ctx)))
        # As Telegram gave it, bold and links included: the recipients see what was typed.
        return Done({fills: message.html_text})

    return Step(
        fills,
        question,
        fills,
        on_message=on_message,
        when=lambda data: data.get("language") in ("both", locale),
        hint="broadcast-bad-text",
        skip={fills: ""},
    )


async def _photo(ctx: Ctx, message: Message) -> Done | None:
    if not message.photo:
        return None
    return Done({"photo": message.photo[-1].file_id}, shown=ctx._("broadcast-photo-yes"))


async def _photo_question(ctx: Ctx) -> str:
    return ctx._("broadcast-ask-photo")


BROADCAST_FORM_STEPS: list[Step] = [
    choice_step(
        "kind",
        "broadcast-ask-kind",
        "kind",
        lambda ctx: [(k, ctx._("broadcast-kind", kind=k)) for k in broadcasts.KINDS],
    ),
    choice_step("where", "broadcast-ask-where", "where", _where_options),
    territory_step(
        "territory",
        "broadcast-ask-territory",
        scope=_scope,
        out_of_scope="broadcast-out-of-scope",
        when=lambda data: data.get("where") == "one",
    ),
    choice_step(
        "skill",
        "broadcast-ask-skill",
        "skill",
        lambda ctx: (
            [(ANY, ctx._("broadcast-skill-any"))] + [(s, ctx._(f"skill-{s}")) for s in SKILLS]
        ),
        when=lambda data: data.get("kind") == "volunteers",
    ),
    choice_step(
        "language",
        "broadcast-ask-language",
        "language",
        lambda ctx: [
            (lang, ctx._("broadcast-language", language=lang)) for lang in broadcasts.LANGUAGES
        ],
    ),
    choice_step(
        "active",
        "broadcast-ask-active",
        "active",
        lambda ctx: [(str(d), ctx._("broadcast-active", days=d)) for d in broadcasts.ACTIVE_DAYS],
        columns=2,
    ),
    Step(
        "photo",
        _photo_question,
        "photo",
        on_message=_photo,
        hint="broadcast-bad-photo",
        skip={"photo": ""},
    ),
    _text_step("ru"),
    _text_step("kk"),
    choice_step(
        "urgent",
        "broadcast-ask-urgent",
        "urgent",
        lambda ctx: [("no", ctx._("broadcast-urgent-no")), ("yes", ctx._("broadcast-urgent-yes"))],
        when=lambda data: bool(data.get(HQ_FLAG)),
    ),
]


# --- what the answers mean ---------------------------------------------------------------------
def audience_of(data: dict[str, Any], roles: Roles) -> Audience:
    where = data.get("where")
    territories: tuple[int, ...] = ()
    if where == "one" and data.get("territory_id"):
        territories = (int(data["territory_id"]),)
    elif where == "mine" or not roles.is_hq:
        territories = tuple(sorted(roles.territory_ids))
    skill = data.get("skill") if data.get("kind") == "volunteers" else None
    return Audience(
        kind=str(data.get("kind") or "all"),
        territory_ids=territories,
        skill=None if skill in (None, ANY) else str(skill),
        language=str(data.get("language") or "both"),
        active_days=int(data.get("active") or 0),
    )


def _texts(data: dict[str, Any]) -> dict[str, str | None]:
    language = data.get("language") or "both"
    return {
        lang: (str(data.get(f"text_{lang}") or "") or None) if language in ("both", lang) else None
        for lang in broadcasts.LOCALES
    }


def _urgent(ctx: Ctx) -> bool:
    return ctx.roles.is_hq and ctx.data.get("urgent") == "yes"


def _refusal(ctx: Ctx, audience: Audience, found: Composition) -> str | None:
    """Why this cannot be sent as it is (None: it can)."""
    texts = _texts(ctx.data)
    photo = bool(ctx.data.get("photo"))
    if not broadcasts.allowed(ctx.roles, audience, urgent=_urgent(ctx)):
        return ctx._("broadcast-out-of-scope")
    if not any(texts.values()):
        return ctx._("broadcast-no-text")
    if any(broadcasts.too_long(t, photo=photo) for t in texts.values()):
        if photo:
            return ctx._("broadcast-too-long", max=broadcasts.CAPTION_MAX)
        return ctx._("broadcast-too-long-text", max=broadcasts.TEXT_MAX)
    lang, readers = broadcasts.missing_language(found, texts)
    if lang:
        return ctx._("broadcast-missing-language", locale=lang, count=readers)
    if found.reachable == 0:
        return ctx._("broadcast-nobody")
    return None


def _settings(ctx: Ctx) -> Settings:
    settings: Settings = ctx.extra["settings"]
    return settings


async def _composition(ctx: Ctx, audience: Audience) -> Composition:
    return await broadcasts.composition(
        ctx.db, audience, ctx.clock.now(), _settings(ctx).default_locale
    )


async def _preview(ctx: Ctx, found: Composition) -> None:
    """The messages themselves, as each language will get them (once per change)."""
    texts = _texts(ctx.data)
    photo = str(ctx.data.get("photo") or "") or None
    shown = hashlib.sha1(repr((texts, photo, found.by_locale)).encode()).hexdigest()[:16]
    if ctx.data.get(PREVIEWED) == shown:
        return
    for lang, text in texts.items():
        if not text or broadcasts.too_long(text, photo=bool(photo)):
            continue
        await ctx.bot.send_message(
            ctx.chat_id,
            ctx._("broadcast-preview-title", locale=lang, count=found.by_locale.get(lang, 0)),
        )
        if photo:
            await ctx.bot.send_photo(ctx.chat_id, photo, caption=text)
        else:
            await ctx.bot.send_message(ctx.chat_id, text)
    ctx.data[PREVIEWED] = shown
    await ctx.state.update_data({PREVIEWED: shown})


async def _where_text(ctx: Ctx, audience: Audience) -> str:
    if not audience.territory_ids:
        return ctx._("broadcast-where-all")
    names = {t.id: t.name(ctx.i18n.locale) for t in await all_territories(ctx.db)}
    return ", ".join(html.quote(names.get(t, str(t))) for t in audience.territory_ids)


async def _summary(ctx: Ctx) -> str:
    audience = audience_of(ctx.data, ctx.roles)
    found = await _composition(ctx, audience)
    await _preview(ctx, found)
    skill = audience.skill
    summary = ctx._(
        "broadcast-summary",
        kind=ctx._("broadcast-kind", kind=audience.kind),
        where=await _where_text(ctx, audience),
        skill=ctx._(f"skill-{skill}") if skill else ctx._("broadcast-skill-any"),
        language=ctx._("broadcast-language", language=audience.language),
        active=ctx._("broadcast-active", days=audience.active_days),
        urgent=ctx._("broadcast-urgent-yes" if _urgent(ctx) else "broadcast-urgent-no"),
        reachable=found.reachable,
        ru=found.by_locale.get("ru", 0),
        kk=found.by_locale.get("kk", 0),
        blocked=found.blocked,
    )
    refusal = _refusal(ctx, audience, found)
    return f"{summary}\n\n{refusal or ctx._('broadcast-summary-ok')}"


async def _confirm(ctx: Ctx) -> bool:
    audience = audience_of(ctx.data, ctx.roles)
    found = await _composition(ctx, audience)
    refusal = _refusal(ctx, audience, found)
    if refusal is not None:
        await ctx.bot.send_message(ctx.chat_id, refusal)
        await engine.show_summary(ctx)
        return False
    now = ctx.clock.now()
    settings = _settings(ctx)
    texts = _texts(ctx.data)
    broadcast, fresh = await broadcasts.create(
        ctx.db,
        author_id=ctx.chat_id,
        audience=audience,
        texts=texts,
        photo_file_id=str(ctx.data.get("photo") or "") or None,
        urgent=_urgent(ctx),
        rate=settings.delivery_rate,
        now=now,
        form_token=str(ctx.data[engine.TOKEN]),
    )
    if fresh:
        await audit.record(
            ctx.db,
            actor_id=ctx.chat_id,
            action="broadcast",
            now=now,
            roles=ctx.roles,
            target=f"broadcast:{broadcast.id}",
            details={
                "audience": audience.to_json(),
                "languages": [lang for lang, text in texts.items() if text],
                "photo": bool(broadcast.photo_file_id),
                "urgent": broadcast.urgent,
                "reachable": found.reachable,
                "blocked": found.blocked,
            },
        )
    await ctx.state.clear()
    await ctx.bot.send_message(
        ctx.chat_id,
        ctx._("broadcast-started", id=broadcast.id),
        reply_markup=main_menu(ctx._, ctx.roles),
    )
    scheduler: AsyncIOScheduler | None = ctx.extra.get("scheduler")
    job.run_soon(scheduler)
    return True


BROADCAST_FORM = Form(
    code="bcf",
    steps=BROADCAST_FORM_STEPS,
    summary=_summary,
    confirm=_confirm,
    groups={
        "aud": ["kind", "where", "territory", "skill", "language", "active"],
        "txt": ["photo", "text_ru", "text_kk"],
        "urg": ["urgent"],
    },
    edit_buttons=lambda ctx: [
        ("aud", "btn-broadcast-edit-audience"),
        ("txt", "btn-broadcast-edit-texts"),
        *([("urg", "btn-broadcast-edit-urgent")] if ctx.roles.is_hq else []),
    ],
    confirm_label="btn-broadcast-send",
)
router.include_router(engine.build_router(BROADCAST_FORM))


@router.message(Command("broadcast", ignore_case=True), StateFilter(None))
async def cmd_broadcast(message: Message, roles: Roles, **kwargs: Any) -> None:
    ctx = await engine.context(message.chat.id, {**kwargs, "roles": roles}, BROADCAST_FORM)
    await engine.start(ctx, {HQ_FLAG: roles.is_hq}, intro=ctx._("broadcast-start"))


@router.message(Command("broadcast", ignore_case=True))
async def cmd_broadcast_busy(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("form-finish-first"))


# --- cancelling midway -------------------------------------------------------------------------
@router.callback_query(BroadcastCb.filter(F.a == "x"))
async def cb_cancel_broadcast(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    scheduler: AsyncIOScheduler | None = None,
) -> None:
    broadcast = await broadcasts.get(db, callback_data.id)
    if broadcast is None:
        callback_answer.text = i18n.get("stale-button")
        return
    if broadcast.author_id != query.from_user.id and not roles.is_hq:
        callback_answer.text = i18n.get("broadcast-not-yours")
        callback_answer.show_alert = True
        return
    now = clock.now()
    skipped = await broadcasts.cancel(db, broadcast.id, query.from_user.id, now)
    if skipped is None:
        callback_answer.text = i18n.get("broadcast-not-live")
        return
    await audit.record(
        db,
        actor_id=query.from_user.id,
        action="broadcast_cancelled",
        now=now,
        roles=roles,
        target=f"broadcast:{broadcast.id}",
        details={"not_sent": skipped},
    )
    callback_answer.text = i18n.get("broadcast-cancelled")
    job.run_soon(scheduler)
