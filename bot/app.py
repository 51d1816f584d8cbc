"""Assembles the application: engine → sessions → Bot → Dispatcher → routers → scheduler."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time as time_of_day
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.enums import ChatType, ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import Update, User
from aiogram.utils.callback_answer import CallbackAnswerMiddleware
from aiogram_i18n import I18nMiddleware
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import transactions
from bot.clock import Clock, SystemClock
from bot.commands import set_chat_menu, set_default_menus
from bot.config import Settings
from bot.delivery.limiter import LimiterConfig, RateLimiter
from bot.delivery.retry import RetryPolicy
from bot.delivery.worker import DeliveryWorker, WorkerConfig
from bot.dispatch_index import index_routers
from bot.fsm_storage import DbStorage
from bot.i18n import DbLocaleManager, Translator
from bot.inline_filters import inline_sync_filters
from bot.keyboards import care as care_kb
from bot.keyboards import escalation as escalation_kb
from bot.keyboards.requests import take_data
from bot.middlewares.db import CommitMiddleware, DbSessionMiddleware
from bot.middlewares.logging import UpdateLogMiddleware, update_started
from bot.middlewares.requests import CommitBeforeSendMiddleware, RetryAfterMiddleware
from bot.middlewares.throttle import ThrottleMemoryMiddleware
from bot.middlewares.user import UserMiddleware
from bot.services import care, escalation_rules, series
from bot.services.help_requests import WAVE_SIZE_INFO
from bot.services.language import negotiate_locale
from bot.services.territories import default_territories, load_from_file
from bot.services.timing import QuietHours
from bot.services.users import Roles, get_user
from bot.telegram import TolerantSession, keep_response_models
from bot.throttle import RedisThrottle, Throttle, ThrottleConfig, Verdict
from bot.transactions import NoTransactionAcrossCallMiddleware
from bot.update_info import UNKNOWN, chat_of, sender_of, update_kind
from handlers import get_routers
from models import Territory, migrate
from models.db import create_engine, create_sessionmaker, one_process_at_a_time
from scheduler.leases import lease_jobs
from scheduler.setup import add_jobs, build_scheduler

logger = logging.getLogger(__name__)
update_logger = logging.getLogger("bot.updates")

# What a person sends or presses; membership changes (blocked the bot, left a group) are
# never dropped: they keep stored facts true.
THROTTLED_KINDS = frozenset({"message", "edited_message", "callback_query"})


class AppDispatcher(Dispatcher):
    """A Dispatcher that knows how many updates are being handled, so shutdown can wait for
    them (aiogram does not wait for ``handle_as_tasks`` updates on its own); that drops
    floods before they reach the per-person lock; and that lets kinds of update aiogram does
    not know pass with one log line (aiogram would warn with the whole update, data and all)."""

    def __init__(self, *, throttle: Throttle | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.throttle = throttle
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        update_started.set(time.perf_counter())  # each update runs in a context of its own
        self._in_flight += 1
        self._idle.clear()
        try:
            if update_kind(update) == UNKNOWN:
                update_logger.info("update=%s kind=unknown outcome=skipped", update.update_id)
                return UNHANDLED
            throttled = self._throttled_sender(update)
            if throttled is not None:
                assert self.throttle is not None
                verdict = await self.throttle.acquire(throttled.id)
                if verdict is not Verdict.PASS:
                    await self._drop(bot, update, throttled, verdict)
                    return UNHANDLED
                try:
                    return await super().feed_update(bot, update, **kwargs)
                finally:
                    await self.throttle.release(throttled.id)
            return await super().feed_update(bot, update, **kwargs)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    def _throttled_sender(self, update: Update) -> User | None:
        """The person whose allowance this update draws on, if any."""
        if self.throttle is None or update_kind(update) not in THROTTLED_KINDS:
            return None
        user = sender_of(update)
        return user if user is not None and not user.is_bot else None

    async def _drop(self, bot: Bot, update: Update, user: User, verdict: Verdict) -> None:
        """Drop an update over its sender's allowance, here, before the per-person lock and
        the database: a pressed button is answered, a flood gets one notice."""
        assert self.throttle is not None
        update_logger.info(
            "update=%s kind=%s user=%s outcome=throttled",
            update.update_id,
            update_kind(update),
            user.id,
        )
        translator: Translator = self["translator"]
        locale = self.throttle.locale_of(user.id) or negotiate_locale(
            None, user.language_code, translator.default_locale
        )
        try:
            if update.callback_query is not None:  # every press is answered: none spins
                await bot.answer_callback_query(
                    update.callback_query.id, text=translator.get(locale, "throttle-button")
                )
            elif verdict is Verdict.DROP_NOTIFY:
                chat = chat_of(update)
                if chat is not None and chat.type == ChatType.PRIVATE:  # groups hear nothing
                    await bot.send_message(chat.id, translator.get(locale, "throttle-slow-down"))
        except TelegramAPIError as exc:
            logger.warning("update=%s: throttle notice not sent: %s", update.update_id, exc)

    async def wait_idle(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            logger.warning(
                "shutdown: %s updates still in flight after %s s", self._in_flight, timeout
            )
            return False
        return True


@dataclass
class App:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    translator: Translator
    bot: Bot
    dispatcher: AppDispatcher
    scheduler: AsyncIOScheduler
    delivery: DeliveryWorker

    async def run_polling(self, *, handle_signals: bool = True) -> None:
        """Poll until stopped (SIGINT/SIGTERM or ``stop()``), then drain and close."""
        self.scheduler.start()
        self.delivery.start()
        try:
            await self.dispatcher.start_polling(
                self.bot,
                handle_as_tasks=True,
                handle_signals=handle_signals,
                close_bot_session=False,
                polling_timeout=self.settings.polling_timeout,
                tasks_concurrency_limit=self.settings.max_concurrent_updates,
            )
        finally:
            await self.close()

    async def stop(self) -> None:
        await self.dispatcher.stop_polling()

    async def close(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.delivery.stop(self.settings.shutdown_timeout)
        await self.delivery.bot.session.close()
        await self.bot.session.close()
        await self.engine.dispose()


def build_bot(
    settings: Settings,
    *,
    for_replies: bool = True,
    timeout: float = 60.0,
    limiter: RateLimiter | None = None,
) -> Bot:
    """``for_replies``: the handlers' Bot commits before each call and waits out a 429; the
    delivery worker's own Bot does neither: it reschedules the row and serves other chats.
    ``limiter``: the delivery worker's, which the replies book their places in."""
    # The worker reads only the id of what it sent (bot/telegram.py, lean_messages).
    lean = not for_replies
    session = (
        TolerantSession(
            api=TelegramAPIServer.from_base(settings.telegram_api_url),
            timeout=timeout,
            lean_messages=lean,
        )
        if settings.telegram_api_url
        else TolerantSession(timeout=timeout, lean_messages=lean)
    )
    if for_replies:
        session.middleware(CommitBeforeSendMiddleware())
        session.middleware(RetryAfterMiddleware(limiter=limiter))
    transactions.install()
    session.middleware(NoTransactionAcrossCallMiddleware())
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


async def _build_storage(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> tuple[BaseStorage, BaseEventIsolation]:
    if settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        storage = RedisStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        )
        return storage, RedisEventIsolation(storage.redis, key_builder=storage.key_builder)
    return DbStorage(sessionmaker, clock), SimpleEventIsolation()


def build_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    translator: Translator,
    clock: Clock,
    storage: BaseStorage,
    isolation: BaseEventIsolation,
    feature_routers: Iterable[Router] = (),
) -> AppDispatcher:
    throttle: Throttle | None = None
    if settings.throttle_burst > 0:
        config = ThrottleConfig(burst=settings.throttle_burst, rate=settings.throttle_rate)
        coordinators = frozenset(settings.admin_ids)
        redis = getattr(storage, "redis", None)  # RedisStorage: replicas share the allowance
        throttle = (
            RedisThrottle(config, redis, coordinators)
            if redis is not None
            else Throttle(config, coordinators=coordinators)
        )
    dp = AppDispatcher(
        throttle=throttle,
        storage=storage,
        events_isolation=isolation,
        settings=settings,
        translator=translator,
        clock=clock,
        sessionmaker=sessionmaker,
    )
    # Outer middlewares run in this order, inside aiogram's error and user-context ones. The
    # update's session opens before aiogram's FSM middleware (the per-person lock and the
    # state read) and commits inside it: see bot/middlewares/db.py.
    dp.update.outer_middleware.unregister(dp.fsm)
    dp.update.outer_middleware(UpdateLogMiddleware())
    dp.update.outer_middleware(DbSessionMiddleware(sessionmaker))
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(CommitMiddleware())
    dp.update.outer_middleware(UserMiddleware(clock, settings.admin_ids))
    # Registered by hand instead of I18nMiddleware.setup(): that would unload the locales at
    # shutdown while updates may still be finishing.
    dp.update.outer_middleware(
        I18nMiddleware(
            core=translator.core,
            manager=DbLocaleManager(settings.default_locale, clock),
            default_locale=settings.default_locale,
        )
    )
    if throttle is not None:
        dp.update.outer_middleware(ThrottleMemoryMiddleware(throttle))
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    dp.include_routers(*get_routers(feature_routers))
    # Reads the filters as written: before inline_sync_filters wraps them.
    index_routers(dp, translator=translator)
    inline_sync_filters(dp)

    async def drain_updates() -> None:
        await dp.wait_idle(settings.shutdown_timeout)

    # First of all shutdown hooks: updates in flight finish before storage and sessions close.
    dp.shutdown.handlers.insert(0, HandlerObject(callback=drain_updates))
    dp.startup.register(_on_startup)
    return dp


async def _on_startup(
    bot: Bot,
    settings: Settings,
    translator: Translator,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Best-effort calls to Telegram: a failure is logged and the bot goes on."""
    await set_default_menus(bot, translator)
    async with sessionmaker() as session:
        admins = {admin_id: await get_user(session, admin_id) for admin_id in settings.admin_ids}
    hq = Roles(is_coordinator=True, is_hq=True)
    for admin_id, admin in admins.items():
        locale = negotiate_locale(
            admin.locale if admin else None,
            admin.language_code if admin else None,
            settings.default_locale,
        )
        await set_chat_menu(bot, translator, admin_id, locale, hq)


async def _load_territories(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    """TERRITORIES set: load (update) that file at every start. Unset: a new deployment gets
    the shipped file matching its time zone, once, so sign-up works out of the box; after
    that, and with TERRITORIES=off, the table is left alone."""
    name = settings.territories
    async with sessionmaker() as session:
        if name is None:
            if await session.scalar(select(Territory.id).limit(1)) is not None:
                return
            name = default_territories(settings.default_timezone)
        elif name.lower() in ("off", "none"):
            return
        report = await load_from_file(session, name, clock.now())
        await session.commit()
    logger.info("%s (%s)", report.summary(), name)


async def _load_tips(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    """The safety library's data files (bot/data/tips/*.yaml), added or updated at every
    start; tips a coordinator edited stay as they are."""
    from bot.services import safety

    async with sessionmaker() as session:
        report = await safety.load_tips(session, clock.now())
        await session.commit()
    logger.info("%s", report.summary())


def _join_sqlite_threads(timeout: float = 2.0) -> None:
    """Wait for aiosqlite's worker threads to finish. A connection that failed to open still
    answers its stop request through the event loop; if asyncio.run() has closed the loop by
    then, the thread dies with "Event loop is closed" printed at exit (seen in CI)."""
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name and thread is not threading.current_thread():
            thread.join(timeout)


async def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    feature_routers: Iterable[Router] = (),
    apply_migrations: bool = True,
) -> App:
    clock = clock or SystemClock()
    keep_response_models()
    engine = create_engine(
        settings.database_url,
        sqlite_thread=settings.sqlite_thread,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    sessionmaker = create_sessionmaker(engine)
    # Services read OFFER_WAVE_SIZE from their session (help_requests.wave_size).
    # ... and escalation's times and buttons (bot/services/escalation_rules.py).
    sessionmaker.configure(
        info={
            WAVE_SIZE_INFO: settings.offer_wave_size,
            series.ACCEPT_INFO: settings.series_accept_hours,
            escalation_rules.POLICY_INFO: escalation_rules.Policy.from_settings(settings),
            escalation_rules.LINKS_INFO: escalation_kb.LINKS,
            care.LINKS_INFO: care_kb.LINKS,
        }
    )
    try:
        # Replicas starting together would all insert the shipped tips (a unique violation
        # and, on a new database, run the migrations): one after another instead.
        async with one_process_at_a_time(engine, "start-up"):
            if apply_migrations:
                await migrate.upgrade_if_needed(engine)
            await _load_territories(settings, sessionmaker, clock)
            await _load_tips(sessionmaker, clock)
    except BaseException:
        # Close the pool now: a connection thread left for interpreter exit prints a traceback.
        await engine.dispose()
        await asyncio.to_thread(_join_sqlite_threads)
        raise
    translator = Translator(settings.default_locale)
    storage, isolation = await _build_storage(settings, sessionmaker, clock)
    dispatcher = build_dispatcher(
        settings, sessionmaker, translator, clock, storage, isolation, feature_routers
    )
    scheduler = build_scheduler(settings.tz)
    add_jobs(
        scheduler,
        clock=clock,
        sessionmaker=sessionmaker,
        tick_seconds=settings.scheduler_tick_seconds,
        max_lateness=timedelta(minutes=settings.reminder_max_lateness_minutes),
        quiet=QuietHours.parse(settings.quiet_hours),
        take_data=take_data,
        default_locale=settings.default_locale,
        outbox_keep=timedelta(days=settings.outbox_keep_days),
        admin_ids=settings.admin_ids,
        consult_escalate=timedelta(minutes=settings.consult_escalate_minutes),
        consult_keep=timedelta(days=settings.consult_keep_days),
        daily_summary_at=time_of_day.fromisoformat(settings.daily_summary_at.zfill(5)),
    )
    lease_jobs(scheduler, engine)  # replicas on PostgreSQL: one runs each job at a time
    dispatcher["scheduler"] = scheduler
    delivery = build_delivery(settings, sessionmaker, translator, clock)
    return App(
        settings=settings,
        clock=clock,
        engine=engine,
        sessionmaker=sessionmaker,
        translator=translator,
        bot=build_bot(settings, limiter=delivery.limiter),
        dispatcher=dispatcher,
        scheduler=scheduler,
        delivery=delivery,
    )


def build_delivery(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    translator: Translator,
    clock: Clock,
) -> DeliveryWorker:
    return DeliveryWorker(
        # A send must give up well before its lease runs out, or another worker could take
        # the row over while this one is still waiting for Telegram.
        build_bot(
            settings, for_replies=False, timeout=min(30.0, settings.delivery_lease_seconds / 2)
        ),
        sessionmaker,
        translator,
        clock,
        limiter=RateLimiter(
            LimiterConfig(
                per_second=settings.delivery_rate,
                private_interval=settings.delivery_private_interval,
                group_per_minute=settings.delivery_group_per_minute,
            )
        ),
        policy=RetryPolicy(
            max_attempts=settings.delivery_max_attempts,
            base=settings.delivery_backoff_base,
            cap=settings.delivery_backoff_max,
        ),
        config=WorkerConfig(
            concurrency=settings.delivery_concurrency,
            poll_interval=settings.delivery_poll_interval,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
        ),
        admin_ids=frozenset(settings.admin_ids),
    )
