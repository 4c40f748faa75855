"""The coordinator's review: return with a reason, accept, grant a unit an extension, tell the unit.

Which states each action may start from is `SubmissionState.allows`; it is enforced here.
"""
from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..mail import MailError, send_email
from ..models import Extension, Revision, Submission, SubmissionState, User, record, utcnow
from . import WorkflowError
from .deadlines import is_overdue
from .standing import unit_standing
from .submissions import _flush, check_transition

S = SubmissionState


def return_(submission: Submission, *, reason: str, user: User, now: datetime | None = None) -> Submission:
    """Send a submitted submission back to the unit with a reason it will see on its form and 待办."""
    now = now or utcnow()
    check_transition("return", submission)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("请填写退回原因，单位将看到这一原因并据此修改。")
    if not unit_standing(submission.deliverable, submission.unit_id, now, submission=submission).can_return:
        raise WorkflowError("该事项已停止接收报送，退回后单位将无法重新报送。如确需退回，请先为该单位延期。")
    submission.state = S.returned
    submission.returned_at = now
    submission.return_reason = reason
    record("returned", user=user, campaign_id=submission.deliverable.campaign_id,
           unit_id=submission.unit_id, submission_id=submission.id, reason=reason)
    _flush(submission, user)
    return submission


def accept(submission: Submission, *, user: User, now: datetime | None = None) -> Submission:
    """Mark a submitted submission as 已采用; it is locked from then on (no edit, no withdraw)."""
    now = now or utcnow()
    check_transition("accept", submission)
    submission.state = S.accepted
    submission.accepted_at = now
    submission.accepted_by_id = user.id
    record("accepted", user=user, campaign_id=submission.deliverable.campaign_id,
           unit_id=submission.unit_id, submission_id=submission.id)
    _flush(submission, user)
    return submission


def extend(submission: Submission, *, deadline: datetime, reason: str, user: User,
           now: datetime | None = None) -> Extension:
    """Give the submission's unit a later deadline for its deliverable (replacing an earlier extension)."""
    now = now or utcnow()
    deliverable = submission.deliverable
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("请填写延期原因。")
    if submission.state is S.accepted:
        raise WorkflowError("该材料已采用，无需延期。")
    if deadline <= deliverable.deadline:
        raise WorkflowError("延期后的截止时间须晚于原截止时间，请重新选择。")
    extension = unit_standing(deliverable, submission.unit_id, now, submission=submission).extension
    if extension is None:
        extension = Extension(deliverable=deliverable, unit_id=submission.unit_id, deadline=deadline, reason=reason)
        db.session.add(extension)
        set_committed_value(submission, "extension", extension)  # its standing from now on counts it
    extension.deadline, extension.reason = deadline, reason
    extension.granted_by_id, extension.granted_at = user.id, now
    if submission.state is S.submitted:
        # Late means after the unit's effective deadline, which has just moved.
        late = is_overdue(deliverable.deadline, submission.submitted_at, extended_to=extension.deadline)
        if late != submission.is_late:
            submission.is_late = late
    record("extension_granted", user=user, campaign_id=deliverable.campaign_id, unit_id=submission.unit_id,
           submission_id=submission.id, deadline=deadline.isoformat(), reason=reason)
    _flush(submission, user)
    return extension


SUBJECTS = {
    "returned": "【已退回】{what}：请修改后重新报送",
    "accepted": "【已采用】{what}",
}


def notify_unit(submission: Submission, kind: str) -> tuple[list[str], list[str]]:
    """E-mail each contact of the unit that its submission was returned or accepted.

    Call after the change is committed. Returns (addresses sent to, failures as text) and adds an
    audit entry for the caller to commit.
    """
    deliverable = submission.deliverable
    campaign = deliverable.campaign
    what = f"{campaign.title} {deliverable.short_title or deliverable.title}"
    path = current_app.url_map.bind("localhost").build("unit.deliverable", {"deliverable_id": deliverable.id})
    context = dict(submission=submission, deliverable=deliverable, campaign=campaign, unit=submission.unit,
                   link=current_app.config["BASE_URL"].rstrip("/") + path)
    subject = SUBJECTS[kind].format(what=what)
    text = render_template(f"email/submission_{kind}.txt", **context)
    html = render_template(f"email/submission_{kind}.html", **context)
    sent, failed, seen = [], [], set()
    for contact in submission.unit.contacts:
        address = (contact.email or "").strip()
        if not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        try:
            to = str(Address(display_name=contact.name, addr_spec=address))
            send_email(to=to, subject=subject, text=text, html=html)
            sent.append(address)
        except (MailError, ValueError, IndexError) as exc:
            failed.append(f"{address}：{exc}")
    record(f"mail_{kind}", campaign_id=campaign.id, unit_id=submission.unit_id, submission_id=submission.id,
           sent=sent, failed=failed)
    return sent, failed


def revisions_of(submission: Submission) -> list[Revision]:
    """The submission's revisions, oldest first."""
    return list(db.session.scalars(
        sa.select(Revision).where(Revision.submission_id == submission.id).order_by(Revision.number)
    ))
