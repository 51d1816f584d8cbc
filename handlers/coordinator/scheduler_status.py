"/scheduler: when the periodic jobs run next, how many reminders wait, which were missed."

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram_i18n import I18nContext
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.formatting import format_datetime
from bot.services.reminders import reminder_status

router = Router(name=__name__)

JOB_TITLES = {
    "reminders": "scheduler-job-reminders",
    "waiting_requests": "scheduler-job-waiting-requests",
    "escalation": "scheduler-job-escalation",
    "retention": "scheduler-job-retention",
    "erasures": "scheduler-job-erasures",
    "campaign_calls": "scheduler-job-campaign-calls",
    "request_series": "scheduler-job-series",
    "care_teams": "scheduler-job-care",
    "recognition": "scheduler-job-recognition",
}


@router.message(Command("scheduler", ignore_case=True))
async def cmd_scheduler(
    message: Message,
    i18n: I18nContext,
    db: AsyncSession,
    settings: Settings,
    scheduler: AsyncIOScheduler,
) -> None:
    status = await reminder_status(db)
    tz = settings.tz
    none = i18n.get("scheduler-none")
    parts = [
        i18n.get(
            "scheduler-status",
            pending=status.pending,
            next_due=format_datetime(status.next_due, tz) if status.next_due else none,
            missed=status.missed,
        )
    ]
    jobs = [
        i18n.get(
            "scheduler-job-row",
            job=i18n.get(JOB_TITLES[job.id]) if job.id in JOB_TITLES else job.id,
            next_run=(
                format_datetime(job.next_run_time, tz)
                if scheduler.running and job.next_run_time
                else i18n.get("scheduler-not-running")
            ),
        )
        for job in scheduler.get_jobs()
    ]
    parts.append(
        "\n".join([i18n.get("scheduler-jobs-title", zone=settings.default_timezone), *jobs])
    )
    if status.recent_missed:
        rows = [
            i18n.get(
                "scheduler-missed-row",
                id=r.id,
                kind=r.kind,
                chat=str(r.chat_id),
                due=format_datetime(r.due_at, tz),
                count=r.missed_count,
            )
            for r in status.recent_missed
        ]
        parts.append("\n".join([i18n.get("scheduler-missed-title"), *rows]))
    await message.answer("\n\n".join(parts))
