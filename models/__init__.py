"""SQLAlchemy models: the single source of truth for the bot's data."""

from models.audit import AuditEntry
from models.base import Base
from models.broadcast import Broadcast, BroadcastStatus
from models.callback_request import CallbackRequest, CallbackStatus
from models.campaign import (
    AlertStatus,
    Campaign,
    CampaignAlert,
    CampaignContact,
    CampaignImport,
    CampaignLink,
    CampaignMedic,
    CampaignPerson,
    CampaignRoute,
    CampaignStatus,
    CampaignTerritory,
    CampaignVolunteer,
    LinkRelation,
    Outcome,
    PersonStatus,
    VolunteerMode,
    WorkKind,
)
from models.care import CareMember, CareTeam, CareVisit, MemberRole, TeamStatus, VisitStatus
from models.consultation import (
    Consultation,
    ConsultationMessage,
    ConsultationOffer,
    ConsultationStatus,
)
from models.erasure import Erasure
from models.event import (
    EventAttendance,
    EventSignup,
    EventStatus,
    SignupStatus,
    VolunteerEvent,
)
from models.fsm import FsmRecord
from models.help_request import HelpRequest, RequestKind, RequestPush, RequestStatus
from models.outbox import OutboxMessage, OutboxStatus, Priority
from models.recognition import AwardProposal, VolunteerAward
from models.reminder import Reminder, ReminderState
from models.request_event import EventKind, RequestEvent
from models.safety import SafetyTip, TipRound, TipSubscription
from models.series import RequestSeries, SeriesStatus
from models.territory import Coordinator, CoordinatorTerritory, Territory, TerritoryNeighbour
from models.user import User, UserCount
from models.volunteer import Volunteer, VolunteerStatus

__all__ = [
    "AlertStatus",
    "AuditEntry",
    "AwardProposal",
    "Base",
    "Broadcast",
    "BroadcastStatus",
    "CallbackRequest",
    "CallbackStatus",
    "Campaign",
    "CampaignAlert",
    "CampaignContact",
    "CampaignImport",
    "CampaignLink",
    "CampaignMedic",
    "CampaignPerson",
    "CampaignRoute",
    "CampaignStatus",
    "CampaignTerritory",
    "CampaignVolunteer",
    "CareMember",
    "CareTeam",
    "CareVisit",
    "Consultation",
    "ConsultationMessage",
    "ConsultationOffer",
    "ConsultationStatus",
    "Coordinator",
    "CoordinatorTerritory",
    "Erasure",
    "EventAttendance",
    "EventKind",
    "EventSignup",
    "EventStatus",
    "FsmRecord",
    "HelpRequest",
    "LinkRelation",
    "MemberRole",
    "OutboxMessage",
    "OutboxStatus",
    "Outcome",
    "PersonStatus",
    "Priority",
    "Reminder",
    "ReminderState",
    "RequestEvent",
    "RequestKind",
    "RequestPush",
    "RequestSeries",
    "RequestStatus",
    "SafetyTip",
    "SeriesStatus",
    "SignupStatus",
    "TeamStatus",
    "Territory",
    "TerritoryNeighbour",
    "TipRound",
    "TipSubscription",
    "User",
    "UserCount",
    "VisitStatus",
    "Volunteer",
    "VolunteerAward",
    "VolunteerEvent",
    "VolunteerMode",
    "VolunteerStatus",
    "WorkKind",
]
