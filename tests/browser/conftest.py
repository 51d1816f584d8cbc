"""Browser tests: the sandbox chat page in Chromium through Playwright, against the real bot.

They need the Python package ``playwright`` (in the dev extras) and a Chromium on this machine
(Playwright's own browser download is not used): on Debian/Ubuntu ``apt-get install -y
chromium`` (``make test`` and ``.ci/run`` do it when run as root), or CHROMIUM=/path/to/chrome.
Without them the tests skip and say so; in CI (CI=true or REQUIRE_TEST_SERVICES=1) they fail.
Screenshots go to $ARTIFACTS_DIR, else tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from bot import sandbox_setup
from bot.sandbox import Emulator
from tests.e2e.conftest import BotRunner, StartBot, clock, drained, emulator, start_bot

if TYPE_CHECKING:
    from playwright.async_api import Browser, Locator, Page
else:
    try:  # the assertions' own timeout, as long as the page's
        from playwright.async_api import expect

        expect.set_options(timeout=15_000)
    except ImportError:  # the fixture says how to get it
        pass

__all__ = ["clock", "emulator", "start_bot"]  # the e2e fixtures, used here too

pytestmark = pytest.mark.browser

ADMIN = 1000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones home at start, and on a closed network its
    # connections are refused.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW_TO_GET_A_BROWSER = (
    "install Chromium: `apt-get install -y chromium` (Debian/Ubuntu; `make test` and .ci/run "
    "do it when run as root), or point CHROMIUM at a Chrome/Chromium binary; the Python "
    "package comes with `pip install -e '.[dev]'` (playwright)"
)
REQUIRED = os.environ.get("CI") == "true" or os.environ.get("REQUIRE_TEST_SERVICES") == "1"
TIMEOUT = 15_000  # ms: a push goes through the outbox and its per-chat pacing
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR") or Path(__file__).parent.parent / "artifacts")


def _unavailable(why: str) -> NoReturn:
    message = f"browser tests cannot run: {why}; {HOW_TO_GET_A_BROWSER}"
    if REQUIRED:
        pytest.fail(message)
    pytest.skip(message)


def chromium_path() -> str | None:
    found = os.environ.get("CHROMIUM")
    if found:
        return found if Path(found).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed")
    executable = chromium_path()
    if executable is None:
        _unavailable("no Chromium found (chromium, chromium-browser, google-chrome or $CHROMIUM)")
    async with async_playwright() as playwright:
        try:
            launched = await playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS
            )
        except Exception as exc:  # a broken install: say which and how to fix it
            _unavailable(f"{executable} did not start ({str(exc).splitlines()[0]})")
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Sandbox:
    """The page's world: the real bot, the emulator with demo people, and a browser."""

    emulator: Emulator
    runner: BotRunner
    browser: Browser

    @property
    def url(self) -> str:
        return self.emulator.base_url + "/"

    async def page(self, fragment: str = "", width: int = 1400, height: int = 860) -> Page:
        page = await self.browser.new_page(viewport={"width": width, "height": height})
        page.set_default_timeout(TIMEOUT)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors  # type: ignore[attr-defined]
        await page.goto(self.url + (f"#{fragment}" if fragment else ""))
        return page


@pytest.fixture
async def sandbox(emulator: Emulator, start_bot: StartBot, browser: Browser) -> Sandbox:
    """The bot as `python -m bot sandbox` runs it: HQ coordinator 1000, Kuzbass, demo data."""
    sandbox_setup.add_admins(emulator, [ADMIN], "ru")
    runner = await start_bot(overrides={"territories": "kuzbass"}, admin_ids=[ADMIN])
    assert runner.app is not None
    await sandbox_setup.prepare(emulator, runner.app, demo=True)
    await drained(runner)  # the demo's pushes are out: each test starts from a quiet sandbox
    return Sandbox(emulator, runner, browser)


async def screenshot(page: Page, name: str) -> Path:
    """A test artifact: $ARTIFACTS_DIR (or tests/artifacts)/NAME.png (the folder is made)."""
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=False)  # Playwright makes the folder
    return path


# --- looking at one pane ---------------------------------------------------------------------
def pane(page: Page, user_id: int) -> Locator:
    return page.locator(f'.chat[data-user="{user_id}"]')


async def send(chat: Locator, text: str) -> None:
    await chat.locator(".text-input").fill(text)
    await chat.locator(".send-btn").click()


def bot_message(chat: Locator, pattern: str | re.Pattern[str]) -> Locator:
    return chat.locator(".msg.bot").filter(has_text=pattern).last


def inline(chat: Locator, label: str) -> Locator:
    exact = re.compile("^" + re.escape(label) + "$")
    return chat.locator(".inline-keyboard button").filter(has_text=exact).last


def reply_button(chat: Locator, label: str) -> Locator:
    exact = re.compile("^" + re.escape(label) + "$")
    return chat.locator(".reply-keyboard button").filter(has_text=exact)


async def newest_in_view(chat: Locator) -> dict[str, Any]:
    """Where the newest message is against the message list's visible box."""
    result: dict[str, Any] = await chat.evaluate(
        """(root) => {
            const list = root.querySelector('.messages');
            const last = list.lastElementChild;
            const box = list.getBoundingClientRect();
            const r = last.getBoundingClientRect();
            return {visible: r.bottom <= box.bottom + 1 && r.top >= box.top - 1,
                    gap: box.bottom - r.bottom, text: last.textContent};
        }"""
    )
    return result
