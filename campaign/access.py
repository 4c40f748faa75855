"""Who may see what: every lookup of a unit's or campaign's data goes through here, and every
"fetch it or answer 404 within the user's scope" a view needs, so that views never query."""
from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
import sqlalchemy.orm
from flask import abort
from flask_login import current_user, login_required

from .extensions import db
from .models import (Campaign, CampaignState, Deliverable, Extension, Photo, Role, Submission, Unit, UploadedFile,
                     User, campaigns)
from .services.relays import can_relay, relayed_deliverable


def role_required(*roles: Role):
    """Allow only users with one of the roles (others get 403)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def _received(deliverable_id: int, unit_id: int) -> tuple:
    """The conditions for a deliverable of a published campaign the unit received (joined to its campaign)."""
    recipients = campaigns.campaign_recipients.c
    return (Deliverable.id == deliverable_id, Campaign.state != CampaignState.draft,
            sa.exists().where(recipients.campaign_id == Campaign.id, recipients.unit_id == unit_id))


def reporter_deliverable_or_404(deliverable_id: int) -> Deliverable:
    """A deliverable the current reporter's unit must file; anything else is 404 (one query)."""
    deliverable = None
    if current_user.unit_id is not None:
        deliverable = db.session.scalar(
            sa.select(Deliverable).join(Deliverable.campaign).options(sa.orm.contains_eager(Deliverable.campaign))
            .where(*_received(deliverable_id, current_user.unit_id))
        )
    if deliverable is None:
        abort(404)
    return deliverable


def own_submission_or_404(submission_id: int) -> Submission:
    """A submission of the current reporter's unit, read again (after a rollback); anything else is 404."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or current_user.unit_id is None or submission.unit_id != current_user.unit_id:
        abort(404)
    return submission


def relayable_campaign_or_404(campaign_id: int) -> Campaign:
    """A campaign the reporter's unit received and may relay (it has units below it); else 404."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or current_user.unit is None or not can_relay(campaign, current_user.unit):
        abort(404)
    return campaign


def relayed_deliverable_or_404(upper: Deliverable) -> Deliverable:
    """The deliverable of the reporter's unit's relay that passes `upper` down; 404 if it did not relay it."""
    relayed = relayed_deliverable(upper, current_user.unit_id)
    if relayed is None:
        abort(404)
    return relayed


def account_or_404(user_id: int) -> User:
    """An account an administrator manages (any account); anyone else, or no such account, is 404."""
    user = db.session.get(User, user_id)
    if user is None or not current_user.is_admin:
        abort(404)
    return user


def reporter_filing_or_404(deliverable_id: int) -> tuple[Deliverable, Submission | None]:
    """As reporter_deliverable_or_404, with the unit's submission (and its extension) if it has one: what the
    unit's form and its posts need, in one query."""
    unit_id = current_user.unit_id
    found = None
    if unit_id is not None:
        found = db.session.execute(
            sa.select(Deliverable, Submission).join(Deliverable.campaign)
            .outerjoin(Submission, sa.and_(Submission.deliverable_id == Deliverable.id, Submission.unit_id == unit_id))
            .options(sa.orm.contains_eager(Deliverable.campaign),
                     sa.orm.joinedload(Submission.extension).joinedload(Extension.granted_by))
            .where(*_received(deliverable_id, unit_id))
        ).first()
    if found is None:
        abort(404)
    return found[0], found[1]


def coordinates_relays(user) -> bool:
    """A reporter who runs a relay of their unit (its 联络员 for that round)."""
    link = campaigns.campaign_coordinators.c
    return db.session.scalar(sa.select(sa.func.count()).select_from(campaigns.campaign_coordinators)
                             .where(link.user_id == user.id)) > 0


def coordinator_required(view):
    """Coordinators, admins, and reporters who run a relay of their unit; everyone else gets 403."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role not in (Role.coordinator, Role.admin) and not coordinates_relays(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def can_manage(campaign: Campaign) -> bool:
    """Admins manage every campaign; anyone else only the campaigns they coordinate (a relay's 联络员 its relay)."""
    if current_user.role is Role.admin:
        return True
    return any(u.id == current_user.id for u in campaign.coordinators)


def can_view(campaign: Campaign) -> bool:
    """Who manages the campaign, or any campaign it relays upwards, may look at its round (read-only)."""
    seen = set()
    while campaign is not None and campaign.id not in seen:
        if can_manage(campaign):
            return True
        seen.add(campaign.id)
        campaign = campaign.relays
    return False


def managed_campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not can_manage(campaign):
        abort(404)
    return campaign


def viewable_campaign_or_404(campaign_id: int) -> tuple[Campaign, bool]:
    """A campaign the user manages, or one relaying a campaign they manage (read-only); and whether they may act."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not can_view(campaign):
        abort(404)
    return campaign, can_manage(campaign)


def managed_submission_or_404(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None or not can_manage(submission.deliverable.campaign):
        abort(404)
    return submission


def campaign_deliverable_or_404(campaign: Campaign, deliverable_id: int) -> Deliverable:
    """One of the campaign's deliverables (the campaign already checked); anything else is 404."""
    deliverable = next((d for d in campaign.deliverables if d.id == deliverable_id), None)
    if deliverable is None:
        abort(404)
    return deliverable


def _is_below(unit: Unit | None, ancestor_id: int) -> bool:
    """Whether `unit` is somewhere below the unit `ancestor_id` in the unit tree (not the unit itself)."""
    seen = set()
    unit = unit.parent if unit is not None else None
    while unit is not None and unit.id not in seen:
        if unit.id == ancestor_id:
            return True
        seen.add(unit.id)
        unit = unit.parent
    return False


def _may_see_submission(submission: Submission | None) -> bool:
    """The unit's own reporters, the campaign's coordinators and admins see what a submission holds; a relay's
    联络员 (a reporter of the relaying unit) sees what the units of its subtree filed in that relay."""
    if submission is None:
        return False
    if current_user.is_reporter and current_user.unit_id == submission.unit_id:
        return True
    campaign = submission.deliverable.campaign
    if not can_manage(campaign):
        return False
    return campaign.relaying_unit_id is None or _is_below(submission.unit, campaign.relaying_unit_id)


def viewable_photo_or_404(photo_id: int) -> Photo:
    """A photo the current user may see."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or not _may_see_submission(photo.submission):
        abort(404)
    return photo


def viewable_upload_or_404(upload_id: int) -> UploadedFile:
    """An uploaded file the current user may fetch."""
    upload = db.session.get(UploadedFile, upload_id)
    if upload is None or not _may_see_submission(db.session.get(Submission, upload.submission_id)):
        abort(404)
    return upload
