"""/audit: the HQ reads the log of coordinator actions, filtered by person, action, period."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from aiogram import Router, html
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.formatting import format_datetime
from bot.keyboards.callbacks import AuditPageCb
from bot.keyboards.coordinators import audit_pages
from bot.services import audit
from bot.services.coordinators import find_person
from bot.telegram import edit_text

router = Router(name=__name__)

PAGE = 10
EPOCH = date(1970, 1, 1)
_DATE = r"\d{2}\.\d{2}\.\d{4}"
_PERIOD = re.compile(rf"^({_DATE})(?:\.\.({_DATE}))?$")
_ACTION = re.compile(r"^[a-z_]{3,20}$")
# Every action code written to the log has words in both languages (locales/*/conversation.ftl,
# "audit-action-<code with dashes>"); a test keeps this list complete. The codes stay in the
# database and in /audit filters; an unknown one (an older version's) is shown as it is.
ACTIONS = frozenset(
    {
        "appoint", "dismiss", "approve_volunteer", "reject_volunteer", "block_volunteer",
        "unblock_volunteer", "view_application", "view_volunteer", "view_request",
        "hotline_request", "request_assigned", "request_reoffered", "request_failed",
        "request_erased", "task_declined", "callback_request", "callback_closed",
        "view_callbacks", "denied_command", "denied_callback", "denied_scope",
        "campaign_create", "campaign_pause", "campaign_resume", "campaign_close",
        "campaign_import", "campaign_import_refused", "campaign_to_visits",
        "campaign_export", "campaign_links", "campaign_link_linked", "campaign_link_locked",
        "consultation_taken", "consultation_closed",
        "event_create", "event_attendance", "event_call_off",
        "tip_saved",
        "export",
        "broadcast", "broadcast_cancelled", "delivery_export",
        "series_start", "series_pause", "series_resume", "series_skip", "series_end",
        "request_note", "request_cancelled", "request_reassigned", "request_asked",
        "request_replaced",
        "volunteer_award", "dobro_export",
        "care_team_create", "care_schedule", "care_member_add", "care_member_replace",
        "care_visit_hand_over", "care_team_end", "care_person_erase",
    }
)  # fmt: skip


ACTION_KEYS = {action: "audit-action-" + action.replace("_", "-") for action in ACTIONS}


def action_words(i18n: I18nContext, action: str) -> str:
    key = ACTION_KEYS.get(action)
    return i18n.get(key) if key else html.quote(action)


class BadFilter(ValueError):
    pass


def _day(text: str) -> int:
    return (datetime.strptime(text, "%d.%m.%Y").date() - EPOCH).days


async def _parse(args: str, db: AsyncSession) -> AuditPageCb:
    page = AuditPageCb(offset=0)
    for token in args.split():
        if m := _PERIOD.match(token):
            try:
                since = _day(m.group(1))
                until = _day(m.group(2) or m.group(1)) + 1
            except ValueError as exc:
                raise BadFilter(token) from exc
            page = page.model_copy(update={"since": since, "until": until})
        elif token.lstrip("-").isdigit() and abs(int(token)) >= 2**52:
            raise BadFilter(token)  # no Telegram id is that long
        elif token.startswith("@") or token.lstrip("-").isdigit():
            person = await find_person(db, token)
            actor = person.id if person else (int(token) if token.lstrip("-").isdigit() else None)
            if actor is None:
                raise BadFilter(token)
            page = page.model_copy(update={"actor": actor})
        elif _ACTION.match(token):
            page = page.model_copy(update={"action": token})
        else:
            raise BadFilter(token)
    return page


def _short(scope: str, limit: int = 60) -> str:
    """A coordinator of many territories: the first codes and a count, so a page fits."""
    if len(scope) <= limit:
        return scope
    codes = scope.split(",")
    shown: list[str] = []
    for code in codes:
        if len(",".join([*shown, code])) > limit - 8:
            break
        shown.append(code)
    return f"{','.join(shown)} +{len(codes) - len(shown)}"


def _moment(days: int, settings: Settings) -> datetime:
    local = datetime.combine(EPOCH + timedelta(days=days), datetime.min.time(), tzinfo=settings.tz)
    return local.astimezone(UTC)


async def _render(
    page: AuditPageCb, i18n: I18nContext, db: AsyncSession, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None]:
    where = audit.AuditFilter(
        actor_id=page.actor or None,
        action=page.action or None,
        since=_moment(page.since, settings) if page.since else None,
        until=_moment(page.until, settings) if page.until else None,
    )
    found = await audit.find(db, where, offset=page.offset, limit=PAGE)
    entries = found.entries
    if not entries:
        return i18n.get("audit-empty") + "\n\n" + i18n.get("audit-usage"), None
    lines = [
        i18n.get(
            "audit-title",
            first=page.offset + 1,
            last=page.offset + len(entries),
            total=i18n.get("audit-total-over", count=found.cap) if found.over_cap else found.total,
        )
    ]
    for entry in entries:
        lines.append(
            i18n.get(
                "audit-row",
                when=format_datetime(entry.created_at, settings.tz),
                actor=str(entry.actor_id),
                action=action_words(i18n, entry.action),
                target=html.quote(entry.target or "-"),
                scope=html.quote(_short(entry.scope)),
            )
        )
    return "\n".join(lines), audit_pages(i18n.get, page, found.total, PAGE)


@router.message(Command("audit", ignore_case=True))
async def cmd_audit(
    message: Message,
    command: CommandObject,
    i18n: I18nContext,
    db: AsyncSession,
    settings: Settings,
) -> None:
    try:
        page = await _parse((command.args or "")[:200], db)
    except BadFilter as exc:
        await message.answer(
            i18n.get("audit-bad-filter", token=html.quote(str(exc)))
            + "\n"
            + i18n.get("audit-usage")
        )
        return
    text, markup = await _render(page, i18n, db, settings)
    await message.answer(text, reply_markup=markup)


@router.callback_query(AuditPageCb.filter())
async def cb_audit_page(
    query: CallbackQuery,
    callback_data: AuditPageCb,
    i18n: I18nContext,
    db: AsyncSession,
    settings: Settings,
) -> None:
    text, markup = await _render(callback_data, i18n, db, settings)
    if isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)
