"""Per-person flood throttle, checked before the per-person lock and before the database.

Polling runs updates as tasks under a concurrency limit, and one person's updates wait for
each other (event isolation) and for Telegram's per-chat limit. A person who sends 200
messages in a row would hold every slot while their own queue drains, and everyone else
would wait minutes.

The harm is the queue, so the allowance is spent only by updates that would queue behind the
same person's unfinished ones: someone who waits for each answer is never throttled, however
fast they tap (people, and scripted clients that take turns). Updates sent without waiting
draw on a token bucket: ``burst`` at once, then ``rate`` per second. Past that they are
dropped at once, with one short notice per flood (a dropped button press is still answered,
so it never spins). A flood ends when the person is quiet long enough to refill the bucket.

State is in memory (per process) and bounded: people with nothing in flight who are idle
long enough to have a full bucket again are forgotten (a fresh bucket is the same thing),
and the oldest go first past a cap. With REDIS_URL (replicas), ``RedisThrottle`` keeps the
same bucket in Redis, shared by every replica.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

# Coordinators work in quick runs of their own (paging lists, deciding a queue of
# applications, the territory picker) and are few and appointed by the HQ, so they cannot
# flood anonymously: they get this many times the citizens' allowance.
COORDINATOR_FACTOR = 2.0

# Updates of one person run one at a time, and the answer a client waits for goes out before
# its update has quite finished (the commit, the callback answer). So a client that waits for
# each answer may send the next while one is still in flight, never while two are.
FREE_IN_FLIGHT = 1


class Verdict(Enum):
    PASS = "pass"
    DROP = "drop"  # dropped quietly: the person was already told during this flood
    DROP_NOTIFY = "drop_notify"  # the first drop of a flood: tell the person once


@dataclass(frozen=True, slots=True)
class ThrottleConfig:
    burst: float  # updates a person may queue at once
    rate: float  # queued updates per second sustained
    max_people: int = 100_000


class _Person:
    __slots__ = ("coordinator", "flooding", "in_flight", "locale", "stamp", "tokens")

    def __init__(self, tokens: float, stamp: float, coordinator: bool) -> None:
        self.tokens = tokens
        self.stamp = stamp
        self.in_flight = 0
        self.flooding = False
        self.coordinator = coordinator
        self.locale: str | None = None


class Throttle:
    def __init__(
        self,
        config: ThrottleConfig,
        coordinators: frozenset[int] = frozenset(),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._known_coordinators = coordinators
        self._now = monotonic
        # Least recently seen first: eviction pops from the front.
        self._people: OrderedDict[int, _Person] = OrderedDict()
        # Time to refill from empty; a coordinator's allowance is larger and refills faster
        # by the same factor, so it is everyone's.
        self._idle_after = config.burst / config.rate

    def __len__(self) -> int:
        return len(self._people)

    def _allowance(self, person: _Person) -> tuple[float, float]:
        factor = COORDINATOR_FACTOR if person.coordinator else 1.0
        return self.config.burst * factor, self.config.rate * factor

    def admit(self, user_id: int) -> Verdict:
        """Decide on one update; a PASS must be followed by ``done(user_id)``."""
        now = self._now()
        self._evict(now)
        person = self._people.get(user_id)
        if person is None:
            person = _Person(0.0, now, user_id in self._known_coordinators)
            person.tokens = self._allowance(person)[0]
            self._people[user_id] = person
        else:
            self._people.move_to_end(user_id)
            burst, rate = self._allowance(person)
            person.tokens = min(burst, person.tokens + (now - person.stamp) * rate)
            person.stamp = now
            if person.tokens >= burst and person.in_flight == 0:
                person.flooding = False  # quiet long enough: a new flood gets a new notice
        if person.in_flight <= FREE_IN_FLIGHT:
            person.in_flight += 1
            return Verdict.PASS
        if person.tokens >= 1.0:
            person.tokens -= 1.0
            person.in_flight += 1
            return Verdict.PASS
        if person.flooding:
            return Verdict.DROP
        person.flooding = True
        return Verdict.DROP_NOTIFY

    def done(self, user_id: int) -> None:
        person = self._people.get(user_id)
        if person is not None and person.in_flight > 0:
            person.in_flight -= 1

    def remember(self, user_id: int, *, locale: str, coordinator: bool) -> None:
        """What a handled update taught about the person: the language of the notice, and
        whether they get a coordinator's allowance."""
        person = self._people.get(user_id)
        if person is not None:
            person.locale = locale
            person.coordinator = coordinator or user_id in self._known_coordinators

    def locale_of(self, user_id: int) -> str | None:
        person = self._people.get(user_id)
        return person.locale if person is not None else None

    def _evict(self, now: float) -> None:
        people = self._people
        while people:
            user_id, person = next(iter(people.items()))
            over_cap = len(people) > self.config.max_people
            idle = person.in_flight == 0 and now - person.stamp >= self._idle_after
            if not (idle or over_cap):
                return
            del people[user_id]

    # --- the dispatcher's interface (async: the shared throttle asks Redis) ----------------
    async def acquire(self, user_id: int) -> Verdict:
        return self.admit(user_id)

    async def release(self, user_id: int) -> None:
        self.done(user_id)


# The bucket of ``Throttle.admit`` in one Redis script (atomic): the same rules, the clock is
# Redis's own, so replicas on different machines agree.
_ADMIT_LUA = """
local key = KEYS[1]
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local free = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local s = redis.call('HMGET', key, 'tokens', 'stamp', 'inflight', 'flooding')
local tokens = tonumber(s[1])
local inflight = tonumber(s[3]) or 0
local flooding = s[4] == '1'
if tokens == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + (now - tonumber(s[2])) * rate)
  if tokens >= burst and inflight == 0 then flooding = false end
end
local verdict = 0
if inflight <= free then
  inflight = inflight + 1
elseif tokens >= 1 then
  tokens = tokens - 1
  inflight = inflight + 1
elseif flooding then
  verdict = 1
else
  flooding = true
  verdict = 2
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'stamp', tostring(now),
           'inflight', inflight, 'flooding', flooding and '1' or '0')
redis.call('EXPIRE', key, ttl)
return verdict
"""
_DONE_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local left = redis.call('HINCRBY', KEYS[1], 'inflight', -1)
if left < 0 then redis.call('HSET', KEYS[1], 'inflight', 0) end
return left
"""
_VERDICTS = (Verdict.PASS, Verdict.DROP, Verdict.DROP_NOTIFY)


class RedisThrottle(Throttle):
    """The same allowance, shared by every replica through Redis (REDIS_URL set): a person
    whose updates land on two replicas draws on one bucket and one count of updates in
    flight. A replica that dies mid-update leaves its count behind only until the person's
    key expires (idle for a refill plus a minute). What the bot learned about a person (the
    notice's language, a coordinator's larger allowance) stays per replica: a replica that has
    not seen them yet uses the defaults."""

    def __init__(
        self,
        config: ThrottleConfig,
        redis: Any,
        coordinators: frozenset[int] = frozenset(),
        prefix: str = "throttle",
    ) -> None:
        super().__init__(config, coordinators)
        self.redis = redis
        self.prefix = prefix
        self._admit_script = redis.register_script(_ADMIT_LUA)
        self._done_script = redis.register_script(_DONE_LUA)
        self._facts: OrderedDict[int, tuple[str | None, bool]] = OrderedDict()
        self._ttl = int(config.burst / config.rate * COORDINATOR_FACTOR) + 60

    def _key(self, user_id: int) -> str:
        return f"{self.prefix}:{user_id}"

    async def acquire(self, user_id: int) -> Verdict:
        coordinator = (
            user_id in self._known_coordinators or self._facts.get(user_id, (None, False))[1]
        )
        factor = COORDINATOR_FACTOR if coordinator else 1.0
        verdict = await self._admit_script(
            keys=[self._key(user_id)],
            args=[self.config.burst * factor, self.config.rate * factor, FREE_IN_FLIGHT, self._ttl],
        )
        return _VERDICTS[int(verdict)]

    async def release(self, user_id: int) -> None:
        await self._done_script(keys=[self._key(user_id)])

    def remember(self, user_id: int, *, locale: str, coordinator: bool) -> None:
        self._facts[user_id] = (locale, coordinator or user_id in self._known_coordinators)
        self._facts.move_to_end(user_id)
        while len(self._facts) > self.config.max_people:
            self._facts.popitem(last=False)

    def locale_of(self, user_id: int) -> str | None:
        facts = self._facts.get(user_id)
        return facts[0] if facts is not None else None
