"""The sandbox chat page, driven in Chromium as a newcomer would use it."""

from __future__ import annotations

import asyncio
import math
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot import demo_data

from .conftest import (
    ADMIN,
    HOW_TO_GET_A_BROWSER,
    REQUIRED,
    Sandbox,
    bot_message,
    inline,
    newest_in_view,
    pane,
    reply_button,
    screenshot,
    send,
)

try:
    from playwright.async_api import Locator, Page, expect
except ImportError:  # pragma: no cover - only without the dev extras
    if REQUIRED:
        raise
    pytest.skip(f"playwright is not installed; {HOW_TO_GET_A_BROWSER}", allow_module_level=True)

pytestmark = pytest.mark.browser

CITIZEN_KK = 3002  # Сәуле, Kazakh, demo citizen
VOLUNTEER_KK = 2002  # Айгерім, Kazakh, delivery in Kemerovo (demo)
KEMEROVO = (55.35, 86.09)
KAZAKH = re.compile(r"[әғқңөұүһі]")


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = (a[0] - b[0]) * 111.32
    dlon = (a[1] - b[1]) * 111.32 * math.cos(math.radians(a[0]))
    return math.hypot(dlat, dlon)


KK = {
    "ask": "🆘 Көмек сұрау",
    "self": "Өзіме",
    "phone": "📱 Нөмірмен бөлісу",
    "territory": "Кемерово қалалық округі",
    "next": "Әрі қарай ▶️",
    "location": "📍 Орналасқан жерді жіберу",
    "today": "🚨 Бүгін",
    "soon": "3 күн ішінде",
    "any_time": "Кез келген уақытта",
    "consent": "✅ Келісемін",
    "summary": "Өтінімді тексеріңіз",
    "confirm": "✅ Растау",
    "created": r"№ \d+ өтінім қабылданды",
}
RU = {
    "ask": "🆘 Попросить о помощи",
    "self": "Для меня",
    "phone": "📱 Поделиться контактом",
    "territory": "Кемеровский городской округ",
    "next": "Далее ▶️",
    "location": "📍 Отправить геопозицию",
    "today": "🚨 Сегодня",
    "soon": "В течение 3 дней",
    "any_time": "В любое время",
    "consent": "✅ Даю согласие",
    "summary": "Проверьте заявку",
    "confirm": "✅ Подтвердить",
    "created": r"Заявка № \d+ принята",
}


async def _file_request(
    page: Page,
    citizen: Locator,
    words: dict[str, str],
    kind: str,
    name: str,
    address: str,
    details: str,
) -> Locator:
    """The help request form, for oneself in Kemerovo, through the page's buttons and the
    location picker; returns the bot's «created» message."""
    await send(citizen, words["ask"])
    await inline(citizen, kind).click()
    await inline(citizen, words["self"]).click()
    await send(citizen, name)
    await reply_button(citizen, words["phone"]).click()
    territory = inline(citizen, words["territory"])
    for _ in range(10):
        await expect(inline(citizen, words["next"]).or_(territory).first).to_be_visible()
        if await territory.count():
            break
        await inline(citizen, words["next"]).click()
    await territory.click()
    await send(citizen, address)
    # The location button opens the picker: a point near the territory's centre.
    await reply_button(citizen, words["location"]).click()
    dialog = page.locator("#location-dialog")
    await expect(dialog).to_be_visible()
    await expect(page.locator("#place-select option:checked")).to_have_text(
        "Кемеровский городской округ"
    )
    point = (
        float(await page.locator("#lat-input").input_value()),
        float(await page.locator("#lon-input").input_value()),
    )
    assert _km(point, KEMEROVO) <= 4.1, point
    await page.locator("#location-send").click()
    await expect(dialog).to_be_hidden()
    await expect(citizen.locator(".msg.me").last).to_contain_text(f"{point[0]:.5f}")
    await send(citizen, details)
    # The sandbox runs on the wall clock: a «today» request raised in Kemerovo's night goes
    # to the coordinators on duty and reaches volunteers only in the morning (issue 19), so
    # at night the request is for the next three days, which volunteers are offered at once.
    hour = datetime.now(ZoneInfo("Asia/Novokuznetsk")).hour
    await inline(citizen, words["soon" if hour >= 22 or hour < 8 else "today"]).click()
    await inline(citizen, words["any_time"]).click()
    await inline(citizen, words["consent"]).click()
    await expect(bot_message(citizen, words["summary"])).to_be_visible()
    await inline(citizen, words["confirm"]).click()
    created = bot_message(citizen, re.compile(words["created"]))
    await expect(created).to_be_visible()
    return created


async def test_a_request_travels_from_citizen_to_volunteer_side_by_side(
    sandbox: Sandbox,
) -> None:
    page = await sandbox.page(f"panes={CITIZEN_KK},{VOLUNTEER_KK},{ADMIN}")
    citizen, volunteer, coordinator = (pane(page, i) for i in (CITIZEN_KK, VOLUNTEER_KK, ADMIN))
    # Three people, each with their own id, name and language.
    await expect(citizen.locator(".chat-title")).to_have_text("Сәуле Омарова")
    await expect(citizen.locator(".chat-sub")).to_contain_text(f"id {CITIZEN_KK} · kk")
    await expect(volunteer.locator(".chat-sub")).to_contain_text("kk · volunteer: delivery")
    await expect(coordinator.locator(".chat-sub")).to_contain_text("ru · coordinator (HQ)")
    # The demo's open request is already in the volunteer's chat as a push.
    await expect(bot_message(volunteer, "№ 1 тапсырма")).to_be_visible()

    # The citizen files a request in Kazakh, through the page's buttons.
    created = await _file_request(
        page, citizen, KK, "Азық-түлік", "Сәуле Омарова", "Абай көшесі, 10", "Нан, сүт, шай"
    )
    number = re.search(r"№ (\d+)", await created.inner_text())
    assert number is not None
    request_id = number.group(1)

    # The push reaches the volunteer in the other pane, who takes it.
    push = bot_message(volunteer, f"№ {request_id} тапсырма")
    await expect(push).to_be_visible()
    assert (await newest_in_view(volunteer))["visible"]
    await inline(volunteer, "Мен орындаймын").click()
    # The bot's answer to the button is a toast inside the pane, under its header.
    toast = volunteer.locator(".toast")
    await expect(toast).to_contain_text(f"№ {request_id}")
    header = await volunteer.locator(".chat-header").bounding_box()
    box = await toast.bounding_box()
    assert header is not None and box is not None
    assert box["y"] >= header["y"] + header["height"], (box, header)
    await expect(bot_message(volunteer, "Мекенжай: Абай көшесі, 10")).to_be_visible()

    # The citizen sees the status change, in Kazakh.
    taken = bot_message(citizen, f"№ {request_id} өтінімді ерікті алды: Айгерім")
    await expect(taken).to_be_visible()
    assert (await newest_in_view(citizen))["visible"]
    await inline(volunteer, "🚶 Жолдамын").click()
    await expect(bot_message(citizen, f"№ {request_id}")).to_contain_text("жолда")
    await screenshot(page, "side-by-side-request")
    assert page.errors == []  # type: ignore[attr-defined]


async def test_a_request_nobody_can_take_alerts_the_coordinators(sandbox: Sandbox) -> None:
    page = await sandbox.page("panes=3001,1100,1000")
    citizen, local, hq = (pane(page, i) for i in (3001, 1100, ADMIN))
    await expect(local.locator(".chat-sub")).to_contain_text("id 1100 · ru · coordinator")
    # Nobody in Kemerovo clears snow (the demo's household volunteers are in Novokuznetsk).
    created = await _file_request(
        page, citizen, RU, "Уборка снега", "Галина Сергеевна", "ул. Весенняя, 12", "Крыльцо"
    )
    number = re.search(r"№ (\d+)", await created.inner_text())
    assert number is not None
    alert = f"Заявка № {number.group(1)} (Уборка снега, Кемеровский городской округ)"
    for coordinator in (local, hq):
        await expect(bot_message(coordinator, alert)).to_contain_text("без исполнителя")
        assert (await newest_in_view(coordinator))["visible"]
    await screenshot(page, "side-by-side-coordinator-alert")
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_newest_message_is_in_view_on_opening_and_after_each_message(
    sandbox: Sandbox,
) -> None:
    citizen = sandbox.emulator.user(3001)
    await citizen.send_text("/start")
    await citizen.wait_messages(1, timeout=10)
    for i in range(12):  # a long chat: far more than a screen
        await citizen.send_text(f"Сообщение {i}")
        await citizen.wait_messages(1, timeout=10)
    assert citizen.reply_keyboard, "the main menu keyboard is expected under the chat"

    page = await sandbox.page("user=3001", height=700)
    chat = pane(page, 3001)
    await expect(chat.locator(".reply-keyboard")).to_be_visible()
    await expect(chat.locator(".msg").last).to_be_visible()
    where = await newest_in_view(chat)
    assert where["visible"], where
    await screenshot(page, "newest-on-opening")

    # A message the person sends, and the answer.
    await send(chat, "Ещё одно сообщение")
    answer = chat.locator('.msg.me:has-text("Ещё одно сообщение") ~ .msg.bot').last
    await expect(answer).to_be_visible()
    assert (await newest_in_view(chat))["visible"]

    # A message the bot sends on its own (a push), while the page waits.
    assert sandbox.runner.app is not None
    await sandbox.runner.app.bot.send_message(3001, "Уведомление от штаба")
    await expect(bot_message(chat, "Уведомление от штаба")).to_be_visible()
    where = await newest_in_view(chat)
    assert where["visible"] and "Уведомление от штаба" in where["text"], where

    # Scrolled up to read: a new message does not pull the view, a button offers it.
    await chat.locator(".messages").evaluate("(list) => { list.scrollTop = 0; }")
    await asyncio.sleep(0.2)
    await sandbox.runner.app.bot.send_message(3001, "Ещё уведомление")
    await expect(chat.locator(".jump")).to_be_visible()
    await chat.locator(".jump").click()
    assert (await newest_in_view(chat))["visible"]
    assert page.errors == []  # type: ignore[attr-defined]


async def test_a_kazakh_speaking_person_sees_kazakh(sandbox: Sandbox) -> None:
    page = await sandbox.page()
    form = page.locator("#new-person")
    await form.locator('input[name="id"]').fill("4242")
    await form.locator('input[name="first_name"]').fill("Нұрлан")
    await form.locator('select[name="language_code"]').select_option("kk")
    await form.locator('button[type="submit"]').click()
    chat = pane(page, 4242)
    await expect(chat.locator(".chat-sub")).to_contain_text("id 4242 · kk")
    await send(chat, "/start")
    greeting = chat.locator(".msg.bot").first
    await expect(greeting).to_be_visible()
    assert KAZAKH.search(await greeting.inner_text()), await greeting.inner_text()
    await expect(chat.locator(".reply-keyboard")).to_contain_text("Көмек сұрау")
    await screenshot(page, "kazakh")


async def test_the_page_is_usable_on_a_phone(sandbox: Sandbox) -> None:
    page = await sandbox.page("user=3001", width=390, height=844)
    chat = pane(page, 3001)
    await send(chat, "/start")
    await expect(chat.locator(".msg.bot").first).to_be_visible()
    sizes = await page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            sidebar: document.querySelector('.sidebar').getBoundingClientRect().right,
            bubble: document.querySelector('.msg.bot').getBoundingClientRect().width,
            input: document.querySelector('.chat .text-input').getBoundingClientRect().width,
        })"""
    )
    assert sizes["page"] <= 390, sizes  # nothing wider than the phone
    assert sizes["sidebar"] <= 0, sizes  # the people list is a drawer, closed
    assert sizes["bubble"] >= 200, sizes  # messages are not one word a line
    assert sizes["input"] >= 100, sizes
    assert (await newest_in_view(chat))["visible"]
    await screenshot(page, "phone-chat")
    # The drawer opens with the header's button, and picking someone closes it.
    await chat.locator(".people-btn").click()
    await expect(page.locator(".sidebar")).to_be_in_viewport()
    await screenshot(page, "phone-people")
    await page.locator('#people li[data-user="2001"] .who').click()
    await expect(pane(page, 2001).locator(".chat-title")).to_have_text("Иван Петров")
    await expect(page.locator(".sidebar")).not_to_be_in_viewport()
    # Side by side on a phone: one pane at a time, a swipe or the arrows to the next.
    await page.goto(sandbox.url + "#panes=3001,2001,1000")
    first, second = pane(page, 3001), pane(page, 2001)
    await expect(first.locator(".chat-title")).to_be_in_viewport(ratio=0.9)
    await expect(second.locator(".chat-title")).not_to_be_in_viewport()
    await first.locator(".pane-next").click()
    await expect(second.locator(".chat-header")).to_be_in_viewport(ratio=1)  # scrolled there
    await expect(second.locator(".msg.bot").last).to_be_in_viewport()
    await screenshot(page, "phone-side-by-side")
    assert page.errors == []  # type: ignore[attr-defined]


async def test_location_picker_typed_coordinates_and_another_territory(sandbox: Sandbox) -> None:
    page = await sandbox.page("user=3003")
    chat = pane(page, 3003)
    await expect(chat.locator(".composer")).to_be_visible()
    await chat.locator(".location-btn").click()
    await page.locator("#place-select").select_option(label="Новокузнецкий городской округ")
    lat = float(await page.locator("#lat-input").input_value())
    assert abs(lat - 53.76) < 0.1, lat  # moved to Novokuznetsk's centre
    await page.locator("#lat-input").fill("54.5")
    await page.locator("#lon-input").fill("87.25")
    await page.locator("#location-send").click()
    await expect(chat.locator(".msg.me").last).to_contain_text("54.50000, 87.25000")
    [sent] = [m for m in sandbox.emulator.user(3003).messages if m.location]
    assert sent.location == {
        "latitude": 54.5,
        "longitude": 87.25,
    }


async def test_favicon_and_persistence_notice(sandbox: Sandbox) -> None:
    page = await sandbox.page()
    icon = await page.request.get(sandbox.url + "favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")
    await expect(page.locator("#persistence")).to_contain_text("not kept")
    # Everyone from the demo data is on the page, the HQ coordinator from the start.
    people = page.locator("#people li")
    await expect(people).to_have_count(len(demo_data.PEOPLE) + 1)
    await expect(page.locator('#people li[data-user="1000"]')).to_contain_text("coordinator")
