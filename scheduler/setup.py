"""Builds the AsyncIOScheduler the app starts and stops, with its periodic jobs.

Due moments live in domain tables, so the job store stays in memory and holds only a few
periodic jobs with fixed ids; each job calls a plain ``tick(now)`` that tests call directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services import campaign_import
from bot.services.timing import QuietHours
from scheduler.jobs import broadcasts as broadcasts_job
from scheduler.jobs import (
    campaigns,
    care,
    erasures,
    events,
    reminders,
    retention,
    surveys,
    waiting_requests,
)
from scheduler.jobs import consultations as consultation_jobs
from scheduler.jobs import daily_summary as daily_summary_job
from scheduler.jobs import escalation as escalation_job
from scheduler.jobs import recognition as recognition_job
from scheduler.jobs import series as series_job
from scheduler.jobs import tips as tips_job

logger = logging.getLogger(__name__)


def build_scheduler(timezone: ZoneInfo) -> AsyncIOScheduler:
    return AsyncIOScheduler(
        timezone=timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )


def add_jobs(
    scheduler: AsyncIOScheduler,
    *,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
    tick_seconds: float,
    max_lateness: timedelta,
    quiet: QuietHours,
    take_data: Callable[[int], str],
    default_locale: str,
    outbox_keep: timedelta,
    admin_ids: Collection[int] = (),
    consult_escalate: timedelta = timedelta(minutes=15),
    consult_keep: timedelta = timedelta(days=30),
    daily_summary_at: time = time(8, 0),
) -> None:
    # The coordinators' daily summary at their local time (issue 19).
    daily_summary_job.add_job(
        scheduler,
        clock=clock,
        sessionmaker=sessionmaker,
        at=daily_summary_at,
        quiet=quiet,
        admin_ids=admin_ids,
        default_locale=default_locale,
    )

    # «Лучший доброволец»: the month's top proposed on the 1st, local time (issue 20).
    recognition_job.add_job(
        scheduler,
        clock=clock,
        sessionmaker=sessionmaker,
        admin_ids=admin_ids,
        default_locale=default_locale,
    )

    # Escalation circles, reminders of taken tasks, overdue marking (issue 19).
    escalation_job.add_job(
        scheduler,
        clock=clock,
        sessionmaker=sessionmaker,
        default_locale=default_locale,
        admin_ids=admin_ids,
    )

    # Recurring help: occurrences on schedule, first offers to the previous volunteer.
    series_job.add_job(
        scheduler,
        clock=clock,
        sessionmaker=sessionmaker,
        default_locale=default_locale,
        admin_ids=admin_ids,
    )

    # Standing care for a senior: visits on schedule, missed ones escalated (issue 19).
    care.add_job(
        scheduler,
        clock=clock,
        sessionmaker=sessionmaker,
        default_locale=default_locale,
        admin_ids=admin_ids,
    )

    # «Ask a volunteer medic»: escalation of untaken questions, retention of the relay.
    consultation_jobs.add_job(
        scheduler,
        clock=clock,
        sessionmaker=sessionmaker,
        escalate_after=consult_escalate,
        keep=consult_keep,
        admin_ids=admin_ids,
    )

    # Broadcasts: recipients enqueued in chunks, the author's progress and report (issue 20).
    broadcasts_job.add_job(
        scheduler,
        clock=clock,
        sessionmaker=sessionmaker,
        quiet=quiet,
        default_locale=default_locale,
    )

    # The safety library: seasonal rounds and weekly tips (issue 18).
    tips_job.add_job(
        scheduler,
        clock=clock,
        sessionmaker=sessionmaker,
        quiet=quiet,
        default_locale=default_locale,
    )

    async def fire_reminders() -> None:
        try:
            await reminders.tick(
                clock.now(), sessionmaker=sessionmaker, max_lateness=max_lateness, quiet=quiet
            )
        except Exception:
            logger.exception("reminders job failed; it runs again at the next tick")

    scheduler.add_job(
        fire_reminders,
        "interval",
        seconds=tick_seconds,
        id=reminders.JOB_ID,
        replace_existing=True,
        # At once on start: reminders that became due while the bot was down catch up.
        next_run_time=datetime.now(UTC),
    )

    async def offer_waiting_requests() -> None:
        try:
            await waiting_requests.tick(
                clock.now(),
                sessionmaker=sessionmaker,
                take_data=take_data,
                default_locale=default_locale,
            )
        except Exception:
            logger.exception("waiting requests job failed; it runs again at the next tick")

    scheduler.add_job(
        offer_waiting_requests,
        "interval",
        seconds=waiting_requests.INTERVAL_SECONDS,
        id=waiting_requests.JOB_ID,
        replace_existing=True,
    )

    async def finish_erasures() -> None:
        try:
            await erasures.tick(clock, sessionmaker=sessionmaker)
        except Exception:
            logger.exception("erasures job failed; it runs again at the next tick")

    scheduler.add_job(
        finish_erasures,
        "interval",
        seconds=erasures.INTERVAL_SECONDS,
        id=erasures.JOB_ID,
        replace_existing=True,
        next_run_time=datetime.now(UTC),  # at once on start: one cut short by a stop ends
    )

    async def purge_finished() -> None:
        try:
            await retention.tick(clock.now(), sessionmaker=sessionmaker, keep=outbox_keep)
        except Exception:
            logger.exception("retention job failed; it runs again at the next tick")

    scheduler.add_job(
        purge_finished,
        "interval",
        seconds=retention.INTERVAL_SECONDS,
        id=retention.JOB_ID,
        replace_existing=True,
        next_run_time=datetime.now(UTC) + timedelta(minutes=5),  # not in the start-up rush
    )

    async def work_campaigns() -> None:
        try:
            await campaigns.tick(clock.now(), sessionmaker=sessionmaker, admin_ids=admin_ids)
        except Exception:
            logger.exception("campaigns job failed; it runs again at the next tick")

    scheduler.add_job(
        work_campaigns,
        "interval",
        seconds=campaigns.INTERVAL_SECONDS,
        id=campaigns.JOB_ID,
        replace_existing=True,
    )

    async def work_surveys() -> None:
        try:
            await surveys.tick(clock.now(), sessionmaker=sessionmaker, quiet=quiet)
        except Exception:
            logger.exception("surveys job failed; it runs again at the next tick")

    scheduler.add_job(
        work_surveys,
        "interval",
        seconds=surveys.INTERVAL_SECONDS,
        id=surveys.JOB_ID,
        replace_existing=True,
    )

    async def remind_events() -> None:
        try:
            await events.tick(
                clock.now(), sessionmaker=sessionmaker, quiet=quiet, default_locale=default_locale
            )
        except Exception:
            logger.exception("event reminders job failed; it runs again at the next tick")

    scheduler.add_job(
        remind_events,
        "interval",
        seconds=events.INTERVAL_SECONDS,
        id=events.JOB_ID,
        replace_existing=True,
    )

    async def sweep_campaign_imports() -> None:
        try:
            await campaign_import.sweep_interrupted(sessionmaker, clock.now())
        except Exception:
            logger.exception("campaign imports job failed; it runs again at the next tick")

    # Imports a dead process left running (the router's start-up hook takes them at start).
    scheduler.add_job(
        sweep_campaign_imports,
        "interval",
        seconds=campaign_import.SWEEP_SECONDS,
        id="campaign-imports",
        replace_existing=True,
    )
