"""Buttons of escalation and reminders: the packed callback data the services put in outbox
messages (``LINKS``), and the coordinator's list of who may take over a task."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import AssignCb, EscalationCb, TaskCb
from bot.keyboards.requests import open_task_data, take_data
from bot.services.escalation_rules import Links

Gettext = Callable[..., str]

LINKS = Links(
    take=take_data,
    open_task=open_task_data,
    assign=lambda request_id: AssignCb(id=request_id).pack(),  # request_assign's list
    still=lambda request_id: EscalationCb(a="still", id=request_id).pack(),
    cannot=lambda request_id: TaskCb(id=request_id, action="no").pack(),  # tasks.py's «cannot»
    replace=lambda request_id, volunteer_id, former_id: EscalationCb(
        a="rp", id=request_id, v=volunteer_id, f=former_id
    ).pack(),
    replace_list=lambda request_id, former_id: EscalationCb(
        a="rl", id=request_id, f=former_id
    ).pack(),
)


def replace_list(
    _: Gettext,
    request_id: int,
    former_id: int,
    candidates: Sequence[tuple[str, int, int]],
    *,
    offset: int,
    total: int,
    page_size: int,
) -> InlineKeyboardMarkup:
    """One button per volunteer (name, open tasks) who may take over the task, paged."""
    rows = [
        [
            InlineKeyboardButton(
                text=_("btn-assign-volunteer", name=name, tasks=tasks),
                callback_data=EscalationCb(
                    a="rp", id=request_id, v=volunteer_id, f=former_id
                ).pack(),
            )
        ]
        for name, volunteer_id, tasks in candidates
    ]
    paging = []
    if offset > 0:
        paging.append(
            InlineKeyboardButton(
                text=_("btn-prev"),
                callback_data=EscalationCb(
                    a="rl", id=request_id, f=former_id, o=max(0, offset - page_size)
                ).pack(),
            )
        )
    if offset + page_size < total:
        paging.append(
            InlineKeyboardButton(
                text=_("btn-next"),
                callback_data=EscalationCb(
                    a="rl", id=request_id, f=former_id, o=offset + page_size
                ).pack(),
            )
        )
    if paging:
        rows.append(paging)
    return InlineKeyboardMarkup(inline_keyboard=rows)
