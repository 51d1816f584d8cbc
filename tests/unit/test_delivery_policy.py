"""The limiter and the retry policy, with fake time."""

from __future__ import annotations

import random

import pytest
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage

from bot.delivery.limiter import LimiterConfig, RateLimiter
from bot.delivery.retry import Outcome, RetryPolicy, classify


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(t: FakeTime, **config: float) -> RateLimiter:
    return RateLimiter(LimiterConfig(**config), now=t, sleep=t.sleep)  # type: ignore[arg-type]


async def test_global_pace_spreads_messages() -> None:
    t = FakeTime()
    lim = limiter(t, per_second=25.0)
    start = t.now
    for chat in range(1, 101):  # 100 different people
        await lim.acquire(chat)
    # 100 messages at 25/s: the last one goes ~3.96 s after the first, never faster.
    assert t.now - start == pytest.approx(99 / 25)


async def test_one_message_per_second_per_private_chat() -> None:
    t = FakeTime()
    lim = limiter(t, per_second=1000.0, private_interval=1.0)
    start = t.now
    for _ in range(5):
        await lim.acquire(42)
    assert t.now - start == pytest.approx(4.0)
    # Another person is not held up by the first one's pace.
    assert lim.delay(43) == pytest.approx(0.0, abs=1e-3)


async def test_twenty_per_minute_per_group() -> None:
    t = FakeTime()
    lim = limiter(t, per_second=1000.0, group_per_minute=20)
    start = t.now
    for _ in range(20):
        await lim.acquire(-100)
    assert t.now - start < 1.0
    await lim.acquire(-100)  # the 21st waits for the window
    assert t.now - start == pytest.approx(60.0, abs=0.1)


async def test_retry_after_pauses_only_that_chat() -> None:
    t = FakeTime()
    lim = limiter(t, per_second=1000.0)
    lim.note_retry_after(7, 5)
    assert lim.delay(7) == pytest.approx(5.0)
    assert lim.delay(8) == pytest.approx(0.0, abs=1e-3)
    assert lim.globally_paused_for == pytest.approx(0.0, abs=1e-3)


async def test_retry_after_from_many_chats_slows_everyone() -> None:
    t = FakeTime()
    lim = limiter(t, per_second=1000.0, slowdown_chats=3)
    for chat in (1, 2, 3):
        lim.note_retry_after(chat, 4)
    assert lim.delay(99) == pytest.approx(4.0)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=5, base=2.0, cap=30.0, rng=random.Random(1))
    for attempt, ceiling in [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (5, 30.0), (9, 30.0)]:
        waits = {policy.backoff(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(waits) > 1  # jittered
    assert not policy.gives_up(4)
    assert policy.gives_up(5)


METHOD = SendMessage(chat_id=1, text="x")


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (TelegramRetryAfter(METHOD, "Too Many Requests: retry after 7", 7), Outcome.RETRY_AFTER),
        (TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user"), Outcome.BLOCKED),
        (TelegramBadRequest(METHOD, "Bad Request: message is not modified: x"), Outcome.DONE),
        (TelegramBadRequest(METHOD, "Bad Request: message is too long"), Outcome.FAILED),
        (TelegramBadRequest(METHOD, "Bad Request: chat not found"), Outcome.FAILED),
        (TelegramServerError(METHOD, "Bad Gateway"), Outcome.TRANSIENT),
        (TelegramNetworkError(METHOD, "timeout"), Outcome.TRANSIENT),
        (TimeoutError(), Outcome.TRANSIENT),
        (  # a gateway's HTML page instead of an answer
            ClientDecodeError("Failed to decode object", ValueError("<html>"), "<html>502"),
            Outcome.TRANSIENT,
        ),
    ],
)
def test_telegram_answers_decide_the_outcome(exc: BaseException, outcome: Outcome) -> None:
    verdict = classify(exc)
    assert verdict.outcome is outcome
    if outcome is Outcome.RETRY_AFTER:
        assert verdict.retry_after == 7
    if outcome is Outcome.FAILED and isinstance(exc, TelegramBadRequest):
        assert exc.message in verdict.reason


async def test_a_direct_reply_takes_its_place_in_the_pace() -> None:
    t = FakeTime()
    lim = limiter(t, per_second=25.0, private_interval=1.0)
    lim.book_direct(42)  # a reply to 42 went out now, without waiting
    assert lim.delay(42) == pytest.approx(1.0)  # the outbox's next message to 42 waits
    assert lim.delay(43) == pytest.approx(1 / 25)  # and everyone else's its pace
