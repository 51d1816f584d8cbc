"""What to do after a failed send: Telegram's answer decides."""

from __future__ import annotations

import asyncio
import enum
import random
from dataclasses import dataclass, field

import aiohttp
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)


class Outcome(enum.Enum):
    RETRY_AFTER = "retry_after"  # 429: that chat waits retry_after
    TRANSIENT = "transient"  # 5xx, network: back off and try again
    BLOCKED = "blocked"  # 403: the person blocked the bot
    DONE = "done"  # "message is not modified": the edit is already there
    FAILED = "failed"  # 400 and the rest: retrying cannot help


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    reason: str
    retry_after: float = 0.0


def classify(exc: BaseException) -> Verdict:
    if isinstance(exc, TelegramRetryAfter):
        return Verdict(Outcome.RETRY_AFTER, f"429: retry after {exc.retry_after}", exc.retry_after)
    if isinstance(exc, TelegramForbiddenError):
        return Verdict(Outcome.BLOCKED, f"403: {exc.message}")
    if isinstance(exc, TelegramBadRequest):
        if "message is not modified" in exc.message:
            return Verdict(Outcome.DONE, "400: message is not modified")
        return Verdict(Outcome.FAILED, f"400: {exc.message}")
    if isinstance(exc, TelegramServerError | TelegramNetworkError):
        return Verdict(Outcome.TRANSIENT, f"{type(exc).__name__}: {exc.message}")
    if isinstance(exc, ClientDecodeError):
        # No Bot API answer at all (a proxy's or gateway's HTML error page): the message may
        # not have reached Telegram; trying again is the at-least-once choice.
        return Verdict(Outcome.TRANSIENT, f"ClientDecodeError: {exc.message}")
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError):
        return Verdict(Outcome.TRANSIENT, type(exc).__name__)
    return Verdict(Outcome.FAILED, type(exc).__name__)


@dataclass(slots=True)
class RetryPolicy:
    """Exponential back-off with jitter, up to ``max_attempts`` failed tries."""

    max_attempts: int = 8
    base: float = 2.0
    cap: float = 600.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, failed_attempts: int) -> float:
        """Seconds to wait after the n-th failed attempt (n >= 1): half fixed, half random."""
        ceiling = min(self.cap, self.base * 2 ** max(0, failed_attempts - 1))
        return self.rng.uniform(ceiling / 2, ceiling)

    def gives_up(self, failed_attempts: int) -> bool:
        return failed_attempts >= self.max_attempts
