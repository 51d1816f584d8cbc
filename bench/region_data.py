"""The region benchmark's data (bench/region.py): a seeded generator of a big region's two years
and the bulk loaders that write it into SQLite or PostgreSQL, table by table, following the
models as of migration BASE_REVISION (later migrations are applied afterwards, as they would be
in production, so indexes and backfills of newer revisions run over the full data).

Two parts, each from its own seeded generator:

* the core: the people the benchmark drives (the HQ coordinator, a team of Kemerovo
  volunteers, volunteers and citizens who will erase their data, citizens who will fill in
  requests, one person who only sends /start) with their histories: 20 requests per erasing
  citizen with their pushes, outbox rows, audit entries; the same rows, ids included, in the
  small and the big database;
* the bulk (big database only): citizens and approved volunteers spread over the Kuzbass
  territories by population, requests over two years (the newest ones open, the searching
  ones offered to every fitting volunteer of their territory, as ``help_requests.offer``
  does), push records, the outbox rows those produced (keys, subjects and payloads as the
  services write them; a request's rows kept or left out together to meet the outbox size),
  audit entries, pending reminders, call-back requests.

Each value is written in the form SQLAlchemy would store it (timestamps on SQLite as its
``YYYY-MM-DD HH:MM:SS.ffffff`` text, JSON as ``json.dumps`` text), checked against a row
written through the models by ``check_storage_format``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from bot.services.outbox import PURGED, subject_of

BASE_REVISION = "0012"
GENERATOR_VERSION = 4  # 2: the core holds pages of applications and open requests; 3: the driven
# people hold no open task of the bulk; 4: the core's open requests are all held
DAY = 86_400
HISTORY_DAYS = 730

# Approximate population of each Kuzbass territory (thousands, 2021 census rounded): the data
# file has none, and volunteers, citizens and requests are spread by it.
POPULATION_K: dict[str, int] = {
    "kemerovo": 557, "novokuznetsk": 537, "prokopyevsk": 187, "belovo": 115,
    "mezhdurechensk": 95, "leninsk-kuznetsky": 93, "kiselevsk": 88, "yurga": 78,
    "anzhero-sudzhensk": 68, "berezovsky": 44, "osinniki": 41, "myski": 40, "kaltan": 28,
    "polysaevo": 25, "tayga": 23, "krasnobrodsky": 13, "belovsky-district": 28,
    "guryevsky-district": 37, "izhmorsky-district": 11, "kemerovsky-district": 48,
    "krapivinsky-district": 22, "leninsk-kuznetsky-district": 24, "mariinsky-district": 52,
    "novokuznetsky-district": 52, "prokopyevsky-district": 31,
    "promyshlennovsky-district": 44, "tashtagolsky-district": 50, "tisulsky-district": 20,
    "topkinsky-district": 39, "tyazhinsky-district": 22, "chebulinsky-district": 13,
    "yurginsky-district": 20, "yaysky-district": 15, "yashkinsky-district": 27,
}  # fmt: skip
CITY = "kemerovo"  # where the driven people live and the driven requests are made
SKILL_SHARE = {
    "delivery": 0.8, "household": 0.45, "driving": 0.3, "calls": 0.3, "utilities": 0.2,
    "coal": 0.15, "medic": 0.05, "safety": 0.05, "legal": 0.03,
}  # fmt: skip
KIND_SHARE = {
    "groceries": 0.35, "medicine": 0.25, "utilities": 0.08, "coal": 0.07, "snow": 0.06,
    "household": 0.08, "ride": 0.06, "other": 0.05,
}  # fmt: skip
KIND_SKILL = {
    "groceries": "delivery", "medicine": "delivery", "utilities": "utilities", "coal": "coal",
    "snow": "household", "household": "household", "ride": "driving", "other": None,
}  # fmt: skip
KINDS = tuple(KIND_SHARE.items())
HISTORY_STATUS = (("done", 0.82), ("cancelled", 0.145), ("failed", 0.035))
OPEN_STATUS = (("new", 0.25), ("taken", 0.45), ("on_way", 0.30))
URGENCY = (("today", 0.5), ("soon", 0.35), ("planned", 0.15))
NAMES = ("Анна", "Мария", "Ольга", "Иван", "Пётр", "Сергей", "Наталья", "Елена", "Алексей")
SURNAMES = ("Иванова", "Петров", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева")

# Columns written per table (the models at BASE_REVISION; nullable ones left out are NULL).
COLUMNS: dict[str, tuple[str, ...]] = {
    "users": (
        "id", "first_name", "last_name", "username", "language_code", "locale",
        "blocked_bot", "created_at", "updated_at",
    ),
    "coordinators": ("user_id", "is_hq", "appointed_by", "appointed_at"),
    "coordinator_territories": ("user_id", "territory_id"),
    "volunteers": (
        "id", "user_id", "status", "name", "phone", "territory_id", "skills", "age_group",
        "availability", "dobro_id", "consent_at", "consent_version", "decided_by",
        "decided_at", "decision_reason", "paused_until", "hours", "tasks_done", "created_at",
        "updated_at",
    ),
    "help_requests": (
        "id", "requester_id", "entered_by", "caller_phone", "kind", "for_other",
        "person_name", "person_age", "person_phone", "self_isolation", "territory_id",
        "address", "lat", "lon", "details", "urgency", "planned_on", "time_window", "status",
        "push_round", "volunteer_id", "door_code", "taken_at", "done_at", "hours", "report",
        "close_reason", "rating", "rating_comment", "receipt_file_id", "form_token",
        "consent_at", "consent_version", "created_at", "updated_at",
    ),
    "request_pushes": (
        "request_id", "volunteer_id", "push_round", "user_id", "declined", "reason",
        "created_at",
    ),
    "outbox": (
        "idempotency_key", "chat_id", "priority", "payload", "edit_key", "subject",
        "personal", "status", "attempts", "not_before", "next_attempt_at", "hide",
        "telegram_message_id", "last_error", "created_at", "sent_at",
    ),
    "audit_log": ("id", "actor_id", "action", "target", "scope", "details", "created_at"),
    "reminders": (
        "id", "kind", "chat_id", "subject", "message", "priority", "due_at", "timezone",
        "repeat", "state", "occurrence", "missed_count", "created_at", "updated_at",
    ),
    "callback_requests": (
        "id", "user_id", "phone", "status", "created_at", "handled_by", "handled_at",
        "request_id", "pushed_to",
    ),
}  # fmt: skip
TABLE_ORDER = tuple(COLUMNS)  # foreign keys point only to tables earlier in this order
ID_TABLES = ("volunteers", "help_requests", "audit_log", "reminders", "callback_requests")


# --- sizes ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Sizes:
    """The bulk of the big database (the issue's defaults)."""

    citizens: int = 100_000
    volunteers: int = 10_000  # approved; pending, rejected, left and blocked come on top
    requests: int = 1_010_000
    open: int = 2_000
    pushes: int = 2_000_000
    outbox: int = 5_600_000
    audit: int = 500_000
    reminders: int = 100_000

    def scaled(self, factor: float) -> Sizes:
        return Sizes(
            **{name: max(1, round(getattr(self, name) * factor)) for name in self.__slots__}
        )

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class Cast:
    """The people the benchmark drives: the same in both databases (user ids)."""

    subjects: int  # people per destructive action: warm-up + timed + timed with a bystander
    team_size: int = 30
    admin: int = 9001  # ADMIN_IDS: an HQ coordinator
    bystander: int = 900_000  # sends /start while heavy actions run

    @property
    def team(self) -> list[int]:  # approved volunteers of the city, all fitting groceries
        return [910_000 + n for n in range(self.team_size)]

    @property
    def leaving_volunteers(self) -> list[int]:  # erase their data with /forget
        return [920_000 + n for n in range(self.subjects)]

    @property
    def leaving_citizens(self) -> list[int]:  # 20 requests each, then /forget
        return [930_000 + n for n in range(self.subjects)]

    @property
    def requesters(self) -> list[int]:  # fill in the form (twice each) during the run
        return [940_000 + n for n in range(self.subjects)]

    @property
    def applicants(self) -> list[int]:  # pending applications: /applications has a page
        return [950_000 + n for n in range(APPLICANTS)]

    @property
    def waiting(self) -> list[int]:  # one open request each: /requests has a page
        return [960_000 + n for n in range(WAITING)]

    def everyone(self) -> list[int]:
        return [
            self.admin,
            self.bystander,
            *self.team,
            *self.leaving_volunteers,
            *self.leaving_citizens,
            *self.requesters,
            *self.applicants,
            *self.waiting,
        ]


CITIZEN_REQUESTS = 20  # each leaving citizen's history
# Both databases show full pages of the HQ's lists, so the two compare the same work: a page
# of /applications is 5, of /requests 10.
APPLICANTS = 6
WAITING = 12


# --- storage ---------------------------------------------------------------------------------
class Writer(Protocol):
    """Where rows go: values already in the backend's storage form (see ``ts`` and ``day``)."""

    def ts(self, seconds: int) -> Any: ...  # a UTC timestamp, epoch seconds

    def day(self, value: date) -> Any: ...

    async def write(self, table: str, rows: list[tuple[Any, ...]]) -> None: ...


_DAYS: dict[int, str] = {}


def sqlite_ts(seconds: int) -> str:
    """SQLAlchemy's SQLite DATETIME text of a whole-second UTC moment."""
    day, rest = divmod(seconds, DAY)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = time.strftime("%Y-%m-%d ", time.gmtime(day * DAY))
    return "%s%02d:%02d:%02d.000000" % (prefix, rest // 3600, rest // 60 % 60, rest % 60)  # noqa: UP031


def js(value: Any) -> str:
    """JSON as SQLAlchemy's JSON type stores it."""
    return json.dumps(value)


PURGED_JSON = js(PURGED)


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    code: str
    name_ru: str
    timezone: str
    weight: float


@dataclass(slots=True)
class Vol:
    id: int
    user_id: int
    place: int  # index into places
    skills: frozenset[str]
    status: str
    paused: bool = False
    holding: int = 0  # open tasks in hand


@dataclass(frozen=True, slots=True)
class Facts:
    """What the build made (reported beside the figures)."""

    counts: dict[str, int]
    fitting_in_city: int  # approved, unpaused volunteers of CITY with the groceries skill
    outbox_keep_share: float


def _pick(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    roll = rng.random()
    for value, share in table:
        roll -= share
        if roll < 0:
            return value
    return table[-1][0]


class _Sink:
    """Rows per table, written in TABLE_ORDER whenever enough have gathered."""

    def __init__(self, writer: Writer, chunk: int = 50_000) -> None:
        self.writer = writer
        self.chunk = chunk
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLE_ORDER}
        self.counts: dict[str, int] = dict.fromkeys(TABLE_ORDER, 0)

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)

    async def flush(self, force: bool = False) -> None:
        if not force and max(len(r) for r in self.rows.values()) < self.chunk:
            return
        for table in TABLE_ORDER:
            rows = self.rows[table]
            if rows:
                await self.writer.write(table, rows)
                self.counts[table] += len(rows)
                self.rows[table] = []


# --- payloads as the services write them --------------------------------------------------------
def _template(key: str, args: dict[str, Any], buttons: list[Any] | None = None) -> str:
    return js(
        {
            "text": {"key": key, "args": args, "literal": None},
            "buttons": buttons or [],
            "locale": None,
            "attachment": None,
            "hide": False,
            "main_menu": False,
            "stars_for": None,
        }
    )


_PUSH = _template(
    "request-push",
    {"id": -7, "kind": "@K", "territory": "@T", "urgency": "@U", "planned": "-", "window": "any"},
    [
        [
            {
                "label": {"key": "btn-take-task", "args": {}, "literal": None},
                "callback_data": "tk:-7:take",
                "url": None,
            }
        ]
    ],
)
_TAKEN = _template("request-taken-by-other", {"id": -7})
_CLOSED = _template("request-push-closed", {"id": -7})
_HIDDEN = _template("task-details-hidden", {"id": -7}).replace('"hide": false', '"hide": true')
_REMINDER = _template("", {}).replace('"key": ""', '"key": null')
_REMINDER = _REMINDER.replace('"literal": null', '"literal": "Повторный звонок"')


def _push_payload(request_id: int, kind: str, place: Place, urgency: str) -> str:
    return (
        _PUSH.replace("-7", str(request_id))
        .replace('"@K"', f'"{kind}"')
        .replace('"@T"', json.dumps(place.name_ru))
        .replace('"@U"', f'"{urgency}"')
    )


# --- the generator ---------------------------------------------------------------------------
@dataclass
class _Req:
    id: int
    requester: int | None
    entered_by: int | None
    kind: str
    place: int
    status: str
    created: int
    urgency: str
    push_round: int = 0
    taker: Vol | None = None
    rated: bool = False
    pushes: list[Vol] = field(default_factory=list)


class Generator:
    """Writes the core and, unless ``sizes`` is None, the bulk; ``now`` in epoch seconds."""

    def __init__(
        self, places: list[Place], cast: Cast, sizes: Sizes | None, now: int, seed: int
    ) -> None:
        self.places = places
        self.cast = cast
        self.sizes = sizes
        self.now = now
        self.seed = seed
        self.city = next(i for i, p in enumerate(places) if p.code == CITY)
        self.next_id = dict.fromkeys(ID_TABLES, 1)
        self.vols: list[Vol] = []
        self.by_place: list[list[Vol]] = [[] for _ in places]
        self.coordinators: list[tuple[int, str]] = [(cast.admin, "hq")]  # (user, scope)
        self.blocked_users: set[int] = set()
        self.outbox_keep = 1.0
        self.audit_view_rate = 0.0
        self.reminder_messages = 0
        self.homes: list[int] = []
        self.fit: dict[tuple[int, str | None], list[Vol]] = {}
        self.fit_unpaused: dict[tuple[int, str | None], list[Vol]] = {}
        self.driven = frozenset(cast.everyone())

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    # -- people --
    def _user(self, sink: _Sink, w: Writer, uid: int, rng: random.Random, when: int) -> None:
        locale = "ru" if uid < 1_000_000 else _pick(rng, (("ru", 0.45), ("kk", 0.05), ("", 0.5)))
        code = _pick(rng, (("ru", 0.85), ("en", 0.05), ("kk", 0.05), ("", 0.05)))
        blocked = uid >= 1_000_000 and rng.random() < 0.03
        if blocked:
            self.blocked_users.add(uid)
        sink.add(
            "users",
            (
                uid, rng.choice(NAMES), rng.choice(SURNAMES) if rng.random() < 0.5 else None,
                f"user{uid}" if rng.random() < 0.3 else None, code or None, locale or None,
                blocked, w.ts(when), w.ts(when + rng.randrange(DAY * 30)),
            ),
        )  # fmt: skip

    def _volunteer(
        self,
        sink: _Sink,
        w: Writer,
        rng: random.Random,
        uid: int,
        place: int,
        status: str,
        when: int,
        skills: Iterable[str] | None = None,
        paused: bool = False,
    ) -> Vol:
        if skills is None:
            skills = [s for s, share in SKILL_SHARE.items() if rng.random() < share] or ["calls"]
        vol = Vol(self._id("volunteers"), uid, place, frozenset(skills), status, paused)
        decided = status != "pending"
        pause_day = datetime.fromtimestamp(self.now, UTC).date() + timedelta(days=90)
        sink.add(
            "volunteers",
            (
                vol.id, uid, status, f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}",
                f"+7913{rng.randrange(10**7):07d}", self.places[place].id,
                js(sorted(vol.skills)), rng.choice(("18-34", "35-54", "55plus")),
                js(["weekends"]), None, w.ts(when), "2026-11",
                self.cast.admin if decided else None, w.ts(when + DAY) if decided else None,
                "Не подходит" if status in ("rejected", "blocked") else None,
                w.day(pause_day) if paused else None, 0.0, 0, w.ts(when), w.ts(when + DAY),
            ),
        )  # fmt: skip
        self.vols.append(vol)
        if status == "approved":
            self.by_place[place].append(vol)
        # The application's card to the coordinators, then its decision (edits of it).
        for coordinator in self._deciders(place):
            app = f"vol:{vol.id}:app:{coordinator}"
            self._outbox(sink, w, app, coordinator, when, personal=True)
            if decided:
                self._outbox(sink, w, f"vol:{vol.id}:decided:{coordinator}", coordinator,
                             when + DAY, edit_key=app, personal=True)  # fmt: skip
        self._audit(sink, w, rng, "view_application", f"volunteer:{vol.id}", when + DAY - 60)
        if decided:
            action = "reject_volunteer" if status == "rejected" else "approve_volunteer"
            entry = self._audit(sink, w, rng, action, f"volunteer:{vol.id}", when + DAY,
                                {"user_id": uid})  # fmt: skip
            self._outbox(sink, w, f"audit:{entry}:notice", uid, when + DAY, personal=True)
        if paused:
            self._reminder(sink, w, uid, f"volunteer:{vol.id}:resume", "volunteer_resume")
        return vol

    def _deciders(self, place: int) -> list[int]:
        code = self.places[place].code
        return [u for u, scope in self.coordinators if scope in ("hq", code)][:6]

    # -- rows --
    def _outbox(
        self,
        sink: _Sink,
        w: Writer,
        key: str,
        chat: int,
        when: int,
        *,
        payload: str = PURGED_JSON,
        priority: int = 1,
        edit_key: str | None = None,
        personal: bool = False,
        hide: bool = False,
    ) -> None:
        status, error = "sent", None
        message_id: int | None = (when * 7 + chat) % 2_000_000_000
        if chat in self.blocked_users:
            status, error, message_id = "blocked", "Forbidden: bot was blocked by the user", None
        elif (when + chat) % 211 == 0:
            status, error, message_id = "failed", "Bad Request: chat not found", None
        sink.add(
            "outbox",
            (
                key, chat, priority, payload, edit_key, subject_of(key), personal, status, 1,
                w.ts(when), w.ts(when), hide, message_id, error, w.ts(when),
                w.ts(when + 2) if status == "sent" else None,
            ),
        )  # fmt: skip

    def _audit(
        self,
        sink: _Sink,
        w: Writer,
        rng: random.Random,
        action: str,
        target: str,
        when: int,
        details: dict[str, Any] | None = None,
        actor: tuple[int, str] | None = None,
    ) -> int:
        entry = self._id("audit_log")
        actor_id, scope = actor or rng.choice(self.coordinators)
        sink.add(
            "audit_log",
            (entry, actor_id, action, target, scope, js(details or {}), w.ts(when)),
        )
        return entry

    def _reminder(
        self, sink: _Sink, w: Writer, chat: int, subject: str | None, kind: str, n: int = 0
    ) -> None:
        rid = self._id("reminders")
        due = self.now + 45 * DAY + (rid * 7919 + n) % (30 * DAY)
        repeat = (None, None, "every 7d", "daily 10:00")[rid % 4]
        sink.add(
            "reminders",
            (
                rid, kind, chat, subject, _REMINDER, 0, w.ts(due), "Asia/Novokuznetsk", repeat,
                "pending", 0, 0, w.ts(self.now - DAY), w.ts(self.now - DAY),
            ),
        )  # fmt: skip

    def _request(self, sink: _Sink, w: Writer, rng: random.Random, r: _Req) -> None:
        """The request, its push records, and (when kept) the outbox rows and audit entries
        its life produced."""
        place = self.places[r.place]
        created, status = r.created, r.status
        taken = created + rng.randrange(600, 10_800) if r.taker else None
        done = taken + rng.randrange(3_600, 21_600) if taken and status == "done" else None
        other = rng.random() < 0.4
        rating = rng.randrange(3, 6) if r.rated else None
        sink.add(
            "help_requests",
            (
                r.id, r.requester, r.entered_by,
                "+79131234567" if r.entered_by else None, r.kind, other,
                f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}",
                rng.randrange(60, 95) if other else None,
                "+79131234567", (rng.random() < 0.1) if other else None, place.id,
                f"ул. Ленина, {rng.randrange(1, 200)}, кв. {rng.randrange(1, 300)}",
                None, None, "Хлеб, молоко, лекарства по рецепту", r.urgency,
                w.day(datetime.fromtimestamp(created + 3 * DAY, UTC).date())
                if r.urgency == "planned" else None,
                "morning", status, r.push_round, r.taker.id if r.taker else None,
                f"{rng.randrange(10_000):04d}", w.ts(taken) if taken else None,
                w.ts(done) if done else None, rng.choice((0.5, 1.0, 1.5, 2.0)) if done else None,
                "Купил продукты" if done else None,
                "Не дозвонились" if status == "failed" else None, rating,
                "Спасибо!" if rating and rng.random() < 0.2 else None,
                None, f"{r.id:032x}", w.ts(created), "2026-11", w.ts(created),
                w.ts(done or taken or created),
            ),
        )  # fmt: skip
        keep = status in ("new", "taken", "on_way") or rng.random() < self.outbox_keep
        priority = 0 if r.urgency == "today" else 1
        payload = _push_payload(r.id, r.kind, place, r.urgency)
        declined_reason = "Не успеваю"
        for vol in r.pushes:
            declined = vol is not r.taker and rng.random() < 0.03
            sink.add(
                "request_pushes",
                (r.id, vol.id, r.push_round, vol.user_id, declined,
                 declined_reason if declined else None, w.ts(created + 1)),
            )  # fmt: skip
            if declined:
                self._audit(sink, w, rng, "task_declined", f"request:{r.id}", created + 300,
                            {"reason": declined_reason}, actor=(vol.user_id, "-"))  # fmt: skip
            if keep:
                push = f"req:{r.id}:r{r.push_round}:push:{vol.user_id}"
                self._outbox(sink, w, push, vol.user_id, created + 1, payload=payload,
                             priority=priority)  # fmt: skip
                if vol is not r.taker and (taken or status == "cancelled") and not declined:
                    what, text = ("taken", _TAKEN) if taken else ("closed", _CLOSED)
                    self._outbox(
                        sink, w, f"req:{r.id}:r{r.push_round}:{what}:{vol.user_id}",
                        vol.user_id, (taken or created + 3_600), edit_key=push, priority=priority,
                        payload=text.replace("-7", str(r.id)),
                    )  # fmt: skip
        if r.push_round:
            self._audit(sink, w, rng, "request_reoffered", f"request:{r.id}", created + 1_800,
                        {"offered": len(r.pushes)})  # fmt: skip
        if r.entered_by:
            self._audit(sink, w, rng, "hotline_request", f"request:{r.id}", created,
                        actor=(r.entered_by, "hq"))  # fmt: skip
        if status == "failed":
            self._audit(sink, w, rng, "request_failed", f"request:{r.id}", created + DAY,
                        {"reason": "Не дозвонились"})  # fmt: skip
        views = int(self.audit_view_rate) + (rng.random() < self.audit_view_rate % 1)
        for n in range(views):
            self._audit(sink, w, rng, "view_request", f"request:{r.id}", created + 600 + n)
        if not keep:
            return
        told: list[tuple[str, int]] = []
        if taken:
            told.append(("request-taken", taken))
            if status in ("on_way", "done", "failed"):
                told.append(("request-on-way", taken + 600))
        if status == "done" and done:
            told.append(("request-done", done))
        if status == "failed":
            told.append(("request-failed", created + DAY))
        if r.requester is not None:
            for key, when in told:
                self._outbox(sink, w, f"req:{r.id}:{key}:{r.push_round}", r.requester, when,
                             priority=0, personal=True)  # fmt: skip
        if r.taker and taken:
            details = f"req:{r.id}:details:{r.taker.user_id}:{r.id * 7919 % 16**12:012x}"
            self._outbox(sink, w, details, r.taker.user_id, taken + 1, priority=0, personal=True)
            if status not in ("taken", "on_way"):
                self._outbox(sink, w, f"{details}:hidden", r.taker.user_id, (done or taken) + 1,
                             priority=0, edit_key=details, hide=True,
                             payload=_HIDDEN.replace("-7", str(r.id)))  # fmt: skip
            if status == "cancelled":
                self._outbox(sink, w, f"req:{r.id}:closed:task", r.taker.user_id, taken + 900,
                             priority=0)  # fmt: skip
        if rating and r.taker:
            self._outbox(sink, w, f"req:{r.id}:thanks", r.taker.user_id, (done or created) + DAY,
                         personal=True)  # fmt: skip

    # -- the core --
    async def core(self, w: Writer) -> _Sink:
        """The driven people and their histories (both databases); returns the sink, with
        the core written."""
        sink = _Sink(w)
        rng = random.Random(self.seed)
        cast = self.cast
        start = self.now - HISTORY_DAYS * DAY
        for uid in cast.everyone():
            self._user(sink, w, uid, rng, start + rng.randrange(DAY * 300))
        await sink.flush(force=True)  # users before the volunteers pointing at them
        helpers = [
            self._volunteer(sink, w, rng, uid, self.city, "approved", start + DAY * 10,
                            skills=("delivery", "household"))
            for uid in cast.team
        ]  # fmt: skip
        for n, uid in enumerate(cast.leaving_volunteers):
            vol = self._volunteer(sink, w, rng, uid, self.city, "approved", start + DAY * 20,
                                  skills=("delivery",), paused=n % 2 == 1)  # fmt: skip
            helpers.append(vol)
            self._reminder(sink, w, uid, None, "repeat_call")
        for n, uid in enumerate(cast.leaving_citizens):
            for k in range(CITIZEN_REQUESTS):
                status = "failed" if k == 0 else "cancelled" if k < 4 else "done"
                taker = helpers[(n * CITIZEN_REQUESTS + k) % len(helpers)]
                others = rng.sample([h for h in helpers if h is not taker], 4)
                req = _Req(
                    self._id("help_requests"), uid, None, "groceries", self.city, status,
                    start + DAY * (30 + k * 33) + n * 61, "today",
                    taker=None if status == "cancelled" and k % 2 else taker,
                    rated=status == "done" and k % 3 == 0,
                    pushes=[taker, *others],
                )  # fmt: skip
                self._request(sink, w, rng, req)
            self._reminder(sink, w, uid, None, "repeat_call")
        for n, uid in enumerate(cast.applicants):
            self._volunteer(sink, w, rng, uid, self.city, "pending", self.now - DAY * (n + 2),
                            skills=("delivery",))  # fmt: skip
        team = helpers[: len(cast.team)]
        for n, uid in enumerate(cast.waiting):
            # Held by the team, none searching: a searching one would be offered by the
            # scheduler to every fitting volunteer of the city, 1,700 on the big database.
            status = ("taken", "on_way")[n % 2]
            holder = team[n % len(team)]
            others = rng.sample([h for h in team if h is not holder], 4)
            req = _Req(
                self._id("help_requests"), uid, None, "groceries", self.city, status,
                self.now - 3_600 * (n + 2), "soon", taker=holder, pushes=[holder, *others],
            )  # fmt: skip
            self._request(sink, w, rng, req)
        await sink.flush(force=True)
        return sink

    # -- the bulk --
    async def bulk(self, w: Writer, sink: _Sink) -> Facts:
        assert self.sizes is not None
        sizes = self.sizes
        rng = random.Random(self.seed + 1)
        start = self.now - HISTORY_DAYS * DAY
        weights = [p.weight for p in self.places]
        # Coordinators: a few HQ, one or two per territory.
        for n in range(5):
            self.coordinators.append((3_000_000 + n, "hq"))
        for index, place in enumerate(self.places):
            if place.weight:
                for k in range(1 + (place.weight > 0.05)):
                    self.coordinators.append((3_000_100 + index * 10 + k, place.code))
        for uid, _scope in self.coordinators[1:]:
            self._user(sink, w, uid, rng, start)
        await sink.flush(force=True)
        for uid, scope in self.coordinators[1:]:
            sink.add("coordinators", (uid, scope == "hq", self.cast.admin, w.ts(start)))
            if scope != "hq":
                place_id = next(p.id for p in self.places if p.code == scope)
                sink.add("coordinator_territories", (uid, place_id))
        # Citizens, each living in a territory.
        homes = rng.choices(range(len(self.places)), weights=weights, k=sizes.citizens)
        for n in range(sizes.citizens):
            self._user(sink, w, 1_000_000 + n, rng, start + rng.randrange(HISTORY_DAYS * DAY))
            await sink.flush()
        # Volunteers: the approved ones by population, and the others' records.
        others = round(sizes.volunteers * 0.12)
        statuses = ["approved"] * sizes.volunteers + rng.choices(
            ("pending", "rejected", "left", "blocked"), (0.12, 0.33, 0.5, 0.05), k=others
        )
        rng.shuffle(statuses)
        homes_of = rng.choices(range(len(self.places)), weights=weights, k=len(statuses))
        for n, (status, home) in enumerate(zip(statuses, homes_of, strict=True)):
            uid = 2_000_000 + n
            when = start + rng.randrange(HISTORY_DAYS * DAY)
            self._user(sink, w, uid, rng, when)
            paused = status == "approved" and rng.random() < 0.04
            self._volunteer(sink, w, rng, uid, home, status, when, paused=paused)
            await sink.flush()
        await sink.flush(force=True)
        # Requests: the newest are open; the searching ones offered to every fitting
        # volunteer of their territory (as offer() does), the others to a few (the budget).
        self._index(homes)
        open_status = [_pick(rng, OPEN_STATUS) for _ in range(sizes.open)]
        new_pushes = self._expected_new_pushes(open_status.count("new"))
        history = sizes.requests - sizes.open
        per_request = max(0.0, (sizes.pushes - new_pushes) / max(1, sizes.requests))
        self._calibrate(sizes, sink, per_request, new_pushes)
        for n in range(sizes.requests):
            fresh = n >= history
            status = open_status[n - history] if fresh else _pick(rng, HISTORY_STATUS)
            created = start + (n * HISTORY_DAYS * DAY) // sizes.requests
            self._request(sink, w, rng, self._bulk_req(rng, status, created, per_request))
            if n % 20_000 == 0:
                await sink.flush()
        await sink.flush(force=True)
        # Pending reminders (repeated calls to citizens, and paused volunteers' resume) and
        # the reminder messages fired over the two years.
        pending = sum(1 for v in self.vols if v.paused)
        for n in range(max(0, sizes.reminders - pending - 2 * self.cast.subjects)):
            self._reminder(sink, w, 1_000_000 + rng.randrange(sizes.citizens), None,
                           "repeat_call", n)  # fmt: skip
            await sink.flush()
        for n in range(self.reminder_messages):
            when = start + rng.randrange(HISTORY_DAYS * DAY)
            chat = 1_000_000 + rng.randrange(sizes.citizens)
            self._outbox(sink, w, f"reminder:{n + 1}:{n % 50}", chat, when, payload=_REMINDER)
            await sink.flush()
        for n in range(max(1, sizes.citizens // 200)):
            cid = self._id("callback_requests")
            when = start + rng.randrange(HISTORY_DAYS * DAY)
            open_ = n < 5
            sink.add(
                "callback_requests",
                (cid, 1_000_000 + rng.randrange(sizes.citizens), "+79131234567",
                 "open" if open_ else "done", w.ts(when), None if open_ else self.cast.admin,
                 None if open_ else w.ts(when + 3_600), None, js([self.cast.admin])),
            )  # fmt: skip
        await sink.flush(force=True)
        return Facts(sink.counts, self.fitting(), self.outbox_keep)

    def fitting(self) -> int:
        return sum(
            1
            for v in self.by_place[self.city]
            if not v.paused and v.status == "approved" and "delivery" in v.skills
        )

    def _index(self, homes: list[int]) -> None:
        """Who fits what where (approved volunteers by territory and skill), once."""
        self.homes = homes
        self.fit = {}
        for place, vols in enumerate(self.by_place):
            vols = vols or self.by_place[self.city]  # nobody there: the city's help out
            for skill in {*KIND_SKILL.values()}:
                fit = [v for v in vols if skill is None or skill in v.skills] or vols
                self.fit[place, skill] = fit
                self.fit_unpaused[place, skill] = [v for v in fit if not v.paused]

    def _expected_new_pushes(self, count: int) -> int:
        total = sum(p.weight for p in self.places)
        return round(
            sum(
                count * place.weight / total * share * len(self.fit_unpaused[index, skill])
                for index, place in enumerate(self.places)
                for kind, share in KIND_SHARE.items()
                for skill in (KIND_SKILL[kind],)
            )
        )

    def _bulk_req(self, rng: random.Random, status: str, created: int, pushes: float) -> _Req:
        assert self.sizes is not None
        citizen = int(self.sizes.citizens * rng.random() ** 1.6)
        hotline = rng.random() < 0.03
        place = self.homes[citizen] if rng.random() < 0.95 else rng.randrange(len(self.places))
        kind = _pick(rng, KINDS)
        skill = KIND_SKILL[kind]
        fit = self.fit[place, skill]
        if status == "new":
            chosen = list(self.fit_unpaused[place, skill])
        else:
            k = int(pushes) + (rng.random() < pushes % 1)
            chosen = rng.sample(fit, min(k, len(fit)))
        taker: Vol | None = None
        if status in ("taken", "on_way"):
            # The driven volunteers hold no open task of the bulk: their state is the core's,
            # the same in both databases (a volunteer's /forget would otherwise hand a task
            # back in the big one only, and the two would time different work).
            free = (
                [
                    v
                    for v in self.fit_unpaused[place, skill]
                    if v.holding < 4 and v.user_id not in self.driven
                ]
                or [v for v in fit if v.user_id not in self.driven]
                or fit
            )
            taker = free[rng.randrange(len(free))]
            taker.holding += 1
        elif status in ("done", "failed") or (status == "cancelled" and rng.random() < 0.3):
            taker = chosen[0] if chosen else fit[rng.randrange(len(fit))]
        if taker is not None and taker not in chosen:
            chosen.append(taker)
        return _Req(
            self._id("help_requests"),
            None if hotline else 1_000_000 + citizen,
            self.coordinators[rng.randrange(len(self.coordinators))][0] if hotline else None,
            kind, place, status, created + rng.randrange(300),
            _pick(rng, URGENCY), push_round=int(rng.random() < 0.05), taker=taker,
            rated=status == "done" and rng.random() < 0.6, pushes=chosen,
        )  # fmt: skip

    def _calibrate(self, sizes: Sizes, sink: _Sink, per_request: float, new_pushes: int) -> None:
        """Which share of the history requests keeps its outbox rows (a request's rows are kept
        or left out together), and how often a request is viewed, so the outbox and the audit
        log reach their sizes: measured on a sample of history requests generated (and
        discarded) with their own random numbers."""
        probe = _Sink(_Probe())
        rng = random.Random(self.seed + 2)
        saved = dict(self.next_id)
        sample = 4_000
        self.outbox_keep, self.audit_view_rate = 1.0, 0.0
        for n in range(sample):
            status = _pick(rng, HISTORY_STATUS)
            self._request(probe, _Probe(), rng, self._bulk_req(rng, status, n, per_request))
        self.next_id = saved
        self.outbox_keep = 1.0
        rows_per_request = len(probe.rows["outbox"]) / sample
        audits_per_request = len(probe.rows["audit_log"]) / sample
        history = sizes.requests - sizes.open
        self.reminder_messages = round(sizes.outbox * 0.03)
        fixed = sink.counts["outbox"] + new_pushes + sizes.open * rows_per_request
        room = sizes.outbox - fixed - self.reminder_messages
        self.outbox_keep = min(1.0, max(0.0, room / max(1.0, history * rows_per_request)))
        room_audit = sizes.audit - sink.counts["audit_log"] - sizes.requests * audits_per_request
        self.audit_view_rate = max(0.0, room_audit / sizes.requests)


class _Probe:
    """A writer that keeps values as they are (the calibration's rows are only counted)."""

    def ts(self, seconds: int) -> int:
        return seconds

    def day(self, value: date) -> date:
        return value

    async def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        return None


def check_storage_format(stored: Sequence[Any]) -> None:
    """``stored``: (timestamp, JSON) as SQLAlchemy wrote them through the models for
    2026-01-02 03:04:05 UTC and PURGED; the generator's own must be the same."""
    expected = (sqlite_ts(int(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp())), PURGED_JSON)
    if tuple(stored) != expected:
        raise AssertionError(f"storage format drifted: {tuple(stored)} != {expected}")
