"""Conversation details of issue 14 that need no bot: audit actions in words, local times,
the menu of each role, and the outbox record of a notice that carries a keyboard."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.commands import commands_of
from bot.formatting import local, zone_of
from bot.services.outbox import Button, OutgoingMessage, Text
from bot.services.users import Roles
from handlers.coordinator.audit import ACTION_KEYS, ACTIONS

ROOT = Path(__file__).resolve().parents[2]
HQ = ZoneInfo("Asia/Almaty")


def _codes_written() -> set[str]:
    """Every action code passed to audit.record anywhere in the code."""
    codes: set[str] = set()
    for folder in ("bot", "handlers", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for call in re.finditer(r"(?:audit\.)?record\((.*?)\n\s*\)", text, re.S):
                found = re.search(r"action=([^\n]*)", call.group(1))
                if found:
                    codes.update(re.findall(r'"([a-z_]+)"', found.group(1)))
    return codes


def test_every_audit_action_reads_in_both_languages() -> None:
    written = _codes_written()
    assert {"appoint", "view_request", "denied_command"} <= written, "the scan is stale"
    assert written - ACTIONS == set()
    for locale in ("ru", "kk"):
        text = "".join(
            p.read_text(encoding="utf-8") for p in (ROOT / "locales" / locale).glob("*.ftl")
        )
        missing = [key for key in ACTION_KEYS.values() if f"\n{key} =" not in text]
        assert missing == [], (locale, missing)


def test_times_read_in_the_territorys_zone_else_the_hqs() -> None:
    moment = datetime(2026, 12, 5, 4, 15, tzinfo=UTC)
    assert local(moment, "Asia/Novokuznetsk", HQ) == "05.12.2026 11:15"
    assert local(moment, None, HQ) == "05.12.2026 09:15"
    assert zone_of("Not/AZone", HQ) is HQ


def test_the_command_menu_follows_the_volunteer_role() -> None:
    citizen, volunteer = commands_of(Roles()), commands_of(Roles(is_volunteer=True))
    assert "volunteer" in citizen and "tasks" not in citizen and "profile" not in citizen
    assert "volunteer" not in volunteer and {"tasks", "profile"} <= set(volunteer)


def test_a_notice_keeps_its_keyboard_through_the_outbox() -> None:
    for message in (
        OutgoingMessage(Text(key="volunteer-approved"), main_menu=True),
        OutgoingMessage(Text(key="request-done", args={"id": 7}), stars_for=7),
    ):
        payload = message.to_payload()
        assert OutgoingMessage.from_payload(payload).to_payload() == payload
    # An old row without the fields still reads.
    old = OutgoingMessage(Text(key="request-done")).to_payload()
    del old["main_menu"], old["stars_for"]
    assert OutgoingMessage.from_payload(old).main_menu is False


def test_a_message_carries_one_keyboard() -> None:
    with pytest.raises(ValueError):
        OutgoingMessage(
            Text(key="x"), buttons=[[Button(Text(key="btn-take-task"), "t")]], main_menu=True
        )
    with pytest.raises(ValueError):
        OutgoingMessage(Text(key="x"), main_menu=True, stars_for=1)
