"""Telegram-like flood limits (429) and fault injection for delivery tests. Off by default."""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import ApiError, too_many_requests

JSON = dict[str, Any]

# Calls that put something into a chat and count against flood limits.
SENDING_METHODS = frozenset(
    {
        "sendmessage", "senddocument", "sendphoto", "sendsticker", "sendvideo", "sendaudio",
        "sendvoice", "sendanimation", "sendlocation", "sendcontact", "sendmediagroup",
        "copymessage", "forwardmessage", "editmessagetext", "editmessagecaption",
        "editmessagereplymarkup",
    }
)  # fmt: skip


@dataclass
class LimitConfig:
    global_per_second: float = 30.0
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0


class _Bucket:
    def __init__(self, capacity: float, rate: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.stamp = time.monotonic()

    def _refill(self) -> None:
        current = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (current - self.stamp) * self.rate)
        self.stamp = current

    def wait_time(self) -> float:
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class RateLimiter:
    def __init__(self, enabled: bool = False, config: LimitConfig | None = None) -> None:
        self.enabled = enabled
        self.config = config or LimitConfig()
        self._buckets: dict[tuple[int, int | None], _Bucket] = {}

    def configure(self, enabled: bool, config: LimitConfig | None = None) -> None:
        self.enabled = enabled
        if config is not None:
            self.config = config
        self._buckets.clear()

    def _bucket(self, bot_id: int, chat_id: int | None) -> _Bucket:
        key = (bot_id, chat_id)
        bucket = self._buckets.get(key)
        if bucket is None:
            cfg = self.config
            if chat_id is None:
                bucket = _Bucket(cfg.global_per_second, cfg.global_per_second)
            elif chat_id > 0:
                bucket = _Bucket(cfg.private_burst, cfg.private_per_second)
            else:
                bucket = _Bucket(cfg.group_per_minute, cfg.group_per_minute / 60)
            self._buckets[key] = bucket
        return bucket

    def check(self, bot_id: int, method: str, chat_id: int | None) -> None:
        """Raise a 429 ApiError when the call would exceed a limit; else count it."""
        if not self.enabled or method not in SENDING_METHODS:
            return
        buckets = [self._bucket(bot_id, None)]
        if chat_id is not None:
            buckets.append(self._bucket(bot_id, chat_id))
        wait = max(b.wait_time() for b in buckets)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take()

    def to_json(self) -> JSON:
        return {"enabled": self.enabled, **asdict(self.config)}


@dataclass
class FaultConfig:
    """Random faults; probabilities are per call of a matching method."""

    p_429: float = 0.0
    p_5xx: float = 0.0
    p_slow: float = 0.0
    retry_after: int = 1
    server_error_code: int = 502
    slow_seconds: float = 1.0
    # Lower-case method names; None means every method except getUpdates.
    methods: frozenset[str] | None = None
    seed: int | None = None


@dataclass
class FailRule:
    method: str  # lower-case
    remaining: int
    code: int
    chat_id: int | None = None
    retry_after: int = 1
    description: str | None = None
    # The call runs (a message is really sent), then the error is answered: a response lost
    # on the way back, as after a timeout or a crash of the proxy in front of Telegram.
    after_running: bool = False

    def to_json(self) -> JSON:
        return asdict(self)


_SERVER_ERRORS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def fault_error(code: int, retry_after: int = 1, description: str | None = None) -> ApiError:
    if code == 429:
        return too_many_requests(retry_after)
    if description is None:
        description = _SERVER_ERRORS.get(code) or (
            "Bad Request: injected fault" if code == 400 else "Injected fault"
        )
    return ApiError(code, description)


@dataclass
class FaultInjector:
    enabled: bool = False
    config: FaultConfig = field(default_factory=FaultConfig)
    rules: list[FailRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.config.seed)

    def configure(self, enabled: bool, config: FaultConfig | None = None) -> None:
        self.enabled = enabled
        if config is not None:
            self.config = config
            self._rng = random.Random(config.seed)

    def fail_next(
        self,
        method: str,
        count: int = 1,
        *,
        chat_id: int | None = None,
        code: int = 502,
        retry_after: int = 1,
        description: str | None = None,
        after_running: bool = False,
    ) -> FailRule:
        """Deterministically fail the next `count` calls of `method` (for `chat_id`);
        ``after_running``: the call takes effect and only its answer is the error."""
        rule = FailRule(
            method.lower(), count, code, chat_id, retry_after, description, after_running
        )
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def lost_answer(self, method: str, chat_id: int | None) -> ApiError | None:
        """An error to answer after running the method (a rule with ``after_running``)."""
        for rule in self.rules:
            if rule.after_running and rule.method == method and rule.remaining > 0:
                if rule.chat_id is not None and rule.chat_id != chat_id:
                    continue
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.rules.remove(rule)
                return fault_error(rule.code, rule.retry_after, rule.description)
        return None

    def check(self, method: str, chat_id: int | None) -> tuple[ApiError | None, float]:
        """(error to answer instead of running the method, seconds to delay first)."""
        for rule in self.rules:
            if rule.method == method and rule.remaining > 0 and not rule.after_running:
                if rule.chat_id is not None and rule.chat_id != chat_id:
                    continue
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.rules.remove(rule)
                return fault_error(rule.code, rule.retry_after, rule.description), 0.0
        if not self.enabled:
            return None, 0.0
        cfg = self.config
        applies = method in cfg.methods if cfg.methods is not None else method != "getupdates"
        if not applies:
            return None, 0.0
        delay = cfg.slow_seconds if self._rng.random() < cfg.p_slow else 0.0
        roll = self._rng.random()
        if roll < cfg.p_429:
            return too_many_requests(cfg.retry_after), delay
        if roll < cfg.p_429 + cfg.p_5xx:
            return fault_error(cfg.server_error_code), delay
        return None, delay

    def to_json(self) -> JSON:
        cfg = asdict(self.config)
        cfg["methods"] = sorted(self.config.methods) if self.config.methods is not None else None
        return {"enabled": self.enabled, **cfg, "rules": [r.to_json() for r in self.rules]}
