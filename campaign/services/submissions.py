"""Filing: save a draft, submit, withdraw. The coordinator's return and accept are in review.py.

Which states each action may start from is `SubmissionState.allows` (models/submissions.py); whether the
deliverable still accepts the unit is its standing (standing.py); both are checked here, with the reason.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import Deliverable, Extension, Revision, Submission, SubmissionState, Unit, User, record, utcnow
from . import WorkflowError
from .deadlines import closed_message, is_overdue
from .photo_refs import keep_known_photos, unreadable_photos
from .standing import Standing, unit_standing

S = SubmissionState

REFUSALS = {
    "save": "已报送的材料不能直接修改，请先撤回后再修改。",
    "submit": "该事项已报送，无需重复报送。",
    "withdraw": "只有已报送且尚未采用的材料可以撤回。",
    "return": "只有已报送的材料可以退回。",
    "accept": "只有已报送的材料可以采用。",
}


class EditConflict(WorkflowError):
    """Someone (or the same user in another window) saved this submission since the user's copy was loaded."""

    def __init__(self, current: Submission, user: User | None = None):
        self.current = current
        self.same_user = user is not None and current.updated_by_id == user.id
        if self.same_user:
            message = "您已在另一个窗口（或标签页）保存了新的内容。请对照下方两个版本，合并后再保存。"
        else:
            who = current.updated_by.name if current.updated_by else "同单位的其他人员"
            message = f"{who}已在您编辑期间保存了新的内容。请对照下方两个版本，合并后再保存。"
        super().__init__(message)


def check_transition(action: str, submission: Submission) -> None:
    """Refuse, with the reason shown to the user, an action the submission's state does not allow."""
    if not submission.state.allows(action):
        raise WorkflowError(REFUSALS[action])


def check_open(submission: Submission, now: datetime) -> Standing:
    """The unit's standing on the submission's deliverable; refused with the reason once it no longer accepts."""
    standing = unit_standing(submission.deliverable, submission.unit_id, now, submission=submission)
    if not standing.open:
        raise WorkflowError(closed_message(submission.deliverable.campaign.state))
    return standing


def get_submission(deliverable: Deliverable, unit: Unit) -> Submission:
    """The unit's submission for the deliverable, created as 未填报 if it does not exist yet."""
    return find_or_create_submission(deliverable, unit.id)[0]


def find_or_create_submission(deliverable: Deliverable, unit_id: int) -> tuple[Submission, bool]:
    """The unit's submission (with its extension, for its standing) and whether it was created (flushed, not
    committed) just now."""
    submission = db.session.scalar(
        sa.select(Submission).options(joinedload(Submission.extension).joinedload(Extension.granted_by))
        .where(Submission.deliverable_id == deliverable.id, Submission.unit_id == unit_id)
    )
    if submission is not None:
        return submission, False
    submission = Submission(deliverable=deliverable, unit_id=unit_id, state=S.not_started, data={})
    db.session.add(submission)
    db.session.flush()
    return submission, True


def initial_data(submission: Submission) -> dict:
    """Stored data, or for a fresh form the definition's defaults with the unit name filled in."""
    if submission.data:
        return submission.data
    data = {}
    for spec in submission.deliverable.form["fields"]:
        if spec.get("default"):
            data[spec["key"]] = spec["default"].replace("{unit}", submission.unit.name)
    return data


def _write(submission: Submission, data: dict, base_version: int | None, user: User, now: datetime) -> None:
    if base_version is not None and base_version != submission.version:
        raise EditConflict(submission, user)
    submission.data = keep_known_photos(submission, data)
    submission.updated_at = now
    submission.updated_by_id = user.id


def _flush(submission: Submission, user: User) -> None:
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(submission)
        raise EditConflict(submission, user) from None


def save_draft(submission: Submission, data: dict, *, base_version: int | None, user: User,
               now: datetime | None = None) -> Submission:
    """Store the unit's work in progress; a 未填报 becomes 草稿, a 已退回 stays 已退回."""
    now = now or utcnow()
    check_transition("save", submission)
    check_open(submission, now)
    _write(submission, data, base_version, user, now)
    if submission.state is S.not_started:
        submission.state = S.draft
        record("draft_started", user=user, campaign_id=submission.deliverable.campaign_id,
               unit_id=submission.unit_id, submission_id=submission.id)
    _flush(submission, user)
    return submission


def receipt_number(submission: Submission, number: int, now: datetime) -> str:
    local = now.astimezone(submission.deliverable.campaign.zone)
    return f"HZ{local:%Y%m%d}-{submission.deliverable_id:03d}{submission.id:05d}-{number:02d}"


def submit(submission: Submission, data: dict, *, base_version: int | None, user: User,
           now: datetime | None = None, on_behalf: bool = False) -> Revision:
    """Submit validated data: store an immutable revision with a receipt number, flag it if late;
    `on_behalf` marks a coordinator's 代报 of a file the unit sent."""
    now = now or utcnow()
    check_transition("submit", submission)
    deliverable = submission.deliverable
    standing = check_open(submission, now)
    # Counted before writing, so the query does not flush the submission twice.
    number = db.session.scalar(sa.select(sa.func.count()).where(Revision.submission_id == submission.id)) + 1
    _write(submission, data, base_version, user, now)
    unreadable = unreadable_photos(submission, submission.data)
    if unreadable:
        raise WorkflowError("照片" + "、".join(f"“{name}”" for name in unreadable)
                            + "无法读取，请删除后重新上传，再报送。")
    late = is_overdue(standing.deadline, now)
    revision = Revision(
        submission=submission, number=number, data=submission.data, submitted_at=now, submitted_by_id=user.id,
        is_late=late, receipt_no=receipt_number(submission, number, now), on_behalf=on_behalf,
    )
    db.session.add(revision)
    submission.state = S.submitted
    submission.submitted_at = now
    submission.submitted_by_id = user.id
    submission.is_late = late
    submission.receipt_no = revision.receipt_no
    record("submitted", user=user, campaign_id=deliverable.campaign_id, unit_id=submission.unit_id,
           submission_id=submission.id, revision=number, late=late, receipt_no=revision.receipt_no,
           on_behalf=on_behalf)
    _flush(submission, user)
    return revision


def withdraw(submission: Submission, *, user: User, now: datetime | None = None) -> Submission:
    """Take back a submitted, not yet accepted submission so it can be edited (becomes 草稿)."""
    now = now or utcnow()
    check_transition("withdraw", submission)
    if not unit_standing(submission.deliverable, submission.unit_id, now, submission=submission).open:
        raise WorkflowError("已过报送截止时间，撤回后将无法再次报送，因此不能撤回。")
    submission.state = S.draft
    submission.updated_at = now
    submission.updated_by_id = user.id
    record("withdrawn", user=user, campaign_id=submission.deliverable.campaign_id,
           unit_id=submission.unit_id, submission_id=submission.id)
    _flush(submission, user)
    return submission
