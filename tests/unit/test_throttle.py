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
