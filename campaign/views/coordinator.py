"""The coordinator's pages: campaigns they run."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..access import role_required
from ..extensions import db
from ..models import Campaign, Role, campaigns as campaign_tables
from ..services.recipients import recipient_counts

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")
staff_only = role_required(Role.coordinator, Role.admin)


@bp.route("/")
@staff_only
def campaigns():
    """The campaigns the user coordinates (all of them for an admin)."""
    query = sa.select(Campaign).options(selectinload(Campaign.deliverables)).order_by(Campaign.created_at.desc())
    if current_user.role is Role.coordinator:
        link = campaign_tables.campaign_coordinators
        query = query.join(link, link.c.campaign_id == Campaign.id).where(link.c.user_id == current_user.id)
    found = db.session.scalars(query).all()
    return render_template("coordinator/campaigns.html", campaigns=found,
                           recipient_counts=recipient_counts(c.id for c in found))
