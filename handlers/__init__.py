"""All routers, with chat-type and role filters on their parents and catch-alls last."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.filters import IsCoordinator
from handlers import common, errors, fallback, groups, membership
from handlers.coordinator import delivery, scheduler_status, stats


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

    coordinator = Router(name="coordinator")
    coordinator.message.filter(IsCoordinator())
    coordinator.callback_query.filter(IsCoordinator())
    coordinator.include_routers(
        _detached(stats.router), _detached(delivery.router), _detached(scheduler_status.router)
    )

    private.include_routers(
        _detached(membership.router),
        _detached(common.router),
        coordinator,
        *(_detached(r) for r in feature_routers),
    )
    # Catch-alls last: they answer whatever no feature understood.
    private.include_router(_detached(fallback.router))

    return [_detached(errors.router), private, _detached(groups.router)]
