"""Every CallbackData factory, in one place: short prefixes, ids only (64-byte cap).

Every int field is bounded by its column's range (bot/ranges.py): forged or mangled data
fails to unpack, aiogram's filter takes that as "no match", and the press falls through to
the stale-button answer instead of an overflowing query."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.ranges import INT64_MAX, Day, Offset, RecordId, TerritoryId, UserId

# A record id where 0 means "none" (list pages carry no id).
RecordIdOrNone = Annotated[int, Field(ge=0, le=INT64_MAX)]
# Audit filters may name any id typed by the HQ, negative too (groups, channels).
AnyId = Annotated[int, Field(ge=-INT64_MAX, le=INT64_MAX)]
Star = Annotated[int, Field(ge=0, le=5)]


class AwardCb(CallbackData, prefix="aw"):
    """«🏅 Лучший доброволец» under a month's proposal (issue 20): proposal id, volunteer id."""

    p: RecordId
    v: RecordId


class MyStatsCb(CallbackData, prefix="ms"):
    """/mystats buttons: "cert" the certificate of ``period`` ("year" or "all"), "book" the
    hours for DOBRO.RF."""

    action: str
    period: str = "all"


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class TerritoryPickCb(CallbackData, prefix="tp"):
    """The territory picker of the appoint form: toggle one, turn a page, HQ, done."""

    action: str  # "t" toggle, "p" page, "hq", "ok"
    id: TerritoryId = 0
    page: Offset = 0


class ConfirmCb(CallbackData, prefix="cf"):
    """Yes/no on a form's summary."""

    form: str
    ok: bool


class DismissCb(CallbackData, prefix="dm"):
    user_id: UserId
    confirm: bool = False


class AuditPageCb(CallbackData, prefix="au"):
    offset: Offset
    actor: AnyId = 0
    action: str = ""
    since: Day = 0  # days since 1970-01-01, 0: open
    until: Day = 0


class ApplicationCb(CallbackData, prefix="va"):
    """A coordinator's decision on application ``id``: "ok", "no", or "open" its card."""

    id: RecordIdOrNone
    action: str


class ProfileCb(CallbackData, prefix="pf"):
    """The volunteer's own profile: pause, resume, leave (and confirm), forget (confirm)."""

    action: str


class VolunteerCb(CallbackData, prefix="vc"):
    """A coordinator on volunteer ``id``: "open" the card, "block", "unblock", or a "page"."""

    id: RecordIdOrNone
    action: str


class MyRequestCb(CallbackData, prefix="mr"):
    """A requester on their request ``id``: "open", "cancel" (and "cancel_yes"), "rate",
    "star" with ``value`` 1-5."""

    id: RecordId
    action: str
    value: Star = 0


class TaskCb(CallbackData, prefix="tk"):
    """A volunteer on task ``id``: "take", "open", "way", "done", "no"."""

    id: RecordId
    action: str


class CoordRequestCb(CallbackData, prefix="cr"):
    """A coordinator on request ``id``: "open", "fail", "erase" (and "erase_yes"); or a "page"
    of the list from ``offset``, open requests only unless ``everything``."""

    action: str
    id: RecordIdOrNone = 0
    offset: Offset = 0
    everything: bool = False


class AssignCb(CallbackData, prefix="ca"):
    """A coordinator assigning request ``id``: a ``page`` of fitting volunteers from
    ``offset`` (``volunteer`` 0), or the chosen ``volunteer``."""

    id: RecordId
    volunteer: RecordIdOrNone = 0
    offset: Offset = 0
    re: bool = False  # the console's reassign of a taken request (never a stale assign's)


class ReofferCb(CallbackData, prefix="ro"):
    """A coordinator offering request ``id`` again; ``round`` is the offer round their card
    showed (a second press of the same card does nothing)."""

    id: RecordId
    round: Offset


class EscalationCb(CallbackData, prefix="es"):
    """Escalation and reminders (issue 19): a volunteer's "still" (doing task ``id``); a
    coordinator's "rp" (replace holder ``f`` by volunteer ``v``) and "rl" (the list of who
    may replace ``f``, from ``o``)."""

    a: str
    id: RecordId
    v: RecordIdOrNone = 0
    f: RecordIdOrNone = 0
    o: Offset = 0


class CallMeCb(CallbackData, prefix="cm"):
    """A citizen's call-back request: "ok" confirms the summary, "no" drops it."""

    action: str


class CallBackCb(CallbackData, prefix="cb"):
    """A coordinator on call-back request ``id``: "fill" the hotline form from the call, or
    "done" (called, no request needed)."""

    id: RecordId
    action: str


# Vaccination follow-up campaigns (issue 16).


class CampaignCb(CallbackData, prefix="cmp"):
    """A coordinator's campaigns: the list, a campaign's card and its actions."""

    action: str  # list, open, pause, resume, close, close_ok, import, template, medics, ...
    id: RecordIdOrNone = 0
    page: Offset = 0


class CampaignJoinCb(CallbackData, prefix="cmj"):
    """A volunteer opts in to (or steps out of) a campaign of chosen volunteers."""

    id: RecordId
    join: bool


class CallCb(CallbackData, prefix="cl"):
    """The volunteer's worklist: the next call, the claimed person's outcome, release."""

    action: str
    id: RecordIdOrNone = 0
    value: str = ""


class AlertCb(CallbackData, prefix="al"):
    """A medic acknowledges an «unwell» alert."""

    id: RecordId


class VisitCb(CallbackData, prefix="vs"):
    """Door-to-door visits: take a route, show it again, an outcome at the door (``id`` the
    person), pair up (``id`` the route, ``user`` the partner)."""

    action: str  # take, show, out, partner, pair
    id: RecordIdOrNone = 0
    value: str = ""
    user: UserId = 0


class CampaignExportCb(CallbackData, prefix="cxp"):
    """The export's choice, all of it in every button (``go``: run it): format (``x`` XLSX,
    ``c`` CSV), status filter, territory (0: all in scope), period in days (0: all time)."""

    id: RecordId
    fmt: str = "x"
    status: str = "all"
    territory: TerritoryId = 0
    days: Annotated[int, Field(ge=0, le=30)] = 0
    go: bool = False


class SurveyCb(CallbackData, prefix="svy"):
    """«Начать» / «Продолжить» under a self-survey's offer or reminder: the person asked about
    (the button works only for the user linked to them)."""

    id: RecordId


class CampaignLinksCb(CallbackData, prefix="cln"):
    """The survey links' file of a campaign: its format (``x`` XLSX, ``c`` CSV)."""

    id: RecordId
    fmt: str = "x"


class EventCb(CallbackData, prefix="ev"):
    """A volunteer and the calendar (issue 18): "join" (sign up or the waiting list),
    "leave" (cancel the sign-up), "open" an event's card, "list" the upcoming ones."""

    action: str
    id: RecordIdOrNone = 0


class EventAdminCb(CallbackData, prefix="eva"):
    """A coordinator and the calendar: "list", "new", "open" a card, "att" the attendance
    screen (its ``page``), "tog" tick a volunteer (``user``), "ok" confirm attendance, "off"
    call the event off, "off_ok" confirmed."""

    action: str
    id: RecordIdOrNone = 0
    user: UserId = 0
    page: Offset = 0  # of the attendance screen


class ConsultCb(CallbackData, prefix="cns"):
    """Ask a volunteer medic (issue 18): a medic's "take", either side's "reply" (enter the
    conversation), the citizen's "cancel" of a waiting question, a rating "star" 1-5."""

    action: str
    id: RecordId
    value: Star = 0


class SafetyCb(CallbackData, prefix="sf"):
    """The safety library (issue 18): "home" the topics, "t" a topic (``v``), "v" a tip
    (``id``), "sub" the subscriptions, "wd" pick a weekday, "wt" a time (``v`` the weekday),
    "ws" save (``v`` "day-minute"), "so" seasonal alerts on, "off" unsubscribe (``v`` "w",
    "s"); under a pushed tip "tm" its topic and "po" unsubscribe, as new messages; "fr"
    «I got a suspicious call», "fh" ask a volunteer about it, "ed" a coordinator
    edits tip ``id``. bot/services/safety.callback builds the same data for pushed tips."""

    a: str
    id: RecordIdOrNone = 0
    v: str = ""


class BroadcastCb(CallbackData, prefix="bc"):
    """Broadcasts (issue 20): "x" cancels broadcast ``id`` (under its progress message;
    bot/services/broadcasts.cancel_data builds the same data)."""

    a: str
    id: RecordId


class DeliveryCb(CallbackData, prefix="dlv"):
    """/delivery (issue 20): "xlsx" or "csv" exports what could not be delivered."""

    a: str


# The console's filters as small indexes (bot/services/console.py STATUSES, KINDS, URGENCIES).
SmallIndex = Annotated[int, Field(ge=0, le=15)]


class ConsoleCb(CallbackData, prefix="cq"):
    """The coordinators' request console (issue 19): "ls" a page of the list from ``o``,
    "fl" the filters with their counts, "rs" reset them; "note", "cancel" (with a reason) and
    "find" (a volunteer by name or phone) on request ``id``. Filters: ``s`` status index,
    ``k`` kind index + 1, ``u`` urgency index + 1 (0: any), ``t`` territory (0: any), ``f``
    bits: 1 overdue, 2 unattended, 4 a recurring series' occurrences."""

    a: str
    id: RecordIdOrNone = 0
    s: SmallIndex = 0
    k: SmallIndex = 0
    u: SmallIndex = 0
    t: TerritoryId = 0
    f: Annotated[int, Field(ge=0, le=7)] = 0
    o: Offset = 0


class SeriesCb(CallbackData, prefix="srs"):
    """Recurring help (issue 19): "new" set up a series from request ``id``; on series ``id``:
    "open" its card, "pause", "resume", "skip" (``at``: the next occurrence the card showed,
    minutes since 1970, so a double tap skips one), "end"; "no": the previous volunteer
    cannot do occurrence (request) ``id``."""

    action: str
    id: RecordId
    at: RecordIdOrNone = 0


class CareCb(CallbackData, prefix="ct"):
    """Standing care for a senior (issue 19). A coordinator's, on team ``id``: "open" its card,
    "add" (``v``: 1 a social worker, 2 a volunteer: the candidates from ``o``), "pick" (user
    ``v`` joins as role ``f``), "sched" its schedule form, "end"/"end!" (asked, confirmed),
    "erase"/"erase!", "rl" the list to replace member ``f`` from ``o``, "rp" user ``v``
    replaces member ``f``; on visit ``id``: "ra" hand it to member ``v`` from member ``f``.
    A member's: "my" the team's card, "rec" record visit ``id`` («out»: outcome ``v``),
    "still" / "cannot" answer a missed visit's question."""

    a: str
    id: RecordIdOrNone = 0
    v: RecordIdOrNone = 0
    f: RecordIdOrNone = 0
    o: Offset = 0


class ExportCb(CallbackData, prefix="xpo"):
    """/export (issue 20), all of the choice in every button (``go``: run it): ``k`` kind
    (``r`` requests, ``v`` volunteers, ``h`` hours; ``""``: the kind menu), ``f`` format (``x``
    XLSX, ``c`` CSV), ``s`` status filter, ``t`` territory (0: all in scope), ``p`` period,
    ``pd`` personal columns wanted, ``tp`` the page of territory buttons shown."""

    k: str = ""
    f: str = "x"
    s: str = "all"
    t: TerritoryId = 0
    p: str = "month"
    pd: bool = True
    tp: Offset = 0
    go: bool = False


class ReportCb(CallbackData, prefix="rpo"):
    """/report (issue 20): ``a`` "p" statistics for period ``p``, "c" custom dates asked,
    "y" the yearly report of ``y``, "m" the period menu again."""

    a: str
    p: str = ""
    y: Annotated[int, Field(ge=0, le=9999)] = 0
