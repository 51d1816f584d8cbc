"""Kazakhstan's volunteer year (roadmap item 41): the days of action a coordinator starts an
event from. Data, not code: each day's title in both languages, its month and (for a fixed
date) its day; the form suggests the next such date at 10:00 local time."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ActionDay:
    code: str  # stored on the event (volunteer_events.template), at most 32 characters
    title_ru: str
    title_kk: str
    month: int
    day: int | None = None  # None: any day of the month (the form suggests the first Saturday)
    kinds: tuple[str, ...] = ()  # the volunteers usually wanted; empty: everyone

    def title(self, locale: str) -> str:
        return self.title_kk if locale == "kk" else self.title_ru


ACTION_DAYS: tuple[ActionDay, ...] = (
    ActionDay(
        "blood",
        "«Спаси жизнь»: донорство крови",
        "«Өмірді сақта»: қан донорлығы",
        month=4,
    ),
    ActionDay(
        "warmth",
        "«Подари тепло»: адресная помощь",
        "«Жылу сыйла»: атаулы көмек",
        month=5,
        kinds=("delivery", "household"),
    ),
    ActionDay(
        "safety",
        "Единый день безопасности",
        "Бірыңғай қауіпсіздік күні",
        month=6,
        kinds=("safety",),
    ),
    ActionDay(
        "shelter",
        "День помощи приютам для животных",
        "Жануарлар баспанасына көмек күні",
        month=8,
    ),
    ActionDay(
        "cleanup",
        "«Чистая планета»: марафон чистоты",
        "«Таза планета»: тазалық марафоны",
        month=9,
    ),
    ActionDay(
        "volunteer_day",
        "Международный день добровольцев",
        "Халықаралық еріктілер күні",
        month=12,
        day=5,
    ),
)
BY_CODE = {day.code: day for day in ACTION_DAYS}
