"""SQLAlchemy models: the single source of truth for the bot's data."""

from models.base import Base
from models.fsm import FsmRecord
from models.outbox import OutboxMessage, OutboxStatus, Priority
from models.reminder import Reminder, ReminderState
from models.user import User

__all__ = [
    "Base",
    "FsmRecord",
    "OutboxMessage",
    "OutboxStatus",
    "Priority",
    "Reminder",
    "ReminderState",
    "User",
]
