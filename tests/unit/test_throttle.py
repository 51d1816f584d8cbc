"""The flood throttle's rules, on a fake monotonic clock."""

from __future__ import annotations

from bot.config import load_settings
from bot.ranges import INT32_MAX, INT64_MAX, parse_int
from bot.throttle import Throttle, ThrottleConfig, Verdict


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _throttle(ticks: Ticks, **kwargs: object) -> Throttle:
    return Throttle(ThrottleConfig(burst=8, rate=1.0, **kwargs), monotonic=ticks)  # type: ignore[arg-type]


def test_one_who_waits_for_each_answer_is_never_throttled() -> None:
    throttle = _throttle(Ticks())
    assert throttle.admit(1) is Verdict.PASS
    for _ in range(1000):  # a fast script taking turns: the previous one still finishing
        assert throttle.admit(1) is Verdict.PASS
        throttle.done(1)


def test_a_flood_passes_the_burst_then_drops_with_one_notice() -> None:
    ticks = Ticks()
    throttle = _throttle(ticks)
    verdicts = [throttle.admit(1) for _ in range(200)]
    assert verdicts.count(Verdict.PASS) == 10  # two in hand and a burst of 8 queued
    assert verdicts.count(Verdict.DROP_NOTIFY) == 1
    assert verdicts[10] is Verdict.DROP_NOTIFY
    # Someone else is not affected.
    assert throttle.admit(2) is Verdict.PASS
    # Sustained: one more per second, and no second notice while the flood goes on.
    ticks.now += 1.0
    assert throttle.admit(1) is Verdict.PASS
    assert throttle.admit(1) is Verdict.DROP
    # Quiet until the bucket is full and nothing is in flight: a new flood, a new notice.
    for _ in range(11):
        throttle.done(1)
    ticks.now += 8.0
    verdicts = [throttle.admit(1) for _ in range(20)]
    assert verdicts.count(Verdict.DROP_NOTIFY) == 1


def test_coordinators_get_twice_the_allowance() -> None:
    ticks = Ticks()
    throttle = Throttle(
        ThrottleConfig(burst=8, rate=1.0), coordinators=frozenset({7}), monotonic=ticks
    )
    assert [throttle.admit(7) for _ in range(40)].count(Verdict.PASS) == 18  # ADMIN_IDS
    throttle.admit(8)  # learnt from a handled update: the larger bucket refills
    throttle.remember(8, locale="kk", coordinator=True)
    ticks.now += 4.0
    assert [throttle.admit(8) for _ in range(40)].count(Verdict.PASS) == 17
    assert throttle.locale_of(8) == "kk"


def test_state_is_bounded() -> None:
    ticks = Ticks()
    throttle = _throttle(ticks, max_people=100)
    for user_id in range(1000):
        throttle.admit(user_id)
        throttle.done(user_id)
    assert len(throttle) <= 101
    ticks.now += 9.0  # everyone idle with a full bucket again: forgotten
    throttle.admit(5000)
    assert len(throttle) == 1


def test_settings_turn_it_off() -> None:
    base = {"bot_token": "1:x", "_env_file": None}
    assert load_settings(**base, throttle_burst="off").throttle_burst == 0
    assert load_settings(**base).throttle_burst == 8


def test_parse_int_never_overflows() -> None:
    assert parse_int("99999999999999999999", 1, INT64_MAX) is None
    assert parse_int("9" * 5000, 1, INT64_MAX) is None
    assert parse_int(str(INT32_MAX + 1), 1, INT32_MAX) is None
    assert parse_int(" 42 ", 1, INT32_MAX) == 42
    assert parse_int("-1", 1, INT32_MAX) is None
    assert parse_int("-1", -INT64_MAX, INT64_MAX) == -1
    assert parse_int("٤٢", 1, INT32_MAX) is None  # other scripts' digits are not ids
    assert parse_int("abc", 1, INT32_MAX) is None


async def test_replicas_share_one_allowance_through_redis(redis_url: str) -> None:
    """Two replicas (two RedisThrottle objects) give a person exactly the verdicts one
    in-memory throttle gives them: one bucket, one count of updates in flight."""
    from redis.asyncio import Redis

    from bot.throttle import RedisThrottle

    config = ThrottleConfig(burst=3, rate=0.01)  # no refill to speak of during the test
    redis = Redis.from_url(redis_url)
    try:
        await redis.delete("throttle:501", "throttle:502")
        replicas = [RedisThrottle(config, redis), RedisThrottle(config, redis)]
        alone = Throttle(config)
        shared = [await replicas[n % 2].acquire(501) for n in range(8)]
        expected = [alone.admit(501) for _ in range(8)]
        assert shared == expected
        assert shared[:5] == [Verdict.PASS] * 5  # 2 in flight free, then the burst of 3
        assert shared[5:] == [Verdict.DROP_NOTIFY, Verdict.DROP, Verdict.DROP]
        for n in range(5):
            await replicas[n % 2].release(501)
        assert await redis.hget("throttle:501", "inflight") == b"0"
        await replicas[0].release(501)  # one release too many stays at zero
        assert await redis.hget("throttle:501", "inflight") == b"0"
        assert 0 < await redis.ttl("throttle:501") <= int(3 / 0.01 * 2) + 60
        # A coordinator known to a replica gets twice the burst there.
        replicas[1].remember(502, locale="kk", coordinator=True)
        verdicts = [await replicas[1].acquire(502) for _ in range(9)]
        assert verdicts.count(Verdict.PASS) == 2 + 6 and replicas[1].locale_of(502) == "kk"
        await redis.delete("throttle:501", "throttle:502")
    finally:
        await redis.aclose()
