"""All routers, with chat-type and role filters on their parents and catch-alls last."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.filters import IsCoordinator, IsHQ
from handlers import common, errors, fallback, groups, membership
from handlers.citizen import call_me, my_requests, request_form, self_survey
from handlers.citizen import consultations as medic_consultations
from handlers.citizen import safety as safety_library
from handlers.citizen import series as request_series
from handlers.coordinator import (
    applications,
    appoint,
    audit,
    call_backs,
    campaign_export,
    campaign_import,
    campaign_links,
    campaign_stats,
    campaign_visits,
    coordinators,
    delivery,
    request_assign,
    requests,
    scheduler_status,
    stats,
    territories,
    volunteers,
)
from handlers.coordinator import broadcasts as broadcast_admin
from handlers.coordinator import campaigns as campaign_admin
from handlers.coordinator import care as care_admin
from handlers.coordinator import console as request_console
from handlers.coordinator import escalation as request_escalation
from handlers.coordinator import events as event_admin
from handlers.coordinator import exports as hq_exports
from handlers.coordinator import recognition as recognition_admin
from handlers.coordinator import reports as hq_reports
from handlers.coordinator import series as series_admin
from handlers.coordinator import tips as tip_admin
from handlers.volunteer import calls, profile, signup, task_reminders, tasks, visits
from handlers.volunteer import care as care_member
from handlers.volunteer import events as volunteer_events
from handlers.volunteer import recognition as volunteer_recognition


def _detached(router: Router) -> Router:
    """Module routers are singletons; a second app in one process (tests restart the bot)
    takes them over from the first, which must be stopped by then."""
    parent = router.parent_router
    if parent is not None:
        parent.sub_routers.remove(router)
        router._parent_router = None
    return router


def get_routers(feature_routers: Iterable[Router] = ()) -> list[Router]:
    """Routers in the order they must be tried.

    ``feature_routers`` (tests, later features) go before the catch-alls.
    """
    private = Router(name="private")
    private.message.filter(F.chat.type == ChatType.PRIVATE)
    private.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    private.my_chat_member.filter(F.chat.type == ChatType.PRIVATE)

    # Role filters sit on these parents, never inside handlers: a person without the role
    # falls through to the catch-alls and learns nothing.
    hq = Router(name="hq")
    hq.message.filter(IsHQ())
    hq.callback_query.filter(IsHQ())
    hq.include_routers(
        *(
            _detached(module.router)
            for module in (appoint, coordinators, audit, stats, delivery, scheduler_status)
        )
    )
    coordinator = Router(name="coordinator")
    coordinator.message.filter(IsCoordinator())
    coordinator.callback_query.filter(IsCoordinator())
    coordinator.include_routers(
        _detached(territories.router),
        _detached(tip_admin.router),  # adding and editing safety tips (issue 18)
        _detached(applications.router),
        _detached(volunteers.router),
        _detached(requests.router),
        _detached(request_assign.router),
        _detached(request_console.router),  # /requests: the console (issue 19)
        _detached(request_escalation.router),  # replacing a volunteer (issue 19)
        _detached(call_backs.router),
        _detached(campaign_import.router),
        _detached(campaign_export.router),
        _detached(campaign_links.router),
        _detached(campaign_visits.router),
        _detached(campaign_stats.router),
        _detached(hq_exports.router),  # /export: requests, volunteers, hours (issue 20)
        _detached(hq_reports.router),  # /report: statistics, the yearly report (issue 20)
        _detached(campaign_admin.router),
        _detached(event_admin.router),
        _detached(series_admin.router),  # /series, /repeat N: recurring help (issue 19)
        _detached(recognition_admin.router),  # «Лучший доброволец», /dobro (issue 20)
        _detached(care_admin.router),  # /teams: standing care for a senior (issue 19)
        _detached(broadcast_admin.router),  # /broadcast (issue 20)
        hq,
        # /delivery of a territory coordinator: what did not reach them or their broadcasts
        # (the HQ's /delivery, in hq above, shows everything).
        _detached(delivery.mine_router),
    )

    private.include_routers(
        _detached(membership.router),
        # Before /start: a survey link's /start s_<token> (issue 17).
        _detached(self_survey.start_router),
        _detached(common.router),
        # «Ask a volunteer medic»: first, so that in the conversation mode what a person
        # sends goes to the other side (the mode's handlers filter on its state).
        _detached(medic_consultations.router),
        coordinator,
        # Before the forms: «📞 Call me» typed inside another form gets its own answer.
        _detached(call_me.router),
        _detached(request_form.router),
        _detached(my_requests.router),
        _detached(request_series.router),  # recurring help: set-up, cards, «Cannot» (issue 19)
        _detached(self_survey.router),
        # The safety library: /tips, subscriptions, «I got a suspicious call» (issue 18).
        _detached(safety_library.router),
        _detached(signup.router),
        _detached(profile.router),
        _detached(tasks.router),
        _detached(task_reminders.router),  # «still doing it» (issue 19)
        _detached(calls.router),
        _detached(visits.router),
        _detached(care_member.router),  # /myteams: a care team member's side (issue 19)
        # A volunteer's «Участвую» under a campaign's invitation (issue 16).
        _detached(campaign_admin.join_router),
        # The volunteer calendar: /events, sign-ups, cancellations (issue 18).
        _detached(volunteer_events.router),
        _detached(volunteer_recognition.router),  # /mystats: record, certificate (issue 20)
        *(_detached(r) for r in feature_routers),
    )
    # Catch-alls last: they answer whatever no feature understood.
    private.include_router(_detached(fallback.router))

    return [_detached(errors.router), private, _detached(groups.router)]
