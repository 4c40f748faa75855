"""The data model; import from here."""
from .audit import SECURITY_ACTIONS, AuditChain, AuditEntry, record
from .documents import UploadedFile
from .jobs import Job, JobState
from .campaigns import Campaign, CampaignState, Deliverable, Extension, LatePolicy
from .photos import Photo
from .relays import Gathering
from .reminders import Lease, Reminder, ReminderStatus
from .submissions import STATE_LABELS, Revision, Submission, SubmissionState
from .types import UTCDateTime, utcnow
from .units import Contact, Unit
from .users import LoginAttempt, Role, User

__all__ = [
    "AuditEntry", "AuditChain", "SECURITY_ACTIONS", "record", "Campaign", "CampaignState", "Deliverable", "Extension", "LatePolicy",
    "Gathering", "Photo", "STATE_LABELS", "Revision", "Submission", "SubmissionState", "UTCDateTime", "utcnow",
    "Contact", "Unit", "LoginAttempt", "Role", "User", "UploadedFile", "Lease", "Reminder", "ReminderStatus", "Job",
    "JobState",
]
